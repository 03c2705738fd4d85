/**
 * The journal's recorder: turns the collector's sequenced deltas into one {@link JournalBatch} per
 * poll — sessions opened, updated and closed, "talked to" counters, per-minute counts — for a
 * writer to store in one transaction. Pure: no clock, no file; ids are assigned here (one writer),
 * so a batch never waits for the database to say what it inserted.
 *
 * Sessions: one per lifetime of a connection key (added → marked closed or removed). A socket
 * that was already open when the recorder first saw it (the first poll of a run, or after a
 * pause) opens with `openedBefore`; one the previous run left open that is gone now closes at the
 * previous run's last poll with `unseen` (it closed while nobody watched).
 *
 * Only real changes are written: a delta's `changed` rows that merely clear a colour mark cost a
 * comparison, not a write.
 */
import type { Connection, ProbeResult, SnapshotDelta, SocketState } from '../../shared/model';
import type { JournalInterfaceRate, JournalOwner } from '../../shared/journal';
import { appendState, isListenerRow, journalOwners, lastState, ownerIdent } from './journal-codec';

/** Sessions longer than this are flagged `long`, so "as of" finds them without scanning days. */
export const LONG_SESSION_MS = 600_000;

/** One minute, ms. */
export const MINUTE_MS = 60_000;

/** One hour, ms (the bucket of "talked to" counters). */
export const HOUR_MS = 3_600_000;

/** A session to insert. */
export interface SessionOpen {
  id: number;
  openedAt: number;
  openedBefore: boolean;
  /** The row as first seen. */
  row: Connection;
  /** Encoded state log (see journal-codec.ts). */
  states: string;
}

/** New values for an open session (state log and details). */
export interface SessionUpdate {
  id: number;
  row: Connection;
  states: string;
}

/** A session that ended. */
export interface SessionClose {
  id: number;
  closedAt: number;
  long: boolean;
  unseen: boolean;
}

/** "Talked to" counters of one owner and remote address in one hour. */
export interface ContactBump {
  /** null = no visible owner. */
  owner: Pick<JournalOwner, 'name' | 'path' | 'user'> | null;
  remoteAddress: string;
  remoteHost: string | null;
  /** Start of the hour, epoch ms. */
  hour: number;
  /** Sessions opened. */
  opened: number;
  firstSeen: number;
  lastSeen: number;
}

/** Counts of one minute (sums, so a minute continued after a restart merges by addition). */
export interface MinuteRow {
  minute: number;
  polls: number;
  failedPolls: number;
  opened: number;
  closed: number;
  /** Sum over the successful polls of the sockets per state. */
  stateSums: Partial<Record<SocketState, number>>;
  interfaces: JournalInterfaceRate[];
}

/** Everything one poll changed, for one transaction. */
export interface JournalBatch {
  at: number;
  /** True when this batch starts a new run (first poll, or after a pause). */
  runStarted: boolean;
  opens: SessionOpen[];
  updates: SessionUpdate[];
  closes: SessionClose[];
  contacts: ContactBump[];
  minutes: MinuteRow[];
  probes: ProbeResult[];
}

/** A session the journal file holds as open when the recorder starts. */
export interface RestoredSession {
  id: number;
  key: string;
  openedAt: number;
  states: string;
  row: Connection;
}

/** Where the recorder starts from (read from the journal file). */
export interface RecorderStart {
  /** The next session id (max id + 1). */
  nextId: number;
  /** Sessions left open by the previous run. */
  open: RestoredSession[];
  /** The last poll the previous run recorded (null = none). */
  lastRecordedAt: number | null;
}

/** Lazily read extras of a poll: the whole table (only at the start of a run) and interface rates. */
export interface DeltaContext {
  /** The whole table after this poll (closed-marked rows are skipped). */
  rows(): Iterable<Connection>;
  /** Interface throughput (mean over the last minute); read once a minute. */
  interfaces?(): JournalInterfaceRate[];
}

interface OpenSession {
  id: number;
  openedAt: number;
  states: string;
  state: SocketState;
  signature: string;
  row: Connection;
}

interface MinuteAccumulator extends MinuteRow {
  okPolls: number;
}

/** The recorder; see the module comment. */
export class JournalRecorder {
  private nextId: number;
  private readonly open = new Map<string, OpenSession>();
  private lastRecordedAt: number | null;
  private needsBaseline = true;
  private paused = false;
  private minute: MinuteAccumulator | null = null;
  private pendingProbes: ProbeResult[] = [];

  constructor(start: RecorderStart) {
    this.nextId = start.nextId;
    this.lastRecordedAt = start.lastRecordedAt;
    for (const s of start.open) {
      this.open.set(s.key, { id: s.id, openedAt: s.openedAt, states: s.states, state: lastState(s.states), signature: signatureOf(s.row), row: s.row });
    }
  }

  /** Open sessions held in memory. */
  get openCount(): number {
    return this.open.size;
  }

