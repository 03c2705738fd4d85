/** Probe latency over time: one line per probe; a failed run is a gap, not a zero. */
import type { ProbeState } from '../../shared/model';
import type { LineChartSpec } from './spec';

/** Latency lines for the given probes over [from, to]. */
export function probeLatencySeries(probes: readonly ProbeState[], from: number, to: number): LineChartSpec {
  return {
    kind: 'line',
    series: probes.map((probe, index) => ({
      label: probe.spec.label || probe.spec.id,
      colorIndex: index,
      points: probe.history.filter((p) => p.at >= from && p.at <= to).map((p) => ({ x: p.at, y: p.ok ? p.latencyMs : null })),
    })),
    xMin: from,
    xMax: to,
    format: 'ms',
  };
}
