/**
 * Chart descriptions independent of Chart.js: the builders produce these (pure, tested in
 * happy-dom) and `toChartConfig` turns them into Chart.js configurations.
 */

/** One point of a line over time: x is epoch ms; y null is a gap. */
export interface XY {
  x: number;
  y: number | null;
}

/** How a value axis is labelled. */
export type ValueFormat = 'count' | 'bytesPerSec' | 'ms';

/** A line chart over a linear time axis. */
export interface LineChartSpec {
  kind: 'line';
  /** Each series' colour is an index into the theme's series colours. */
  series: Array<{ label: string; colorIndex: number; points: XY[]; dashed?: boolean }>;
  xMin: number;
  xMax: number;
  format: ValueFormat;
}

/** A bar chart over categories. */
export interface BarChartSpec {
  kind: 'bar';
  labels: string[];
  series: Array<{ label: string; colorIndex: number; values: number[] }>;
  stacked: boolean;
  /** Horizontal bars read better with long labels (process names). */
  horizontal: boolean;
  format: ValueFormat;
}

/** Either chart. */
export type ChartSpec = LineChartSpec | BarChartSpec;

/** Theme colours read from CSS variables. */
export interface ChartPalette {
  series: string[];
  grid: string;
  text: string;
}
