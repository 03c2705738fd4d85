/**
 * Summaries of the live table: per local port, per process, per remote host and per state, plus
 * the tray's counters. Closed rows (kept only for display) count nowhere.
 *
 * {@link LiveAggregates} keeps them incrementally: the table reports each row that enters, changes
 * or leaves the live set, so a poll costs what changed, not what is there. The lists travel with
 * every delta, so they are capped (default {@link DEFAULT_AGGREGATE_LIMIT} entries each, largest
 * first); `byState` and the counters are always complete.
 *
 * A port's `connections` are the connected sockets on the same protocol and local port as one of
 * its listeners: per port, that is what `listenersWithAccepted` (services.ts) attributes, without
 * its per-address matching, which would need a pass over the whole table every poll. They differ
 * only for a connected socket on a listening port whose local address no listener covers (a
 * client socket bound to that port on purpose), which is counted here.
 */
import { isListener } from './services';
import type { Aggregates, Connection, Counters, Exposure, PortAggregate, ProcessAggregate, Protocol, RemoteHostAggregate, SocketState } from '../../shared/model';

/** Default cap of each aggregate list. */
export const DEFAULT_AGGREGATE_LIMIT = 50;

/** Counts of the live table the counters are made of. */
export interface TableTotals {
  total: number;
  established: number;
  listening: number;
  udp: number;
}

/** Aggregates plus the totals of the same table. */
export interface Summary {
  aggregates: Aggregates;
  totals: TableTotals;
}

/** Options of {@link summarize} and {@link LiveAggregates}. */
export interface SummarizeOptions {
  /** Cap of byPort, byProcess and byRemoteHost (default 50). */
  limit?: number;
}

/** The group for sockets with no visible owner (`pid: null`). */
export const NO_VISIBLE_OWNER = '(no visible owner)';

const EXPOSURE_RANK: Record<Exposure, number> = { loopback: 0, specific: 1, 'all-interfaces': 2 };

interface ProcessAcc {
  pid: number | null;
  name: string;
  total: number;
  listening: number;
  established: number;
  udp: number;
}

interface RemoteAcc {
  address: string;
  /** Resolved names seen on live rows to this address, with how many rows carry each. */
  hosts: Map<string, number>;
  connections: number;
}

/** Aggregates kept up to date row by row. */
export class LiveAggregates {
  private readonly limit: number;
  private readonly byState = new Map<SocketState, number>();
  private readonly totals: TableTotals = { total: 0, established: 0, listening: 0, udp: 0 };
  private readonly processes = new Map<string, ProcessAcc>();
  private readonly remotes = new Map<string, RemoteAcc>();
  /** Listener rows per `protocol/port`, by key. */
  private readonly listeners = new Map<string, Map<string, Connection>>();
  /** Connected (non-listener) rows per `protocol/localPort`, listening port or not. */
  private readonly connectedByPort = new Map<string, number>();
  private cached: Aggregates | null = null;

  constructor(options: SummarizeOptions = {}) {
    this.limit = options.limit ?? DEFAULT_AGGREGATE_LIMIT;
  }

  /** A row entered the live set. */
  add(row: Connection): void {
    this.apply(row, 1);
  }

  /** A live row left the live set (closed). */
  remove(row: Connection): void {
    this.apply(row, -1);
  }

  /** A live row was replaced by a newer version of itself. */
  replace(previous: Connection, next: Connection): void {
    this.apply(previous, -1);
    this.apply(next, 1);
  }

  /** Totals of the live table. */
  tableTotals(): TableTotals {
    return { ...this.totals };
  }

  /** The capped aggregates (the same object until a row changes, so an idle poll costs nothing). */
  aggregates(): Aggregates {
    if (this.cached !== null) return this.cached;
    const byState: Partial<Record<SocketState, number>> = {};
    for (const [state, n] of this.byState) byState[state] = n;

    const ports: PortAggregate[] = [];
    for (const [id, rows] of this.listeners) {
      let protocol: Protocol = 'tcp';
      let port = 0;
      let service: PortAggregate['service'] = null;
      let exposure: Exposure | null = null;
      const names = new Set<string>();
      for (const row of rows.values()) {
        protocol = row.protocol;
        port = row.localPort;
        if (service === null && row.service?.side === 'local') service = row.service;
        const e = row.exposure ?? null;
        if (e !== null && (exposure === null || EXPOSURE_RANK[e] > EXPOSURE_RANK[exposure])) exposure = e;
        for (const owner of row.owners) names.add(owner.name);
      }
      ports.push({ protocol, port, service, exposure, listeners: rows.size, connections: this.connectedByPort.get(id) ?? 0, processes: [...names].sort() });
    }
    const byPort = top(
      ports,
      (a, b) => b.connections - a.connections || b.listeners - a.listeners || a.port - b.port || a.protocol.localeCompare(b.protocol),
      this.limit,
    );
    const byProcess: ProcessAggregate[] = top(
      [...this.processes.values()],
      (a, b) => b.total - a.total || a.name.localeCompare(b.name) || (a.pid ?? -1) - (b.pid ?? -1),
      this.limit,
    ).map((p) => ({ ...p }));
    const byRemoteHost: RemoteHostAggregate[] = top(
      [...this.remotes.values()],
      (a, b) => b.connections - a.connections || a.address.localeCompare(b.address),
      this.limit,
    ).map((r) => ({ address: r.address, host: firstKey(r.hosts), connections: r.connections }));
    this.cached = { byPort, byProcess, byRemoteHost, byState };
    return this.cached;
  }

