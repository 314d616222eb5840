import { useState } from 'react';

const EXTEND_HOURS = [1, 2, 4, 8];

/**
 * "+N h" and Extend. Only the extensions that fit in `room` (the hours left before the latest
 * deadline) are offered; without `room` every one is, and the call says if one goes too far.
 */
export function ExtendControl({ room = Infinity, busy, onExtend, buttonClass }: { room?: number | undefined; busy: boolean; onExtend: (hours: number) => void; buttonClass?: string }) {
  const [picked, setPicked] = useState(1);
  const fitting = EXTEND_HOURS.filter((h) => h <= room);
  if (fitting.length === 0) return null;
  const hours = fitting.includes(picked) ? picked : (fitting[0] as number);
  return (
    <>
      <select aria-label="Hours to add" value={hours} onChange={(e) => setPicked(Number(e.target.value))} disabled={busy}>
        {fitting.map((h) => (
          <option key={h} value={h}>
            +{h} h
          </option>
        ))}
      </select>
      <button type="button" className={buttonClass} disabled={busy} onClick={() => onExtend(hours)}>
        Extend
      </button>
    </>
  );
}
