import { useEffect, useMemo, useRef } from 'react';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
  type ChartOptions,
  type Scale,
} from 'chart.js';
import { barSeries, defaultValueColumn, histogram, numericValues, type ParsedTable, type Series } from '../lib/results.ts';
import './components.css';

// Only what bar charts need, so the bundle carries no other chart types (and nothing from a CDN).
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export type ResultChartKind = 'bar' | 'histogram';

export interface ResultChartProps {
  /** From parseDelimited. */
  table: ParsedTable;
  /** bar: the top 30 rows by value; histogram: the value column in about 20 bins. */
  kind: ResultChartKind;
  /** Column naming the bars; default 0 (the key). */
  labelColumn?: number;
  /** Numeric column plotted; default the first numeric column after the key. */
  valueColumn?: number;
  /** Accessible name; default describes the chart. */
  label?: string;
  /** Height in px; default fits the bars (bar) or 300 (histogram). */
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

function chartOptions(kind: ResultChartKind, valueName: string, colours: ThemeColours, animate: boolean): ChartOptions<'bar'> {
  const valueAxis = {
    beginAtZero: true,
    ticks: { color: colours.muted },
    grid: { color: colours.grid },
    border: { color: colours.grid },
    title: { display: true, text: kind === 'bar' ? valueName : 'count', color: colours.muted },
  };
  const labelAxis = {
    ticks: {
      color: colours.text,
      autoSkip: kind === 'histogram',
      // Long keys (SQL statements, URLs) would squeeze the bars away; the tooltip shows them whole.
      callback(this: Scale, value: string | number) {
        const label = String(this.getLabelForValue(Number(value)));
        return label.length > MAX_TICK_LABEL ? `${label.slice(0, MAX_TICK_LABEL - 1)}…` : label;
      },
    },
    grid: { display: false },
    border: { color: colours.grid },
    title: { display: kind === 'histogram', text: valueName, color: colours.muted },
  };
  return {
    indexAxis: kind === 'bar' ? 'y' : 'x',
    responsive: true,
    maintainAspectRatio: false,
    animation: animate ? { duration: 250 } : false,
    layout: { padding: { right: 16, top: 4 } },
    scales: kind === 'bar' ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
    plugins: {
      tooltip: {
        backgroundColor: colours.tooltipBg,
        titleColor: colours.text,
        bodyColor: colours.text,
        borderColor: colours.grid,
        borderWidth: 1,
      },
    },
  };
}

function chartConfig(
  kind: ResultChartKind,
  series: Series,
  valueName: string,
  colours: ThemeColours,
  animate: boolean,
): ChartConfiguration<'bar', number[], string> {
  return {
    type: 'bar',
    data: {
      labels: series.labels,
      datasets: [
        {
          label: kind === 'bar' ? valueName : 'count',
          data: series.values,
          backgroundColor: colours.fill,
          borderColor: colours.line,
          borderWidth: 1,
          ...(kind === 'histogram' ? { barPercentage: 1, categoryPercentage: 1 } : {}),
        },
      ],
    },
    options: chartOptions(kind, valueName, colours, animate),
  };
}

/** A chart.js bar chart or histogram of a result table, in the current theme's colours. */
export function ResultChart({ table, kind, labelColumn = 0, valueColumn, label, height }: ResultChartProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const column = valueColumn ?? defaultValueColumn(table);
  const valueName = column === undefined ? 'value' : (table.columns[column] ?? 'value');
  const labelName = table.columns[labelColumn] ?? 'key';
  const series = useMemo<Series | undefined>(() => {
    if (column === undefined) return undefined;
    if (kind === 'bar') return barSeries(table, labelColumn, column, TOP_BARS);
    const bins = histogram(numericValues(table, column), BINS);
    return { labels: bins.labels, values: bins.counts };
  }, [table, kind, labelColumn, column]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !series || series.values.length === 0) return;
    const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    const build = (animate: boolean) => new Chart(canvas, chartConfig(kind, series, valueName, themeColours(canvas), animate));
    let chart = build(!reduceMotion);
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
  }, [kind, series, valueName]);

  if (!series || series.values.length === 0) {
    return <p className="result-chart-empty">No numeric values to chart.</p>;
  }
  const name =
    label ??
    (kind === 'bar'
      ? `Bar chart of ${valueName} by ${labelName}, top ${series.values.length}`
      : `Histogram of ${valueName} in ${series.values.length} bins`);
  const chartHeight = height ?? (kind === 'bar' ? Math.max(200, series.values.length * 22 + 60) : 300);
  return (
    <div className="result-chart" style={{ height: chartHeight }}>
      <canvas ref={canvasRef} role="img" aria-label={name}>
        {series.labels.map((text, i) => `${text}: ${series.values[i]}`).join('; ')}
      </canvas>
    </div>
  );
}
