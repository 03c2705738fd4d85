/**
 * Timeline series from the history: counts per state and interface throughput. A failed sample
 * (`ok: false`) and a stretch with no samples both become a null point, so the line breaks there
 * instead of drawing zeros or bridging the hole.
 */
import type { History, HistorySample, SocketState } from '../../shared/model';
import { SOCKET_STATES } from '../../shared/model';
import type { LineChartSpec, XY } from './spec';

/** Interfaces charted at most (the busiest). */
export const INTERFACE_LIMIT = 3;

/** The usual step between samples: the median gap (robust to the odd late sample). */
export function typicalStep(samples: readonly HistorySample[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < samples.length; i += 1) gaps.push((samples[i] as HistorySample).at - (samples[i - 1] as HistorySample).at);
  if (gaps.length === 0) return 0;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? 0;
}

/**
 * Points for one value of each sample, with a null point wherever a sample failed or more than
 * three steps passed without one (the collector was not running).
 */
export function seriesOf(samples: readonly HistorySample[], value: (sample: HistorySample) => number | null): XY[] {
  const step = typicalStep(samples);
  const points: XY[] = [];
  let previous: HistorySample | null = null;
  for (const sample of samples) {
    if (previous && step > 0 && sample.at - previous.at > 3 * step) points.push({ x: previous.at + step, y: null });
    points.push({ x: sample.at, y: sample.ok ? value(sample) : null });
    previous = sample;
  }
  return points;
}

/** Socket counts per state over time: one line per state that occurs in the window. */
export function stateSeries(history: History): LineChartSpec {
  const present = new Set<SocketState>();
  for (const sample of history.samples) {
    for (const [state, count] of Object.entries(sample.byState)) if ((count ?? 0) > 0) present.add(state as SocketState);
  }
  const states = SOCKET_STATES.filter((state) => present.has(state));
  return {
    kind: 'line',
    series: states.map((state, index) => ({
      label: state,
      colorIndex: index,
      points: seriesOf(history.samples, (sample) => sample.byState[state] ?? 0),
    })),
    xMin: history.from,
    xMax: history.to,
    format: 'count',
  };
}

/** Receive and transmit rates of the busiest interfaces, bytes per second. */
export function throughputSeries(history: History, limit = INTERFACE_LIMIT): LineChartSpec {
  const totals = new Map<string, number>();
  for (const sample of history.samples) {
    for (const rate of sample.interfaces) {
      totals.set(rate.name, (totals.get(rate.name) ?? 0) + (rate.rxBytesPerSec ?? 0) + (rate.txBytesPerSec ?? 0));
    }
  }
  const names = [...totals.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([name]) => name);
  const rate = (sample: HistorySample, name: string, which: 'rxBytesPerSec' | 'txBytesPerSec'): number | null =>
    sample.interfaces.find((r) => r.name === name)?.[which] ?? null;
  return {
    kind: 'line',
    series: names.flatMap((name, index) => [
      { label: `${name} receive`, colorIndex: index, points: seriesOf(history.samples, (s) => rate(s, name, 'rxBytesPerSec')) },
      { label: `${name} send`, colorIndex: index, dashed: true, points: seriesOf(history.samples, (s) => rate(s, name, 'txBytesPerSec')) },
    ]),
    xMin: history.from,
    xMax: history.to,
    format: 'bytesPerSec',
  };
}