  private apply(row: Connection, sign: 1 | -1): void {
    this.cached = null;
    this.byState.set(row.state, (this.byState.get(row.state) ?? 0) + sign);
    if (this.byState.get(row.state) === 0) this.byState.delete(row.state);
    const listening = row.state === 'LISTEN';
    const established = row.state === 'ESTABLISHED';
    const udp = row.protocol === 'udp';
    this.totals.total += sign;
    if (established) this.totals.established += sign;
    if (listening) this.totals.listening += sign;
    if (udp) this.totals.udp += sign;

    const portId = `${row.protocol}/${row.localPort}`;
    if (isListener(row)) {
      let rows = this.listeners.get(portId);
      if (sign > 0) {
        if (rows === undefined) {
          rows = new Map();
          this.listeners.set(portId, rows);
        }
        rows.set(row.key, row);
      } else if (rows !== undefined) {
        rows.delete(row.key);
        if (rows.size === 0) this.listeners.delete(portId);
      }
    } else {
      bump(this.connectedByPort, portId, sign);
    }

    if (row.remoteAddress !== null && row.remotePort !== null) {
      let remote = this.remotes.get(row.remoteAddress);
      if (remote === undefined) {
        remote = { address: row.remoteAddress, hosts: new Map(), connections: 0 };
        this.remotes.set(row.remoteAddress, remote);
      }
      remote.connections += sign;
      if (row.remoteHost != null) bump(remote.hosts, row.remoteHost, sign);
      if (remote.connections <= 0) this.remotes.delete(row.remoteAddress);
    }

    if (row.ownerVisibility === 'visible' && row.owners.length > 0) {
      for (const owner of row.owners) this.countProcess(String(owner.pid), owner.pid, owner.name, sign, listening, established, udp);
    } else {
      this.countProcess('-', null, NO_VISIBLE_OWNER, sign, listening, established, udp);
    }
  }

  private countProcess(id: string, pid: number | null, name: string, sign: 1 | -1, listening: boolean, established: boolean, udp: boolean): void {
    let acc = this.processes.get(id);
    if (acc === undefined) {
      acc = { pid, name, total: 0, listening: 0, established: 0, udp: 0 };
      this.processes.set(id, acc);
    }
    if (sign > 0) acc.name = name;
    acc.total += sign;
    if (listening) acc.listening += sign;
    if (established) acc.established += sign;
    if (udp) acc.udp += sign;
    if (acc.total <= 0) this.processes.delete(id);
  }
}

function bump<K>(map: Map<K, number>, key: K, sign: number): void {
  const n = (map.get(key) ?? 0) + sign;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

function firstKey(map: Map<string, number>): string | null {
  for (const key of map.keys()) return key;
  return null;
}

function top<T>(items: T[], order: (a: T, b: T) => number, limit: number): T[] {
  items.sort(order);
  return items.length > limit ? items.slice(0, Math.max(0, limit)) : items;
}

/** Aggregates of a whole table at once (closed rows skipped). */
export function summarize(rows: Iterable<Connection>, options: SummarizeOptions = {}): Summary {
  const live = new LiveAggregates(options);
  for (const row of rows) if (row.change !== 'closed') live.add(row);
  return { aggregates: live.aggregates(), totals: live.tableTotals() };
}

/**
 * Counts events in a sliding time window on the caller's clock (new and closed sockets in the last
 * minute). Memory is one entry per recorded poll inside the window.
 */
export class EventWindow {
  private readonly times: number[] = [];
  private readonly counts: number[] = [];
  private head = 0;
  private sum = 0;

  constructor(private readonly windowMs = 60_000) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be a positive number of milliseconds (got ${String(windowMs)})`);
  }

  /** Records `count` events at time `at`. */
  record(at: number, count: number): void {
    if (count <= 0) return;
    this.times.push(at);
    this.counts.push(count);
    this.sum += count;
    this.prune(at);
  }

  /** Events in `(now - windowMs, now]`. */
  count(now: number): number {
    this.prune(now);
    return this.sum;
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.head < this.times.length && (this.times[this.head] as number) <= cutoff) {
      this.sum -= this.counts[this.head] as number;
      this.head += 1;
    }
    // Compact now and then so the arrays do not grow without bound.
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.counts.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** The tray counters: totals of the live table and new/closed sockets in the last minute. */
export function makeCounters(totals: TableTotals, newLastMinute: number, closedLastMinute: number): Counters {
  return { ...totals, newLastMinute, closedLastMinute };
}
