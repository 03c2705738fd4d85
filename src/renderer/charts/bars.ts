/** Bar charts of the live aggregates: connections per port and per process. */
import type { PortAggregate, ProcessAggregate } from '../../shared/model';
import type { BarChartSpec } from './spec';

/** Bars shown at most; the rest would be unreadable slivers. */
export const BAR_LIMIT = 20;

/** A port's label: `tcp/443 https`. */
export function portLabel(port: Pick<PortAggregate, 'protocol' | 'port' | 'service'>): string {
  return `${port.protocol}/${port.port}${port.service ? ` ${port.service.name}` : ''}`;
}

/** Connections served per local port (the busiest first), listeners stacked beside them. */
export function portBars(byPort: readonly PortAggregate[], limit = BAR_LIMIT): BarChartSpec {
  const top = [...byPort]
    .sort((a, b) => b.connections - a.connections || b.listeners - a.listeners || a.port - b.port || a.protocol.localeCompare(b.protocol))
    .slice(0, limit);
  return {
    kind: 'bar',
    labels: top.map(portLabel),
    series: [
      { label: 'Connections', colorIndex: 0, values: top.map((p) => p.connections) },
      { label: 'Listeners', colorIndex: 1, values: top.map((p) => p.listeners) },
    ],
    stacked: true,
    horizontal: false,
    format: 'count',
  };
}

/** A process's label: `firefox (1234)`, or the group of sockets without a visible owner. */
export function processLabel(p: Pick<ProcessAggregate, 'pid' | 'name'>): string {
  return p.pid === null ? p.name || 'no visible process' : `${p.name} (${p.pid})`;
}

/** Sockets per process (the most first), split into established, listening, UDP and other. */
export function processBars(byProcess: readonly ProcessAggregate[], limit = BAR_LIMIT): BarChartSpec {
  const top = [...byProcess].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name)).slice(0, limit);
  return {
    kind: 'bar',
    labels: top.map(processLabel),
    series: [
      { label: 'Established', colorIndex: 0, values: top.map((p) => p.established) },
      { label: 'Listening', colorIndex: 1, values: top.map((p) => p.listening) },
      { label: 'UDP', colorIndex: 2, values: top.map((p) => p.udp) },
      { label: 'Other TCP', colorIndex: 3, values: top.map((p) => Math.max(0, p.total - p.established - p.listening - p.udp)) },
    ],
    stacked: true,
    horizontal: true,
    format: 'count',
  };
}
