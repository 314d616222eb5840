import type { HistoryPoint } from './history-series.ts';

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 56, right: 16, top: 12, bottom: 40 };
const MAX_X_LABELS = 8;

/** "2026-12-07 06:30" in UTC, as the schedules speak. */
function shortTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function niceTicks(min: number, max: number, count = 4): number[] {
  if (min === max) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function formatValue(value: number): string {
  return Math.abs(value) >= 1e6 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(2) : value.toLocaleString('en', { maximumFractionDigits: 3 });
}

/**
 * One value across a job's runs, over the time each run started: a point a run, joined by a line,
 * and a run without the value as a gap (the line breaks and a hollow mark on the axis says which
 * run). Drawn as SVG, so every point is an element with its run and value.
 */
export function RunHistoryChart({ points, label }: { points: readonly HistoryPoint[]; label: string }) {
  const values = points.flatMap((p) => (p.value === undefined ? [] : [p.value]));
  if (points.length === 0) return null;
  const low = Math.min(0, ...values);
  const high = Math.max(0, ...values);
  // The axis ends on a tick at or beyond the extremes, so every point lies under a labelled line.
  const ticks = niceTicks(low === high ? low - 1 : low, low === high ? high + 1 : high);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 1;
  if (ticks[0]! > low) ticks.unshift(Number((ticks[0]! - step).toPrecision(12)));
  if (ticks[ticks.length - 1]! < high) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  const [yMin, yMax] = [ticks[0]!, ticks[ticks.length - 1]!];
  const times = points.map((p) => p.time);
  const [tMin, tMax] = [Math.min(...times), Math.max(...times)];
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  // Runs spaced by time; all at one instant (or one run) stand side by side in the middle.
  const x = (p: HistoryPoint, i: number) => (tMax === tMin ? PAD.left + (plotW * (i + 1)) / (points.length + 1) : PAD.left + ((p.time - tMin) / (tMax - tMin)) * plotW);
  const y = (v: number) => PAD.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  const baseline = y(Math.max(yMin, Math.min(0, yMax)));

  const segments: string[] = [];
  let path = '';
  points.forEach((p, i) => {
    if (p.value === undefined) {
      if (path) segments.push(path);
      path = '';
      return;
    }
    path += `${path ? 'L' : 'M'}${x(p, i).toFixed(1)},${y(p.value).toFixed(1)}`;
  });
  if (path) segments.push(path);
  const labelEvery = Math.max(1, Math.ceil(points.length / MAX_X_LABELS));

  return (
    <svg className="run-history-chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
      {ticks.map((t) => (
        <g key={t} className="history-tick">
          <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} />
          <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end">
            {formatValue(t)}
          </text>
        </g>
      ))}
      <line className="history-axis" x1={PAD.left} x2={WIDTH - PAD.right} y1={baseline} y2={baseline} />
      {segments.map((d) => (
        <path key={d} className="history-line" d={d} />
      ))}
      {points.map((p, i) =>
        p.value === undefined ? (
          <g key={p.runId} className="history-gap" data-run-id={p.runId}>
            <circle cx={x(p, i)} cy={baseline} r={4} />
            <title>{`${shortTime(p.time)} UTC, run ${p.runId}: ${p.missing ?? 'no value'}`}</title>
          </g>
        ) : (
          <circle key={p.runId} className="history-point" data-run-id={p.runId} data-value={p.value} cx={x(p, i)} cy={y(p.value)} r={4}>
            <title>{`${shortTime(p.time)} UTC, run ${p.runId}: ${formatValue(p.value)}`}</title>
          </circle>
        ),
      )}
      {points.map((p, i) =>
        i % labelEvery === 0 || i === points.length - 1 ? (
          <text
            key={`label-${p.runId}`}
            className="history-x-label"
            x={x(p, i)}
            y={HEIGHT - PAD.bottom + 16}
            textAnchor={points.length > 1 && i === 0 ? 'start' : points.length > 1 && i === points.length - 1 ? 'end' : 'middle'}
          >
            {shortTime(p.time).slice(5)}
          </text>
        ) : null,
      )}
    </svg>
  );
}
