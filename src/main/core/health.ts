/**
 * Socket health: problems a socket table can diagnose on its own, each with a threshold (Settings
 * `health`, defaults in DEFAULT_HEALTH_SETTINGS) and an explanation in plain words.
 *
 * - close-wait: CLOSE_WAIT sockets piling up in one process (the peer hung up, the program never
 *   called close(): a leak).
 * - syn-sent: connection attempts stuck in SYN_SENT (the host does not answer).
 * - accept-queue: a listener whose accept queue reached its backlog (the program stopped calling
 *   accept(); for a listener `ss` shows Recv-Q = queue length, Send-Q = backlog). Needs traffic
 *   collection on (the queues come with the kernel counters).
 * - ephemeral-ports: local ports for outgoing connections running out toward one destination
 *   (TIME_WAIT included) vs net.ipv4.ip_local_port_range.
 * - shadowed-listener: the same TCP port held by different programs on 127.0.0.1 and ::1, so
 *   `localhost` (usually ::1 first) reaches another server than `127.0.0.1`.
 *
 * {@link evaluateHealth} is a pure function of the table; {@link HealthTracker} adds first-seen
 * times; {@link HealthNotifier} rate-limits notifications.
 */
import { DEFAULT_HEALTH_SETTINGS } from '../../shared/defaults';
import type { Connection, HealthKind, HealthSettings, HealthSignal } from '../../shared/model';
import { formatEndpoint } from '../../shared/net';
import { NO_VISIBLE_OWNER } from './aggregate';

/** The ephemeral port range (net.ipv4.ip_local_port_range), inclusive. */
export interface PortRange {
  low: number;
  high: number;
}

/** Parses /proc/sys/net/ipv4/ip_local_port_range (`32768\t60999`); null when malformed. */
export function parsePortRange(text: string): PortRange | null {
  const m = /^\s*(\d{1,5})\s+(\d{1,5})\s*$/.exec(text);
  if (!m) return null;
  const low = Number(m[1]);
  const high = Number(m[2]);
  return low >= 1 && high <= 65535 && low <= high ? { low, high } : null;
}

/** A signal before the tracker gives it its times. */
export type HealthFinding = Omit<HealthSignal, 'firstSeen' | 'lastSeen'> & {
  /** Every involved row (rowKeys is capped). */
  allRowKeys: string[];
};

/** Input of {@link evaluateHealth}. */
export interface HealthInput {
  /** The live table; rows marked closed are ignored. */
  rows: readonly Connection[];
  now: number;
  /** null when unknown (not Linux, unreadable): no ephemeral-port signal. */
  portRange: PortRange | null;
  settings?: Partial<HealthSettings>;
  /** When a row was first seen (default: its firstSeen). */
  firstSeenOf?: (row: Connection) => number | undefined;
}

/** At most this many row keys travel with a signal. */
export const MAX_SIGNAL_ROWS = 50;

interface Owner {
  id: string;
  pid: number | null;
  name: string;
}

/** Who a row belongs to, for grouping: its processes, else its owner hint, else "no visible owner". */
function ownersOf(row: Connection): Owner[] {
  if (row.ownerVisibility === 'visible' && row.owners.length > 0) {
    return row.owners.map((o) => ({ id: `pid:${o.pid}`, pid: o.pid, name: o.name }));
  }
  const label = row.ownerHint?.label;
  return [{ id: label === undefined ? 'hidden' : `hint:${label}`, pid: null, name: label ?? NO_VISIBLE_OWNER }];
}

