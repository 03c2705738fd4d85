/**
 * Chart specs to Chart.js configurations: no animation (live data), a linear x axis of epoch ms (no
 * date adapter), gaps kept as gaps (`spanGaps: false`), min-max decimation on long series, and the
 * theme's colours.
 */
import type { ChartConfiguration, TooltipItem } from 'chart.js';
import { clockTime, formatValue } from './format';
import type { BarChartSpec, ChartPalette, LineChartSpec, ValueFormat } from './spec';

/** Series longer than this are decimated (min-max keeps peaks, unlike averaging). */
export const DECIMATION_THRESHOLD = 400;

/** Tick steps a clock axis may use, ms: whole seconds, minutes and hours. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map((s) => s * 1000);

/** The smallest clock step that keeps a span to at most `maxTicks` ticks (ticks land on round times). */
export function timeStep(spanMs: number, maxTicks = 8): number {
  return TIME_STEPS.find((step) => spanMs / step <= maxTicks) ?? TIME_STEPS[TIME_STEPS.length - 1] ?? 3_600_000;
}

const colour = (palette: ChartPalette, index: number): string =>
  palette.series[index % Math.max(1, palette.series.length)] ?? palette.text;

function valueAxis(palette: ChartPalette, format: ValueFormat, stacked: boolean): Record<string, unknown> {
  return {
    type: 'linear',
    beginAtZero: true,
    stacked,
    grid: { color: palette.grid },
    ticks: { color: palette.text, callback: (value: number | string) => formatValue(Number(value), format), precision: format === 'count' ? 0 : undefined },
  };
}

/** A line chart configuration. */
export function lineConfig(spec: LineChartSpec, palette: ChartPalette): ChartConfiguration<'line'> {
  const longest = Math.max(0, ...spec.series.map((s) => s.points.length));
  return {
    type: 'line',
    data: {
      datasets: spec.series.map((series) => ({
        label: series.label,
        // Chart.js types points as numbers; null y is its documented gap marker.
        data: series.points as unknown as Array<{ x: number; y: number }>,
        borderColor: colour(palette, series.colorIndex),
        backgroundColor: colour(palette, series.colorIndex),
        borderDash: series.dashed ? [5, 4] : [],
        borderWidth: 1.5,
        pointRadius: 0,
        pointHitRadius: 6,
        spanGaps: false,
        tension: 0,
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          min: spec.xMin,
          max: spec.xMax,
          grid: { color: palette.grid },
          ticks: {
            color: palette.text,
            stepSize: timeStep(spec.xMax - spec.xMin),
            callback: (value: number | string) => clockTime(Number(value)),
          },
        },
        y: valueAxis(palette, spec.format, false),
      },
      plugins: {
        legend: { labels: { color: palette.text, boxWidth: 12 } },
        decimation: { enabled: longest > DECIMATION_THRESHOLD, algorithm: 'min-max' },
        tooltip: {
          callbacks: {
            title: (items: TooltipItem<'line'>[]) => (items[0] ? clockTime(items[0].parsed.x ?? 0) : ''),
            label: (item: TooltipItem<'line'>) => `${item.dataset.label ?? ''}: ${formatValue(item.parsed.y ?? 0, spec.format)}`,
          },
        },
      },
    },
  };
}

/** A bar chart configuration. */
export function barConfig(spec: BarChartSpec, palette: ChartPalette): ChartConfiguration<'bar'> {
  const category = { type: 'category', stacked: spec.stacked, grid: { display: false }, ticks: { color: palette.text, autoSkip: false } };
  const value = valueAxis(palette, spec.format, spec.stacked);
  return {
    type: 'bar',
    data: {
      labels: spec.labels,
      datasets: spec.series.map((series) => ({
        label: series.label,
        data: series.values,
        backgroundColor: colour(palette, series.colorIndex),
        borderWidth: 0,
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: spec.horizontal ? 'y' : 'x',
      scales: (spec.horizontal ? { x: value, y: category } : { x: category, y: value }) as NonNullable<ChartConfiguration<'bar'>['options']>['scales'],
      plugins: { legend: { labels: { color: palette.text, boxWidth: 12 } } },
    },
  };
}