  /** True while paused (deltas are ignored). */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Queues a probe result for the next batch (dropped while paused). */
  probe(result: ProbeResult): void {
    if (!this.paused) this.pendingProbes.push(result);
  }

  /**
   * One poll. Returns the batch to write, or null while paused. The first poll of a run (and the
   * first after a pause) reconciles against the whole table from `context.rows()`.
   */
  delta(delta: Pick<SnapshotDelta, 'capturedAt' | 'added' | 'changed' | 'removedKeys' | 'status' | 'aggregates'>, context: DeltaContext): JournalBatch | null {
    if (this.paused) return null;
    const at = delta.capturedAt;
    const batch = this.emptyBatch(at);
    const contacts = new ContactCounter();
    batch.runStarted = this.needsBaseline;
    if (this.needsBaseline) {
      if (!delta.status.ok) {
        // Nothing to reconcile against yet: count the failed poll, keep waiting for a table.
        this.countPoll(batch, delta, context, 0, 0);
        batch.runStarted = false;
        return this.finish(batch, contacts);
      }
      this.needsBaseline = false;
      const { opened, closed } = this.reconcile(context.rows(), at, batch, contacts);
      this.countPoll(batch, delta, context, opened, closed);
      return this.finish(batch, contacts);
    }
    let opened = 0;
    let closed = 0;
    for (const row of delta.added) {
      if (this.open.has(row.key)) closed += this.close(row.key, at, false, batch, contacts);
      this.openSession(row, at, false, batch, contacts);
      opened += 1;
    }
    for (const row of delta.changed) {
      if (row.change === 'closed') {
        closed += this.close(row.key, at, false, batch, contacts);
      } else if (this.open.has(row.key)) {
        this.update(row, at, batch);
      } else {
        this.openSession(row, at, true, batch, contacts);
      }
    }
    for (const key of delta.removedKeys) closed += this.close(key, at, false, batch, contacts);
    this.countPoll(batch, delta, context, opened, closed);
    return this.finish(batch, contacts);
  }

  /**
   * Stops recording: the returned batch flushes the current minute and marks the run's end. Open
   * sessions stay in memory; after {@link resume}, the next poll reconciles them with the table.
   */
  pause(at: number): JournalBatch {
    const batch = this.flush(at);
    this.paused = true;
    return batch;
  }

