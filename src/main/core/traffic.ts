/**
 * Per-connection traffic from the kernel's TCP counters (tcp-info.ts): rates between successive
 * samples, attached to the rows of the socket table, and summed per process and per port.
 *
 * Honest numbers only: a rate is null when it cannot be known — the first sample of a socket, a
 * counter that went backwards (a new socket on a reused 4-tuple), no elapsed time, or right after
 * a failed read (a missing sample is a gap, never a zero). UDP keeps no counters, so UDP rows get
 * `traffic: null` ("not available"), never 0.
 */
import type { Connection, PortTraffic, ProcessTraffic, TrafficInfo, TrafficTotals } from '../../shared/model';
import { NO_VISIBLE_OWNER } from './aggregate';
import { counterRate } from './rates';
import { isListener } from './services';
import { SsIndex, ssJoinKey, type SsSocket } from './tcp-info';

interface Reading {
  at: number;
  sent: number | null;
  received: number | null;
}

/** Rates of one socket, bytes per second. */
interface Rates {
  sendRate: number | null;
  recvRate: number | null;
}

/** One successful sample, ready to annotate rows. */
export class TrafficSample {
  constructor(
    private readonly index: SsIndex,
    private readonly rates: ReadonlyMap<number | string, Rates>,
  ) {}

  /** The `ss` record of a table row, or null. */
  socketOf(row: Connection): SsSocket | null {
    return this.index.find(row);
  }

  /** The traffic of a table row: null for UDP and for sockets without counters. */
  trafficOf(row: Connection): TrafficInfo | null {
    if (row.protocol !== 'tcp') return null;
    const s = this.index.find(row);
    if (s === null || s.tcp === null) return null;
    const r = this.rates.get(ssJoinKey(s));
    return {
      bytesSent: s.tcp.bytesSent,
      bytesReceived: s.tcp.bytesReceived,
      sendRate: r?.sendRate ?? null,
      recvRate: r?.recvRate ?? null,
      rttMs: s.tcp.rttMs,
      rttVarMs: s.tcp.rttVarMs,
      retransmits: s.tcp.retransmits,
      sendQueue: s.sendQueue,
      recvQueue: s.recvQueue,
    };
  }
}

/** Turns successive `ss` samples into per-socket rates. */
export class TrafficMeter {
  private last = new Map<number | string, Reading>();

  /**
   * Rates since the previous sample of each socket (keyed by inode, else endpoints). Sockets no
   * longer present are forgotten.
   */
  sample(sockets: readonly SsSocket[], at: number): TrafficSample {
    const next = new Map<number | string, Reading>();
    const rates = new Map<number | string, Rates>();
    for (const s of sockets) {
      if (s.tcp === null) continue;
      const key = ssJoinKey(s);
      const reading: Reading = { at, sent: s.tcp.bytesSent, received: s.tcp.bytesReceived };
      next.set(key, reading);
      const previous = this.last.get(key);
      if (previous === undefined) continue;
      const elapsed = at - previous.at;
      rates.set(key, {
        sendRate: previous.sent === null || reading.sent === null ? null : counterRate(previous.sent, reading.sent, elapsed),
        recvRate: previous.received === null || reading.received === null ? null : counterRate(previous.received, reading.received, elapsed),
      });
    }
    this.last = next;
    return new TrafficSample(new SsIndex(sockets), rates);
  }

  /** A failed read: the next rates start over rather than average across the gap. */
  gap(): void {
    this.last.clear();
  }
}

/** Sets `traffic` on every row (in place): the sample's counters, or null where there are none. */
export function annotateTraffic(rows: Connection[], sample: TrafficSample): void {
  for (const row of rows) row.traffic = sample.trafficOf(row);
}

/** Accumulates totals; sums stay null until one socket has a value. */
class Totals {
  sendRate: number | null = null;
  recvRate: number | null = null;
  bytesSent: number | null = null;
  bytesReceived: number | null = null;
  measured = 0;
  unmeasured = 0;

  add(row: Connection): void {
    // Listeners move no bytes and TIME_WAIT sockets have no counters left: they count nowhere.
    if (row.state === 'LISTEN' || row.state === 'TIME_WAIT') return;
    const t = row.traffic;
    if (t === undefined || t === null) {
      this.unmeasured++;
      return;
    }
    if (t.sendRate !== null || t.recvRate !== null) this.measured++;
    else this.unmeasured++;
    this.sendRate = plus(this.sendRate, t.sendRate);
    this.recvRate = plus(this.recvRate, t.recvRate);
    this.bytesSent = plus(this.bytesSent, t.bytesSent);
    this.bytesReceived = plus(this.bytesReceived, t.bytesReceived);
  }

