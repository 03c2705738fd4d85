/**
 * The live connection table and its diff: each poll's rows are matched to the previous ones by
 * `row.key` (protocol, family, endpoints, and the inode of peerless sockets — never the pid) and
 * sorted into added / changed / removed.
 *
 * Marks (`change`), decided here and relied on by the UI's colours:
 * - `'new'` on the tick a row appears, `'changed'` on the tick its state, owner or owner visibility
 *   changes. A mark is held for at least one tick and at least `markHoldMs` (default 1 s, so one
 *   tick at the default 1 s interval, two at 0.5 s; a poll up to 100 ms early counts, for timer
 *   jitter); when it lapses the row is sent again in
 *   `changed` with `change: null`, so every client clears its colour without a timer of its own.
 * - `'closed'` when a row is no longer in the OS table; it stays (last state, last owner) for
 *   `closedRetentionMs`, then its key leaves in `removedKeys`. A closed key that shows up again is
 *   a new socket (added, `'new'`).
 * - Rows of the very first poll are the baseline: added, but unmarked (nothing "appeared").
 * - Detail updates (owner path/user/command line filled in later, a reverse-DNS name, service or
 *   exposure text, traffic counters, an owner hint, health) re-send the row without touching its
 *   mark: nothing happened to the socket.
 *
 * `lastSeen` of a live row is the latest poll's time in `snapshot()`; an unchanged row is not re-sent
 * just for it (that would make every delta the whole table): a client takes `delta.capturedAt`.
 *
 * A socket that outlives its process (TIME_WAIT, an orphaned FIN_WAIT) keeps its last known owners,
 * marked `exited: true`; `ownerVisibility` still says what the OS reports now (`none`).
 */
import type { Connection, ForwardInfo, HealthKind, OwnerHint, ProcessOwner, ServiceInfo, TrafficInfo } from '../../shared/model';

/** What one poll changed in the table. */
export interface TableDiff {
  /** Rows that appeared (including a key that comes back after being closed). */
  added: Connection[];
  /** Rows whose state, owner, details or mark changed, including rows just marked closed. */
  changed: Connection[];
  /** Keys of closed rows whose retention ended (or closed with no retention). */
  removedKeys: string[];
  /** How many rows appeared as new sockets (the baseline poll counts none). */
  newCount: number;
  /** How many rows closed on this poll. */
  closedCount: number;
}

/** Told about every row that enters, changes in substance, or leaves the live (not closed) set. */
export interface LiveRowObserver {
  add(row: Connection): void;
  replace(previous: Connection, next: Connection): void;
  remove(row: Connection): void;
}

/** Options of a {@link ConnectionTable}. */
export interface ConnectionTableOptions {
  /** How long a closed row stays visible, ms (0 = removed on the poll it closes). */
  closedRetentionMs: number;
  /** Minimum time a `new`/`changed` mark is held, ms (always at least one poll). Default 1000. */
  markHoldMs?: number;
  /** Keeps derived state (the aggregates) in step with the live rows. */
  observer?: LiveRowObserver;
}

interface Entry {
  row: Connection;
  /** The poll that last saw this key (a generation count, cheaper than a set per poll). */
  seenIn: number;
  /** Position in the last poll's row order. */
  pos: number;
  /** When the row was marked closed; null while live. */
  closedAt: number | null;
  /** When the current new/changed mark was set; null when unmarked. */
  markedAt: number | null;
}

/** Default hold of new/changed marks, ms. */
export const DEFAULT_MARK_HOLD_MS = 1000;

/** Polls this much early still end a mark's hold, ms. */
export const MARK_SLACK_MS = 100;

/**
 * The table the collector keeps between polls. `apply` costs one map look-up and a shallow
 * comparison per row; what it returns grows with churn, not with the table.
 */