  /** Records again from the next poll (which starts a new run). */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.needsBaseline = true;
  }

  /** The partial minute and queued probe results, for a stop (the run ends at `at`). */
  flush(at: number): JournalBatch {
    const batch = this.emptyBatch(at);
    if (this.minute !== null) {
      batch.minutes.push(toMinuteRow(this.minute));
      this.minute = null;
    }
    batch.probes = this.pendingProbes;
    this.pendingProbes = [];
    if (!this.paused) this.lastRecordedAt = at;
    return batch;
  }

  /**
   * Forgets the in-memory open sessions (after the journal was wiped): the next poll starts a new
   * run whose sockets open anew, with ids from `nextId`.
   */
  reset(nextId: number): void {
    this.open.clear();
    this.nextId = nextId;
    this.minute = null;
    this.lastRecordedAt = null;
    this.needsBaseline = true;
  }

  private emptyBatch(at: number): JournalBatch {
    return { at, runStarted: false, opens: [], updates: [], closes: [], contacts: [], minutes: [], probes: [] };
  }

  private finish(batch: JournalBatch, contacts: ContactCounter): JournalBatch {
    batch.contacts.push(...contacts.bumps());
    batch.probes = this.pendingProbes;
    this.pendingProbes = [];
    this.lastRecordedAt = batch.at;
    return batch;
  }

  private reconcile(rows: Iterable<Connection>, at: number, batch: JournalBatch, contacts: ContactCounter): { opened: number; closed: number } {
    const seen = new Set<string>();
    for (const row of rows) {
      if (row.change === 'closed' || seen.has(row.key)) continue;
      seen.add(row.key);
      if (this.open.has(row.key)) this.update(row, at, batch);
      else this.openSession(row, at, true, batch, contacts);
    }
    // Gone while nobody watched: it closed after the last recorded poll, when exactly is unknown.
    const closedAt = this.lastRecordedAt ?? at;
    let closed = 0;
    for (const key of [...this.open.keys()]) if (!seen.has(key)) closed += this.close(key, closedAt, true, batch, contacts);
    return { opened: 0, closed };
  }

  private openSession(row: Connection, at: number, before: boolean, batch: JournalBatch, contacts: ContactCounter): void {
    const id = this.nextId++;
    const states = appendState('', row.state, at, at);
    this.open.set(row.key, { id, openedAt: at, states, state: row.state, signature: signatureOf(row), row });
    batch.opens.push({ id, openedAt: at, openedBefore: before, row, states });
    if (!isListenerRow(row)) contacts.add(row, at, 1);
  }

  private update(row: Connection, at: number, batch: JournalBatch): void {
    const session = this.open.get(row.key) as OpenSession;
    const signature = signatureOf(row);
    if (row.state === session.state && signature === session.signature) return;
    if (row.state !== session.state) {
      session.states = appendState(session.states, row.state, session.openedAt, at);
      session.state = row.state;
    }
    session.signature = signature;
    // An owner that exited keeps the socket's last known owners (diff.ts): nothing to replace.
    session.row = row.owners.length === 0 && session.row.owners.length > 0 ? { ...row, owners: session.row.owners } : row;
    batch.updates.push({ id: session.id, row: session.row, states: session.states });
  }

  private close(key: string, at: number, unseen: boolean, batch: JournalBatch, contacts: ContactCounter): number {
    const session = this.open.get(key);
    if (session === undefined) return 0;
    this.open.delete(key);
    const closedAt = Math.max(at, session.openedAt);
    batch.closes.push({ id: session.id, closedAt, long: closedAt - session.openedAt > LONG_SESSION_MS, unseen });
    if (!isListenerRow(session.row)) contacts.add(session.row, closedAt, 0);
    return unseen ? 0 : 1;
  }

  private countPoll(
    batch: JournalBatch,
    delta: Pick<SnapshotDelta, 'capturedAt' | 'status' | 'aggregates'>,
    context: DeltaContext,
    opened: number,
    closed: number,
  ): void {
    const minute = Math.floor(delta.capturedAt / MINUTE_MS) * MINUTE_MS;
    let rates: JournalBatch['minutes'][number]['interfaces'] | undefined;
    if (this.minute !== null && this.minute.minute !== minute) {
      // Once a minute: the mean rates of the minute that just ended (read as it ends).
      rates = context.interfaces?.();
      if (rates !== undefined) this.minute.interfaces = rates;
      batch.minutes.push(toMinuteRow(this.minute));
      this.minute = null;
    }
    if (this.minute === null) {
      // Until this minute ends, it holds the latest rates known (what a pause would store).
      rates ??= context.interfaces?.();
      this.minute = { minute, polls: 0, failedPolls: 0, okPolls: 0, opened: 0, closed: 0, stateSums: {}, interfaces: rates ?? [] };
      // Every open connection is still talking to its peer: its counters' last seen moves on.
      if (batch.minutes.length > 0) this.touchOpenContacts(batch.at, batch);
    }
    const m = this.minute;
    m.polls += 1;
    m.opened += opened;
    m.closed += closed;
    if (!delta.status.ok) {
      m.failedPolls += 1;
      return;
    }
    m.okPolls += 1;
    for (const [state, count] of Object.entries(delta.aggregates.byState) as [SocketState, number][]) {
      m.stateSums[state] = (m.stateSums[state] ?? 0) + count;
    }
  }

  private touchOpenContacts(at: number, batch: JournalBatch): void {
    const counter = new ContactCounter();
    for (const session of this.open.values()) if (!isListenerRow(session.row)) counter.add(session.row, at, 0);
    batch.contacts.push(...counter.bumps());
  }
}

function toMinuteRow(m: MinuteAccumulator): MinuteRow {
  return { minute: m.minute, polls: m.polls, failedPolls: m.failedPolls, opened: m.opened, closed: m.closed, stateSums: m.stateSums, interfaces: m.interfaces };
}

/** What, besides the state, makes a row worth re-writing (details the journal keeps). */
function signatureOf(row: Connection): string {
  const owners = row.owners.map((o) => `${o.pid}:${o.name}:${o.path ?? ''}:${o.user ?? ''}`).join(',');
  const service = row.service ? `${row.service.name}/${row.service.side}` : '';
  const forward = row.forward ? `${row.forward.kind}:${row.forward.via}` : '';
  return `${row.ownerVisibility}|${owners}|${row.remoteHost ?? ''}|${row.exposure ?? ''}|${service}|${forward}`;
}

/** Adds up contact bumps of one batch per owner, remote address and hour. */
class ContactCounter {
  private readonly byKey = new Map<string, ContactBump>();

  add(row: Connection, at: number, opened: number): void {
    const remote = row.remoteAddress;
    if (remote === null) return;
    const hour = Math.floor(at / HOUR_MS) * HOUR_MS;
    const owners: (JournalOwner | null)[] = row.owners.length > 0 ? journalOwners(row.owners) : [null];
    for (const owner of owners) {
      const key = `${owner === null ? '' : ownerIdent(owner)}\u0000${remote}\u0000${hour}`;
      const bump = this.byKey.get(key);
      if (bump === undefined) {
        this.byKey.set(key, {
          owner: owner === null ? null : { name: owner.name, path: owner.path, user: owner.user },
          remoteAddress: remote,
          remoteHost: row.remoteHost ?? null,
          hour,
          opened,
          firstSeen: at,
          lastSeen: at,
        });
      } else {
        bump.opened += opened;
        bump.firstSeen = Math.min(bump.firstSeen, at);
        bump.lastSeen = Math.max(bump.lastSeen, at);
        if (row.remoteHost) bump.remoteHost = row.remoteHost;
      }
    }
  }

  bumps(): ContactBump[] {
    return [...this.byKey.values()];
  }
}