  plain(): TrafficTotals {
    return {
      sendRate: this.sendRate,
      recvRate: this.recvRate,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      measured: this.measured,
      unmeasured: this.unmeasured,
    };
  }
}

function plus(sum: number | null, value: number | null): number | null {
  if (value === null) return sum;
  return (sum ?? 0) + value;
}

/** Total rate of a group, for ordering (unknown counts as nothing). */
function busy(t: TrafficTotals): number {
  return (t.sendRate ?? 0) + (t.recvRate ?? 0);
}

function byBusiest(a: TrafficTotals, b: TrafficTotals): number {
  return busy(b) - busy(a) || (b.bytesSent ?? 0) + (b.bytesReceived ?? 0) - ((a.bytesSent ?? 0) + (a.bytesReceived ?? 0));
}

/** Traffic totals of a set of rows (closed rows skipped). */
export function trafficTotals(rows: Iterable<Connection>): TrafficTotals {
  const t = new Totals();
  for (const row of rows) if (row.change !== 'closed') t.add(row);
  return t.plain();
}

/**
 * Traffic per process, busiest first, at most `limit`. A socket shared by several processes counts
 * for each (each of them can move its bytes). Sockets whose owner is hidden are grouped by their
 * owner hint (`unit nginx.service (from cgroup)`), else under "(no visible owner)".
 */
export function trafficByProcess(rows: Iterable<Connection>, limit = 50): ProcessTraffic[] {
  const groups = new Map<string, { pid: number | null; name: string; totals: Totals }>();
  const group = (id: string, pid: number | null, name: string): Totals => {
    let g = groups.get(id);
    if (g === undefined) {
      g = { pid, name, totals: new Totals() };
      groups.set(id, g);
    }
    return g.totals;
  };
  for (const row of rows) {
    if (row.change === 'closed') continue;
    if (row.ownerVisibility === 'visible' && row.owners.length > 0) {
      for (const o of row.owners) group(`pid:${o.pid}`, o.pid, o.name).add(row);
    } else if (row.state !== 'TIME_WAIT') {
      const name = row.ownerHint?.label ?? NO_VISIBLE_OWNER;
      group(`hint:${name}`, null, name).add(row);
    }
  }
  return [...groups.values()]
    .map((g) => ({ pid: g.pid, name: g.name, ...g.totals.plain() }))
    .sort((a, b) => byBusiest(a, b) || a.name.localeCompare(b.name) || (a.pid ?? -1) - (b.pid ?? -1))
    .slice(0, Math.max(0, limit));
}

/**
 * Traffic per port, busiest first, at most `limit`: connections a local listener serves count
 * under their local port (`side: 'local'`), other connections under the remote port they reach
 * (`side: 'remote'`: this machine as a client). On loopback both ends are here, once on each side.
 */
export function trafficByPort(rows: Iterable<Connection>, limit = 50): PortTraffic[] {
  const list = [...rows].filter((r) => r.change !== 'closed');
  // Numeric ids (protocol, port, side packed): no string per row.
  const portId = (protocol: Connection['protocol'], port: number): number => (protocol === 'tcp' ? 0 : 65_536) + port;
  const listening = new Set<number>();
  for (const row of list) if (isListener(row)) listening.add(portId(row.protocol, row.localPort));
  const groups = new Map<number, { protocol: Connection['protocol']; port: number; side: 'local' | 'remote'; totals: Totals }>();
  for (const row of list) {
    if (isListener(row) || row.state === 'TIME_WAIT') continue;
    const served = listening.has(portId(row.protocol, row.localPort));
    const port = served ? row.localPort : row.remotePort;
    if (port === null) continue;
    const side = served ? 'local' : 'remote';
    const id = portId(row.protocol, port) * 2 + (served ? 0 : 1);
    let g = groups.get(id);
    if (g === undefined) {
      g = { protocol: row.protocol, port, side, totals: new Totals() };
      groups.set(id, g);
    }
    g.totals.add(row);
  }
  return [...groups.values()]
    .map((g) => ({ protocol: g.protocol, port: g.port, side: g.side, ...g.totals.plain() }))
    .sort((a, b) => byBusiest(a, b) || a.port - b.port || a.side.localeCompare(b.side) || a.protocol.localeCompare(b.protocol))
    .slice(0, Math.max(0, limit));
}