export class ConnectionTable {
  private readonly entries = new Map<string, Entry>();
  /** Keys of rows carrying a new/changed mark, so lapsing marks does not scan the table. */
  private readonly marked = new Set<string>();
  /** Keys of closed rows, in closing order. */
  private readonly closed = new Set<string>();
  private closedRetentionMs: number;
  private markHoldMs: number;
  private readonly observer: LiveRowObserver | undefined;
  private generation = 0;
  private liveCount = 0;
  /** Entries in the order the last poll listed them: the OS lists sockets in a stable order. */
  private order: Entry[] = [];

  constructor(options: ConnectionTableOptions) {
    this.closedRetentionMs = checkMs('closedRetentionMs', options.closedRetentionMs);
    this.markHoldMs = checkMs('markHoldMs', options.markHoldMs ?? DEFAULT_MARK_HOLD_MS);
    this.observer = options.observer;
  }

  /** Changes the closed-row retention; rows already closed follow the new value from the next poll. */
  setClosedRetention(ms: number): void {
    this.closedRetentionMs = checkMs('closedRetentionMs', ms);
  }

  /** Number of live (not closed) rows. */
  get liveSize(): number {
    return this.liveCount;
  }

  /** Number of rows held, closed ones included. */
  get size(): number {
    return this.entries.size;
  }

  /** All rows (live and closed), in first-seen order. */
  rows(): Connection[] {
    const out: Connection[] = [];
    for (const entry of this.entries.values()) out.push(entry.row);
    return out;
  }

  /** Live (not closed) rows. */
  *liveRows(): IterableIterator<Connection> {
    for (const entry of this.entries.values()) if (entry.closedAt === null) yield entry.row;
  }

  /** Looks up one row by key. */
  get(key: string): Connection | undefined {
    return this.entries.get(key)?.row;
  }

  /**
   * Applies one successful poll. `rows` must carry keys; the table takes ownership of the objects
   * (it sets firstSeen, lastSeen and change on them). A duplicate key in one poll keeps the first row.
   */
  apply(rows: readonly Connection[], now: number): TableDiff {
    const baseline = this.generation === 0;
    const gen = ++this.generation;
    const diff: TableDiff = { added: [], changed: [], removedKeys: [], newCount: 0, closedCount: 0 };
    const touched = new Set<string>();
    let liveSeen = 0;
    const previousOrder = this.order;
    const order: Entry[] = [];
    let cursor = 0;

    for (const incoming of rows) {
      const key = incoming.key;
      // Follow the last poll's order: comparing with the expected key is several times cheaper
      // than hashing a fresh key string; a miss falls back to the map and re-aligns the cursor.
      const guess = previousOrder[cursor];
      let entry: Entry | undefined;
      if (guess !== undefined && guess.row.key === key) {
        entry = guess;
        cursor += 1;
      } else {
        entry = this.entries.get(key);
        if (entry !== undefined && previousOrder[entry.pos] === entry) cursor = entry.pos + 1;
      }
      if (entry !== undefined && entry.seenIn === gen) continue; // duplicate key in one poll
      if (entry === undefined || entry.closedAt !== null) {
        order.push(this.addRow(incoming, now, baseline, gen, order.length, entry !== undefined, diff));
        touched.add(key);
        continue;
      }
      entry.seenIn = gen;
      entry.pos = order.length;
      order.push(entry);
      liveSeen += 1;
      const previous = entry.row;
      const owners = carryOwners(previous, incoming);
      const kind = compareRows(previous, incoming, owners);
      if (kind === 'same') {
        previous.lastSeen = now;
        continue;
      }
      const next: Connection = {
        ...incoming,
        owners,
        remoteHost: incoming.remoteHost === undefined ? previous.remoteHost : incoming.remoteHost,
        firstSeen: previous.firstSeen ?? now,
        lastSeen: now,
        change: kind === 'changed' ? 'changed' : (previous.change ?? null),
      };
      if (next.remoteHost === undefined) delete next.remoteHost;
      if (kind === 'changed') {
        entry.markedAt = now;
        this.marked.add(key);
      }
      entry.row = next;
      this.observer?.replace(previous, next);
      diff.changed.push(next);
      touched.add(key);
    }

    // Rows gone from the OS table: mark closed (or drop at once with no retention). Every live
    // row was seen when the counts match, which spares the scan on a quiet poll.
    if (liveSeen < this.liveCount) {
      for (const [key, entry] of this.entries) {
        if (entry.closedAt !== null || entry.seenIn === gen) continue;
        diff.closedCount += 1;
        this.liveCount -= 1;
        this.marked.delete(key);
        this.observer?.remove(entry.row);
        if (this.closedRetentionMs <= 0) {
          this.entries.delete(key);
          diff.removedKeys.push(key);
          continue;
        }
        entry.closedAt = now;
        entry.markedAt = null;
        entry.row = { ...entry.row, change: 'closed' };
        this.closed.add(key);
        diff.changed.push(entry.row);
        touched.add(key);
      }
    }

    this.order = order;
    this.expire(now, touched, diff);
    return diff;
  }

