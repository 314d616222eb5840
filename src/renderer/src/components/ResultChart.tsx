import { useEffect, useMemo, useRef } from 'react';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartOptions,
  type Scale,
} from 'chart.js';
import { barSeries, histogram, numericValues, type ParsedTable, type Series } from '../lib/results.ts';
import { bucketSeries, formatDate, timeSeries, timeStep, type ChartKind, type ChartPlan, type TimeSeries } from '../lib/result-columns.ts';
import { plural } from '../lib/format.ts';
import './components.css';

// Only what bar and line charts need, so the bundle carries no other chart types (and nothing from a CDN).
Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip);

export type { ChartKind };

export interface ResultChartProps {
  /** From parseDelimited. */
  table: ParsedTable;
  /**
   * What to draw (lib/result-columns.ts): bar, the top 30 rows by value; time, the value over its
   * dates; buckets, one histogram the job wrote; histogram, the value column in about 20 bins.
   */
  plan: ChartPlan;
  /** Accessible name; default describes the chart. */
  label?: string;
  /** Height in px; default fits the bars (bar) or 300. */
  height?: number;
}

const TOP_BARS = 30;
const MAX_TICK_LABEL = 40;
const BINS = 20;

interface ThemeColours {
  fill: string;
  line: string;
  text: string;
  muted: string;
  grid: string;
  tooltipBg: string;
}

function cssVar(element: Element, name: string, fallback: string): string {
  return getComputedStyle(element).getPropertyValue(name).trim() || fallback;
}