function describe(owner: Owner): string {
  return owner.pid === null ? owner.name : `${owner.name} (pid ${owner.pid})`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function finding(
  base: Omit<HealthFinding, 'rowKeys' | 'allRowKeys' | 'processes'> & { rows: readonly Connection[]; owners: readonly Owner[] },
): HealthFinding {
  const keys = base.rows.map((r) => r.key);
  const seen = new Set<string>();
  const processes: HealthSignal['processes'] = [];
  for (const o of base.owners) {
    if (seen.has(o.id)) continue;
    seen.add(o.id);
    processes.push({ pid: o.pid, name: o.name });
  }
  return {
    id: base.id,
    kind: base.kind,
    severity: base.severity,
    title: base.title,
    explanation: base.explanation,
    value: base.value,
    threshold: base.threshold,
    rowKeys: keys.slice(0, MAX_SIGNAL_ROWS),
    allRowKeys: keys,
    processes,
  };
}

function closeWait(rows: readonly Connection[], threshold: number): HealthFinding[] {
  const groups = new Map<string, { owner: Owner; rows: Connection[] }>();
  for (const row of rows) {
    if (row.state !== 'CLOSE_WAIT') continue;
    for (const owner of ownersOf(row)) {
      const g = groups.get(owner.id) ?? { owner, rows: [] };
      g.rows.push(row);
      groups.set(owner.id, g);
    }
  }
  const out: HealthFinding[] = [];
  for (const { owner, rows: list } of groups.values()) {
    if (list.length < threshold) continue;
    out.push(
      finding({
        id: `close-wait:${owner.id}`,
        kind: 'close-wait',
        severity: list.length >= threshold * 5 ? 'critical' : 'warning',
        title: `${owner.name} is not closing its sockets`,
        explanation:
          `${plural(list.length, 'connection', 'connections')} of ${describe(owner)} ${list.length === 1 ? 'is' : 'are'} in CLOSE_WAIT: the other side hung up, ` +
          'but the program never closed its end. Each one keeps a file descriptor and memory until it does, and the count usually ' +
          'grows until the program is restarted or runs out of descriptors. It is a bug in the program (a leaked connection): ' +
          'look for code paths that do not close a connection once the peer has closed it.',
        value: list.length,
        threshold,
        rows: list,
        owners: [owner],
      }),
    );
  }
  return out;
}

function synSent(rows: readonly Connection[], now: number, afterMs: number, firstSeenOf: (row: Connection) => number | undefined): HealthFinding[] {
  const groups = new Map<string, Connection[]>();
  const ages = new Map<Connection, number>();
  for (const row of rows) {
    if (row.state !== 'SYN_SENT') continue;
    const first = firstSeenOf(row);
    if (first === undefined || now - first < afterMs) continue;
    ages.set(row, now - first);
    const target = formatEndpoint(row.remoteAddress, row.remotePort);
    const list = groups.get(target) ?? [];
    list.push(row);
    groups.set(target, list);
  }
  const out: HealthFinding[] = [];
  for (const [target, list] of groups) {
    const oldest = Math.max(...list.map((r) => ages.get(r) ?? 0));
    out.push(
      finding({
        id: `syn-sent:${target}`,
        kind: 'syn-sent',
        severity: oldest >= afterMs * 6 ? 'critical' : 'warning',
        title: `No answer from ${target}`,
        explanation:
          `${plural(list.length, 'connection attempt', 'connection attempts')} to ${target} ${list.length === 1 ? 'has' : 'have'} waited ` +
          `${Math.round(oldest / 1000)} s for a reply (SYN_SENT). The host does not answer: it may be down or unreachable, a firewall ` +
          'may drop the packets silently (a refused port would fail at once), or a server there has a full accept queue. ' +
          'The system retries for about two minutes before the program gets an error.',
        value: oldest,
        threshold: afterMs,
        rows: list,
        owners: list.flatMap(ownersOf),
      }),
    );
  }
  return out;
}

function acceptQueue(rows: readonly Connection[], ratio: number): HealthFinding[] {
  const out: HealthFinding[] = [];
  for (const row of rows) {
    if (row.protocol !== 'tcp' || row.state !== 'LISTEN' || row.traffic == null) continue;
    const queue = row.traffic.recvQueue;
    const backlog = row.traffic.sendQueue;
    if (queue === 0) continue;
    // listen(fd, 0) still queues one connection; the kernel holds up to backlog + 1.
    const used = backlog === 0 ? Number.POSITIVE_INFINITY : queue / backlog;
    if (used < ratio) continue;
    const endpoint = formatEndpoint(row.localAddress, row.localPort);
    const owners = ownersOf(row);
    const full = queue > backlog;
    out.push(
      finding({
        id: `accept-queue:${row.key}`,
        kind: 'accept-queue',
        severity: full ? 'critical' : 'warning',
        title: `${owners.map((o) => o.name).join(', ')} is not accepting connections on ${endpoint}`,
        explanation:
          `${plural(queue, 'connection waits', 'connections wait')} to be accepted on ${endpoint}, whose backlog is ${backlog}: ` +
          `${owners.map(describe).join(', ')} has stopped taking new connections (it is busy, blocked or stopped). ` +
          (full
            ? 'The queue is full, so the system now drops new connection attempts: clients hang in SYN_SENT and retry.'
            : 'When the queue is full the system drops new connection attempts, and clients hang and retry.'),
        value: queue,
        threshold: backlog * ratio,
        rows: [row],
        owners,
      }),
    );
  }
  return out;
}

function ephemeralPorts(rows: readonly Connection[], range: PortRange, ratio: number): HealthFinding[] {
  const size = range.high - range.low + 1;
  // Cheap first: unless that many connected sockets use a port of the range, no destination can.
  let inRange = 0;
  for (const row of rows) if (row.protocol === 'tcp' && row.remotePort !== null && row.localPort >= range.low && row.localPort <= range.high) inRange++;
  if (inRange / size < ratio) return [];
  const byTarget = new Map<string, { ports: Set<number>; rows: Connection[]; timeWait: number }>();
  for (const row of rows) {
    if (row.protocol !== 'tcp' || row.state === 'LISTEN' || row.remoteAddress === null || row.remotePort === null) continue;
    if (row.localPort < range.low || row.localPort > range.high) continue;
    const target = formatEndpoint(row.remoteAddress, row.remotePort);
    const g = byTarget.get(target) ?? { ports: new Set<number>(), rows: [], timeWait: 0 };
    g.ports.add(row.localPort);
    g.rows.push(row);
    if (row.state === 'TIME_WAIT') g.timeWait++;
    byTarget.set(target, g);
  }
  const out: HealthFinding[] = [];
  for (const [target, g] of byTarget) {
    const used = g.ports.size / size;
    if (used < ratio) continue;
    out.push(
      finding({
        id: `ephemeral-ports:${target}`,
        kind: 'ephemeral-ports',
        severity: used >= Math.max(ratio, 0.9) ? 'critical' : 'warning',
        title: `Local ports for connections to ${target} are running out`,
        explanation:
          `${g.ports.size} of the ${size} local ports this machine picks for outgoing connections (${range.low}–${range.high}, ` +
          `net.ipv4.ip_local_port_range) are taken by connections to ${target}, ${g.timeWait} of them in TIME_WAIT. Every new ` +
          'connection to the same address and port needs a free local port; when none is left, connecting fails with ' +
          '"Cannot assign requested address". Reuse connections (keep-alive, a connection pool) instead of opening one per request.',
        value: used,
        threshold: ratio,
        rows: g.rows,
        owners: g.rows.filter((r) => r.state !== 'TIME_WAIT').flatMap(ownersOf),
      }),
    );
  }
  return out;
}

/** Which loopback name a listener answers on: 127.0.0.1 (IPv4) or ::1 (IPv6), or neither. */
function loopbackSide(row: Connection): 'v4' | 'v6' | null {
  const a = row.localAddress;
  if (a === '127.0.0.1' || a === '0.0.0.0' || a === '::ffff:127.0.0.1' || a === '::ffff:0.0.0.0') return 'v4';
  if (a === '::1' || a === '::') return 'v6';
  return null;
}

function shadowedListeners(rows: readonly Connection[]): HealthFinding[] {
  const byPort = new Map<number, { v4: Connection[]; v6: Connection[] }>();
  for (const row of rows) {
    if (row.protocol !== 'tcp' || row.state !== 'LISTEN') continue;
    const side = loopbackSide(row);
    if (side === null) continue;
    const g = byPort.get(row.localPort) ?? { v4: [], v6: [] };
    g[side].push(row);
    byPort.set(row.localPort, g);
  }
  const out: HealthFinding[] = [];
  for (const [port, g] of byPort) {
    if (g.v4.length === 0 || g.v6.length === 0) continue;
    const v4Owners = g.v4.flatMap(ownersOf);
    const v6Owners = g.v6.flatMap(ownersOf);
    const v4Ids = new Set(v4Owners.map((o) => o.id));
    // Hidden owners without a hint cannot be told apart: do not accuse them of being different.
    if (v4Owners.some((o) => o.id === 'hidden') && v6Owners.some((o) => o.id === 'hidden')) continue;
    if (v6Owners.some((o) => v4Ids.has(o.id))) continue;
    const names = (owners: Owner[]): string => [...new Set(owners.map(describe))].join(', ');
    const v4 = formatEndpoint((g.v4[0] as Connection).localAddress, port);
    const v6 = formatEndpoint((g.v6[0] as Connection).localAddress, port);
    out.push(
      finding({
        id: `shadowed-listener:tcp/${port}`,
        kind: 'shadowed-listener',
        severity: 'warning',
        title: `localhost:${port} and 127.0.0.1:${port} reach different programs`,
        explanation:
          `${names(v4Owners)} listens on ${v4} and ${names(v6Owners)} on ${v6}. A client that connects to "localhost" usually ` +
          `tries ::1 (IPv6) first and reaches ${names(v6Owners)}, while 127.0.0.1 reaches ${names(v4Owners)}. This is the classic ` +
          'cause of "it works with 127.0.0.1 but not with localhost" (or the reverse): stop one of them, or make one program listen on both.',
        value: 2,
        threshold: 2,
        rows: [...g.v4, ...g.v6],
        owners: [...v4Owners, ...v6Owners],
      }),
    );
  }
  return out;
}

/** The thresholds in force: the user's where set and valid, else the defaults. */
export function healthSettings(settings: Partial<HealthSettings> | undefined): HealthSettings {
  const d = DEFAULT_HEALTH_SETTINGS;
  const pick = (v: number | undefined, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback);
  return {
    closeWaitPerProcess: pick(settings?.closeWaitPerProcess, d.closeWaitPerProcess),
    synSentAfterMs: pick(settings?.synSentAfterMs, d.synSentAfterMs),
    acceptQueueRatio: pick(settings?.acceptQueueRatio, d.acceptQueueRatio),
    ephemeralPortsRatio: pick(settings?.ephemeralPortsRatio, d.ephemeralPortsRatio),
    notify: settings?.notify ?? d.notify,
  };
}

const SEVERITY_ORDER: Record<HealthSignal['severity'], number> = { critical: 0, warning: 1 };

/** Every health finding of the table, most severe first (then by kind and id: a stable order). */
export function evaluateHealth(input: HealthInput): HealthFinding[] {
  const s = healthSettings(input.settings);
  const rows = input.rows.filter((r) => r.change !== 'closed');
  const all = [
    ...closeWait(rows, s.closeWaitPerProcess),
    ...synSent(rows, input.now, s.synSentAfterMs, input.firstSeenOf ?? ((row) => row.firstSeen)),
    ...acceptQueue(rows, s.acceptQueueRatio),
    ...(input.portRange === null ? [] : ephemeralPorts(rows, input.portRange, s.ephemeralPortsRatio)),
    ...shadowedListeners(rows),
  ];
  return all.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
}

/** Sets `health` on the rows the findings involve (in place); rows in none lose it. */
export function annotateHealth(rows: Connection[], findings: readonly HealthFinding[]): void {
  const kinds = new Map<string, HealthKind[]>();
  for (const f of findings) {
    for (const key of f.allRowKeys) {
      const list = kinds.get(key) ?? [];
      if (!list.includes(f.kind)) list.push(f.kind);
      kinds.set(key, list);
    }
  }
  for (const row of rows) {
    const k = kinds.get(row.key);
    if (k !== undefined) row.health = k;
    else if (row.health !== undefined) delete row.health;
  }
}

/** Gives findings their first-seen times across polls, and says which are new. */
export class HealthTracker {
  private firstSeen = new Map<string, number>();

  /** The signals now in force; `raised` are the ones that were not in force on the previous update. */
  update(findings: readonly HealthFinding[], now: number): { signals: HealthSignal[]; raised: HealthSignal[] } {
    const next = new Map<string, number>();
    const signals: HealthSignal[] = [];
    const raised: HealthSignal[] = [];
    for (const f of findings) {
      const first = this.firstSeen.get(f.id);
      next.set(f.id, first ?? now);
      const { allRowKeys: _all, ...rest } = f;
      const signal: HealthSignal = { ...rest, firstSeen: first ?? now, lastSeen: now };
      signals.push(signal);
      if (first === undefined) raised.push(signal);
    }
    this.firstSeen = next;
    return { signals, raised };
  }
}

/** Rate limits of {@link HealthNotifier}. */
export const HEALTH_NOTIFY_LIMITS = {
  /** The same signal (id) at most once per this long, even if it clears and comes back. */
  repeatWindowMs: 10 * 60_000,
  /** At most `windowMax` health notifications per `windowMs`. */
  windowMs: 60_000,
  windowMax: 3,
} as const;

/** A notification to show. */
export interface HealthNotice {
  id: string;
  title: string;
  body: string;
}

/** Decides which newly raised signals become notifications, rate-limited. */
export class HealthNotifier {
  private readonly sentById = new Map<string, number>();
  private sentTimes: number[] = [];

  /** Notices for `raised` at `now` (none when `enabled` is false). */
  decide(raised: readonly HealthSignal[], now: number, enabled: boolean): HealthNotice[] {
    if (!enabled) return [];
    const out: HealthNotice[] = [];
    this.sentTimes = this.sentTimes.filter((t) => now - t < HEALTH_NOTIFY_LIMITS.windowMs && now >= t);
    for (const [id, at] of this.sentById) if (now - at >= HEALTH_NOTIFY_LIMITS.repeatWindowMs || now < at) this.sentById.delete(id);
    for (const s of raised) {
      if (this.sentById.has(s.id)) continue;
      if (this.sentTimes.length >= HEALTH_NOTIFY_LIMITS.windowMax) break;
      this.sentById.set(s.id, now);
      this.sentTimes.push(now);
      out.push({ id: s.id, title: s.title, body: s.explanation });
    }
    return out;
  }
}