  /**
   * Time-based upkeep alone, for a poll that failed: closed rows whose retention ended leave and
   * lapsed marks clear, but nothing is added or closed (the OS table was not read).
   */
  expireOnly(now: number): TableDiff {
    const diff: TableDiff = { added: [], changed: [], removedKeys: [], newCount: 0, closedCount: 0 };
    this.expire(now, new Set(), diff);
    return diff;
  }

  private addRow(incoming: Connection, now: number, baseline: boolean, gen: number, pos: number, reopened: boolean, diff: TableDiff): Entry {
    const key = incoming.key;
    if (reopened) this.closed.delete(key);
    incoming.firstSeen = now;
    incoming.lastSeen = now;
    incoming.change = baseline ? null : 'new';
    const entry: Entry = { row: incoming, seenIn: gen, pos, closedAt: null, markedAt: baseline ? null : now };
    this.liveCount += 1;
    this.observer?.add(incoming);
    // A reopened key moves to the end, keeping first-seen order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (!baseline) {
      this.marked.add(key);
      diff.newCount += 1;
    }
    diff.added.push(incoming);
    return entry;
  }

  private expire(now: number, touched: Set<string>, diff: TableDiff): void {
    for (const key of this.marked) {
      if (touched.has(key)) continue;
      const entry = this.entries.get(key);
      if (entry === undefined || entry.markedAt === null || entry.closedAt !== null) {
        this.marked.delete(key);
        continue;
      }
      // The slack absorbs timer jitter: a poll 999 ms after the mark counts as the 1 s one.
      if (now - entry.markedAt + MARK_SLACK_MS < this.markHoldMs) continue;
      entry.markedAt = null;
      entry.row = { ...entry.row, change: null };
      this.marked.delete(key);
      diff.changed.push(entry.row);
    }
    for (const key of this.closed) {
      if (touched.has(key)) continue;
      const entry = this.entries.get(key);
      if (entry === undefined || entry.closedAt === null) {
        this.closed.delete(key);
        continue;
      }
      if (now - entry.closedAt < this.closedRetentionMs) continue;
      this.entries.delete(key);
      this.closed.delete(key);
      diff.removedKeys.push(key);
    }
  }
}

function checkMs(name: string, ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`${name} must be a number of milliseconds ≥ 0 (got ${String(ms)})`);
  return ms;
}

/**
 * The owners to keep for `incoming`: when the OS reports no owner any more (`none`) but the row had
 * one, the last known owners stay, marked exited.
 */
function carryOwners(previous: Connection, incoming: Connection): ProcessOwner[] {
  if (incoming.owners.length > 0 || incoming.ownerVisibility !== 'none' || previous.owners.length === 0) return incoming.owners;
  if (previous.owners.every((owner) => owner.exited === true)) return previous.owners;
  return previous.owners.map((owner) => ({ ...owner, exited: true }));
}