function withAlpha(colour: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(colour)?.[1];
  if (!hex) return colour;
  const value = parseInt(hex, 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

/** The theme's colours, read from the CSS variables in effect at `element` (light or dark). */
function themeColours(element: Element): ThemeColours {
  const accent = cssVar(element, '--accent', '#0b63ce');
  return {
    fill: withAlpha(accent, 0.7),
    line: accent,
    text: cssVar(element, '--fg', '#1f2328'),
    muted: cssVar(element, '--muted', '#656d76'),
    grid: cssVar(element, '--border', '#d0d7de'),
    tooltipBg: cssVar(element, '--bg-bar', '#e8eaed'),
  };
}

/** What is drawn: bars by label, or points over time. */
type Drawn = { kind: Exclude<ChartKind, 'time'>; series: Series } | { kind: 'time'; series: TimeSeries };

function tooltipOptions(colours: ThemeColours) {
  return {
    backgroundColor: colours.tooltipBg,
    titleColor: colours.text,
    bodyColor: colours.text,
    borderColor: colours.grid,
    borderWidth: 1,
  };
}

function countAxis(title: string, colours: ThemeColours) {
  return {
    beginAtZero: true,
    ticks: { color: colours.muted },
    grid: { color: colours.grid },
    border: { color: colours.grid },
    title: { display: true, text: title, color: colours.muted },
  };
}

function barOptions(kind: Exclude<ChartKind, 'time'>, names: AxisNames, colours: ThemeColours, animate: boolean): ChartOptions<'bar'> {
  const labelAxis = {
    ticks: {
      color: colours.text,
      autoSkip: kind !== 'bar',
      // Long keys (SQL statements, URLs) would squeeze the bars away; the tooltip shows them whole.
      callback(this: Scale, value: string | number) {
        const label = String(this.getLabelForValue(Number(value)));
        return label.length > MAX_TICK_LABEL ? `${label.slice(0, MAX_TICK_LABEL - 1)}…` : label;
      },
    },
    grid: { display: false },
    border: { color: colours.grid },
    title: { display: kind !== 'bar', text: names.label, color: colours.muted },
  };
  const valueAxis = countAxis(names.value, colours);
  return {
    indexAxis: kind === 'bar' ? 'y' : 'x',
    responsive: true,
    maintainAspectRatio: false,
    animation: animate ? { duration: 250 } : false,
    layout: { padding: { right: 16, top: 4 } },
    scales: kind === 'bar' ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
    plugins: { tooltip: tooltipOptions(colours) },
  };
}

function barConfig(
  kind: Exclude<ChartKind, 'time'>,
  series: Series,
  names: AxisNames,
  colours: ThemeColours,
  animate: boolean,
): ChartConfiguration<'bar', number[], string> {
  return {
    type: 'bar',
    data: {
      labels: series.labels,
      datasets: [
        {
          label: names.value,
          data: series.values,
          backgroundColor: colours.fill,
          borderColor: colours.line,
          borderWidth: 1,
          ...(kind !== 'bar' ? { barPercentage: 1, categoryPercentage: 1 } : {}),
        },
      ],
    },
    options: barOptions(kind, names, colours, animate),
  };
}

/** A line over a linear time axis: dates are spaced as they fall, a missing day shows as a gap in the ticks. */
function timeConfig(series: TimeSeries, names: AxisNames, colours: ThemeColours, animate: boolean): ChartConfiguration<'line', Array<{ x: number; y: number }>> {
  const step = timeStep(series.times);
  const single = series.times.length === 1;
  return {
    type: 'line',
    data: {
      datasets: [
        {
          label: names.value,
          data: series.times.map((x, i) => ({ x, y: series.values[i]! })),
          borderColor: colours.line,
          backgroundColor: colours.fill,
          pointRadius: 3,
          tension: 0,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: animate ? { duration: 250 } : false,
      layout: { padding: { right: 16, top: 4 } },
      scales: {
        x: {
          type: 'linear',
          ...(single && { min: series.times[0]! - 86_400_000, max: series.times[0]! + 86_400_000 }),
          ticks: {
            color: colours.text,
            ...(step !== undefined && { stepSize: step }),
            callback: (value: string | number) => formatDate(Number(value)),
          },
          grid: { color: colours.grid },
          border: { color: colours.grid },
          title: { display: true, text: names.label, color: colours.muted },
        },
        y: countAxis(names.value, colours),
      },
      plugins: {
        tooltip: { ...tooltipOptions(colours), callbacks: { title: (items) => items.map((item) => formatDate(item.parsed.x ?? 0)) } },
      },
    },
  };
}

interface AxisNames {
  label: string;
  value: string;
}

function drawnOf(table: ParsedTable, plan: ChartPlan): Drawn | undefined {
  const value = plan.valueColumn;
  if (value === undefined) return undefined;
  switch (plan.kind) {
    case 'bar':
      return { kind: 'bar', series: barSeries(table, plan.labelColumn ?? 0, value, TOP_BARS) };
    case 'histogram': {
      const bins = histogram(numericValues(table, value), BINS);
      return { kind: 'histogram', series: { labels: bins.labels, values: bins.counts } };
    }
    case 'buckets':
      return { kind: 'buckets', series: bucketSeries(table, plan) };
    case 'time':
      return plan.labelColumn === undefined ? undefined : { kind: 'time', series: timeSeries(table, plan.labelColumn, value) };
  }
}

function namesOf(table: ParsedTable, plan: ChartPlan): AxisNames {
  const column = (index: number | undefined, fallback: string) => (index === undefined ? fallback : (table.columns[index] ?? fallback));
  const value = column(plan.valueColumn, 'value');
  switch (plan.kind) {
    case 'histogram':
      return { label: value, value: 'count' };
    case 'buckets':
      return plan.labelColumn === undefined ? { label: 'bucket', value: 'count' } : { label: column(plan.labelColumn, 'bucket'), value };
    default:
      return { label: column(plan.labelColumn, 'key'), value };
  }
}

function pointCount(drawn: Drawn): number {
  return drawn.kind === 'time' ? drawn.series.times.length : drawn.series.values.length;
}

/** The chart in words: its accessible name. */
function describe(table: ParsedTable, plan: ChartPlan, drawn: Drawn, names: AxisNames): string {
  switch (drawn.kind) {
    case 'bar':
      return `Bar chart of ${names.value} by ${names.label}, top ${drawn.series.values.length}`;
    case 'histogram':
      return `Histogram of ${names.label} in ${plural(drawn.series.values.length, 'bin')}`;
    case 'buckets': {
      const group = plan.groupColumn === undefined ? undefined : (plan.group ?? table.rows[0]?.[plan.groupColumn]);
      const total = drawn.series.values.reduce((sum, v) => sum + v, 0);
      return `Buckets${group === undefined ? '' : ` of ${group}`}: ${plural(drawn.series.values.length, 'bucket')}, ${total.toLocaleString('en')} in all`;
    }
    case 'time': {
      const { times } = drawn.series;
      return `${names.value} over ${names.label}, ${plural(times.length, 'point')} from ${formatDate(times[0]!)} to ${formatDate(times[times.length - 1]!)}`;
    }
  }
}

/** A chart.js chart of a result table as its plan says, in the current theme's colours. */
export function ResultChart({ table, plan, label, height }: ResultChartProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const drawn = useMemo(() => drawnOf(table, plan), [table, plan]);
  const names = useMemo(() => namesOf(table, plan), [table, plan]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !drawn || pointCount(drawn) === 0) return;
    const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    const build = (animate: boolean) => {
      const colours = themeColours(canvas);
      return drawn.kind === 'time'
        ? new Chart(canvas, timeConfig(drawn.series, names, colours, animate))
        : new Chart(canvas, barConfig(drawn.kind, drawn.series, names, colours, animate));
    };
    let chart: Chart<'bar' | 'line', unknown> = build(!reduceMotion);
    // The theme is an attribute on <html> (App's useTheme): redraw in the new colours when it changes.
    const observer = new MutationObserver(() => {
      chart.destroy();
      chart = build(false);
    });
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class', 'style'] });
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [drawn, names]);

  if (!drawn || pointCount(drawn) === 0) {
    return <p className="result-chart-empty">No values to chart.</p>;
  }
  const name = label ?? describe(table, plan, drawn, names);
  const chartHeight = height ?? (drawn.kind === 'bar' ? Math.max(200, drawn.series.values.length * 22 + 60) : 300);
  const text =
    drawn.kind === 'time'
      ? drawn.series.times.map((t, i) => `${formatDate(t)}: ${drawn.series.values[i]}`)
      : drawn.series.labels.map((l, i) => `${l}: ${drawn.series.values[i]}`);
  return (
    <div className="result-chart" data-chart={drawn.kind} style={{ height: chartHeight }}>
      <canvas ref={canvasRef} role="img" aria-label={name}>
        {text.join('; ')}
      </canvas>
    </div>
  );
}
