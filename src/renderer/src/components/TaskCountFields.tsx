/**
 * The Mappers and Reducers number fields of a map-reduce job, with the bounds the contract
 * accepts (1 to 256 each), for every form that sets how many tasks a job runs.
 */
export function TaskCountFields({
  mappers,
  reducers,
  onMappers,
  onReducers,
}: {
  mappers: number;
  reducers: number;
  onMappers: (count: number) => void;
  onReducers: (count: number) => void;
}) {
  return (
    <>
      <label>
        Mappers
        <input type="number" min={1} max={256} value={mappers} onChange={(e) => onMappers(Number(e.target.value))} />
      </label>
      <label>
        Reducers
        <input type="number" min={1} max={256} value={reducers} onChange={(e) => onReducers(Number(e.target.value))} />
      </label>
    </>
  );
}