/**
 * How two versions of a row differ: not at all, in details only, or as a real change. Runs for
 * every row of every poll, so the common case (nothing changed) is a handful of field reads.
 */
function compareRows(previous: Connection, incoming: Connection, owners: readonly ProcessOwner[]): 'same' | 'details' | 'changed' {
  if (previous.state !== incoming.state || previous.ownerVisibility !== incoming.ownerVisibility) return 'changed';
  const ownerDiff = compareOwners(previous.owners, owners);
  if (ownerDiff === 'changed') return 'changed';
  if (ownerDiff === 'details') return 'details';
  if (incoming.remoteHost !== undefined && incoming.remoteHost !== previous.remoteHost) return 'details';
  if ((previous.exposure ?? null) !== (incoming.exposure ?? null) || previous.inode !== incoming.inode) return 'details';
  const ps = previous.service ?? null;
  const is = incoming.service ?? null;
  if (ps !== is && (ps === null || is === null || !sameService(ps, is))) return 'details';
  const pf = previous.forward ?? null;
  const inf = incoming.forward ?? null;
  if (pf !== inf && (pf === null || inf === null || !sameForward(pf, inf))) return 'details';
  // Traffic, owner hints and health move without the socket changing state: details.
  if (!sameTraffic(previous.traffic, incoming.traffic) || !sameHint(previous.ownerHint, incoming.ownerHint) || !sameHealth(previous.health, incoming.health)) return 'details';
  return 'same';
}

function sameTraffic(x: TrafficInfo | null | undefined, y: TrafficInfo | null | undefined): boolean {
  // null (collected, none for this socket) and undefined (not collected) differ too.
  if (x === y) return true;
  if (x == null || y == null) return false;
  return (
    x.bytesSent === y.bytesSent &&
    x.bytesReceived === y.bytesReceived &&
    x.sendRate === y.sendRate &&
    x.recvRate === y.recvRate &&
    x.rttMs === y.rttMs &&
    x.rttVarMs === y.rttVarMs &&
    x.retransmits === y.retransmits &&
    x.sendQueue === y.sendQueue &&
    x.recvQueue === y.recvQueue
  );
}

function sameHint(x: OwnerHint | null | undefined, y: OwnerHint | null | undefined): boolean {
  return (x?.label ?? null) === (y?.label ?? null);
}

function sameHealth(x: HealthKind[] | undefined, y: HealthKind[] | undefined): boolean {
  if (x === y) return true;
  if (x === undefined || y === undefined || x.length !== y.length) return false;
  return x.every((k, i) => k === y[i]);
}

function compareOwners(a: readonly ProcessOwner[], b: readonly ProcessOwner[]): 'same' | 'details' | 'changed' {
  if (a === b) return 'same';
  if (a.length !== b.length) return 'changed';
  let details = false;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] as ProcessOwner;
    const y = b[i] as ProcessOwner;
    // Same pid with another start time is a recycled pid: another process.
    if (x.pid !== y.pid || x.startedAt !== y.startedAt || (x.exited ?? false) !== (y.exited ?? false)) return 'changed';
    // Without start times, a new name on the same pid is the best sign of a recycled pid.
    if (x.name !== y.name && (x.startedAt === undefined || y.startedAt === undefined)) return 'changed';
    if (x.name !== y.name || x.path !== y.path || x.user !== y.user || x.commandLine !== y.commandLine) details = true;
  }
  return details ? 'details' : 'same';
}

function sameService(x: ServiceInfo, y: ServiceInfo): boolean {
  return x.name === y.name && x.port === y.port && x.side === y.side && x.description === y.description;
}

function sameForward(x: ForwardInfo, y: ForwardInfo): boolean {
  return (
    x.kind === y.kind &&
    x.listenAddress === y.listenAddress &&
    x.listenPort === y.listenPort &&
    x.targetHost === y.targetHost &&
    x.targetPort === y.targetPort &&
    x.via === y.via
  );
}
