/**
 * The connection journal on the collector's thread: a {@link JournalSink} that records each poll
 * (recorder → writer, one transaction per poll), runs retention in small steps between polls,
 * and offers pause, forget and "known" marking. Never throws into the poll loop: a failed write
 * becomes a notice, and the next poll starts over from what the file holds.
 */
import type { ProbeResult, SnapshotDelta } from '../../../shared/model';
import type { JournalInfo, JournalRange } from '../../../shared/journal';
import { contactKnownValue, listenerKnownValue } from '../../../shared/journal';
import type { JournalSink } from '../../core/journal-sink';
import type { DeltaContext, JournalBatch } from '../../core/journal-recorder';
import { JournalRecorder } from '../../core/journal-recorder';
import { lockJournal, openJournalForWriting } from './database';
import type { Db } from './database';
import { JournalReader } from './queries';
import type { JournalLimits } from './writer';
import { JournalWriter } from './writer';

/** One day, ms. */
export const DAY_MS = 86_400_000;

/** Options of {@link NodeJournal.open}. */
export interface NodeJournalOptions {
  file: string;
  /** Days of history kept (default 7). */
  retentionDays?: number;
  /** Size cap, MB (null or 0 = none). */
  maxMb?: number | null;
  /** Start paused (nothing recorded until {@link NodeJournal.resume}). */
  paused?: boolean;
  now?: () => number;
  /** Time between upkeep steps while there is nothing pending, ms (default 10 s). */
  cleanupEveryMs?: number;
  /** Rows per table one upkeep step may delete (default 2 000). */
  cleanupRows?: number;
}

/** How long a notice about the file (moved aside) stays in the status, ms. */
const OPEN_NOTICE_MS = 10 * 60_000;

/** The journal; see the module comment. */
export class NodeJournal implements JournalSink {
  private recorder: JournalRecorder;
  private limits: JournalLimits;
  private lastCleanup: number;
  private cleanupPending = true;
  private writeError: string | null = null;
  private closed = false;
  /** The reader on the writer's connection (sees its own writes at once). */
  readonly reader: JournalReader;

  private constructor(
    readonly file: string,
    private readonly db: Db,
    private readonly writer: JournalWriter,
    private readonly openNotices: string[],
    private readonly openedAt: number,
    private readonly options: NodeJournalOptions,
    private readonly unlock: () => void,
  ) {
    this.recorder = new JournalRecorder(writer.restore());
    this.limits = limitsOf(options.retentionDays, options.maxMb);
    this.lastCleanup = openedAt;
    this.reader = new JournalReader(db);
    if (options.paused === true) this.recorder.pause(openedAt);
  }

  /** Opens (or creates, or replaces a damaged) journal file; throws a JournalOpenError in words. */
  static async open(options: NodeJournalOptions): Promise<NodeJournal> {
    const now = options.now ?? Date.now;
    const unlock = lockJournal(options.file);
    try {
      const opened = await openJournalForWriting(options.file, { now });
      return new NodeJournal(opened.file, opened.db, new JournalWriter(opened.db), opened.notices, now(), options, unlock);
    } catch (error) {
      unlock();
      throw error;
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** True while paused. */
  get paused(): boolean {
    return this.recorder.isPaused;
  }

  delta(delta: SnapshotDelta, context: DeltaContext): void {
    if (this.closed) return;
    let batch: JournalBatch | null;
    try {
      batch = this.recorder.delta(delta, context);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (batch !== null) this.write(batch);
    this.upkeep(delta.capturedAt);
  }

  probe(result: ProbeResult): void {
    if (!this.closed) this.recorder.probe(result);
  }

  notices(): string[] {
    const out: string[] = [];
    if (this.now() - this.openedAt < OPEN_NOTICE_MS) out.push(...this.openNotices);
    if (this.writeError !== null) out.push(`The journal cannot record: ${this.writeError}`);
    return out;
  }

  /** Stops recording (the current minute is flushed; the run ends now). */
  pause(): void {
    if (this.closed || this.recorder.isPaused) return;
    this.write(this.recorder.pause(this.now()));
  }

  /** Records again from the next poll. */
  resume(): void {
    this.recorder.resume();
  }

  /** New retention and size cap, applied by the next upkeep step. */
  setLimits(retentionDays: number | undefined, maxMb: number | null | undefined): void {
    this.limits = limitsOf(retentionDays, maxMb);
    this.cleanupPending = true;
  }

  /**
   * Forgets a range (every session open at any moment of it, its minutes, contacts of the hours it
   * touches, probe results; recorded runs are cut around it) or, with no range, everything.
   * Deletes in chunks, yielding between them so polls go on; resolves to the sessions deleted.
   */
  async forget(range?: JournalRange): Promise<number> {
    if (this.closed) return 0;
    const chunk = this.options.cleanupRows ?? 2000;
    const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    let total = 0;
    const where = range === undefined ? '1' : 'opened_at <= ?1 AND (closed_at IS NULL OR closed_at >= ?2)';
    const params = range === undefined ? [] : [range.to, range.from];
    for (;;) {
      const n = this.db.prepare<unknown[]>(`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE ${where} LIMIT ${chunk})`).run(...params).changes;
      total += n;
      if (n < chunk) break;
      await pause();
    }
    this.db.exec('BEGIN IMMEDIATE');
    try {
      if (range === undefined) {
        for (const table of ['session_owners', 'contacts', 'minutes', 'probe_results', 'runs', 'known', 'processes', 'texts']) this.db.exec(`DELETE FROM ${table}`);
      } else {
        const hourFrom = Math.floor(range.from / 3_600_000) * 3_600_000;
        this.db.prepare('DELETE FROM contacts WHERE hour >= ? AND hour <= ?').run(hourFrom, range.to);
        this.db.prepare('DELETE FROM minutes WHERE minute >= ? AND minute <= ?').run(Math.floor(range.from / 60_000) * 60_000, range.to);
        this.db.prepare('DELETE FROM probe_results WHERE at >= ? AND at <= ?').run(range.from, range.to);
        cutRuns(this.db, range);
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
    // What the recorder held open may be gone: the next poll starts a new run from the table.
    this.restartRecorder();
    this.cleanupPending = true;
    // Give the freed pages back and clear the log of the deleted content.
    while (this.writer.cleanup(this.now(), this.limits, chunk).more) await pause();
    this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    return total;
  }

  /**
   * Marks what is there now as known: every open listener's port and every open connection's
   * process → remote address. Resolves to the number of new known items.
   */
  markKnown(): number {
    const at = this.now();
    const insert = this.db.prepare<unknown[]>('INSERT OR IGNORE INTO known (kind, value, marked_at) VALUES (?, ?, ?)');
    let added = 0;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const { session } of this.reader.asOf(Number.MAX_SAFE_INTEGER)) {
        if (session.closedAt !== null) continue;
        if (session.listener) {
          added += insert.run('listener', listenerKnownValue(session.protocol, session.localPort), at).changes;
        } else if (session.remoteAddress !== null) {
          const names = session.owners.length > 0 ? session.owners.map((o) => o.name) : [''];
          for (const name of names) added += insert.run('contact', contactKnownValue(name, session.remoteAddress), at).changes;
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
    return added;
  }

  /** Forgets every known mark. */
  clearKnown(): void {
    this.db.exec('DELETE FROM known');
  }

  /** Bytes of data in the file. */
  usedBytes(): number {
    return this.writer.usedBytes();
  }

  /** The file, its size and what it holds (for a Settings page). */
  info(): JournalInfo {
    const stats = this.reader.stats();
    return { file: this.file, sizeBytes: this.usedBytes(), sessions: stats.sessions, oldest: stats.oldest, newest: stats.newest, runs: this.reader.runs() };
  }

  /** Flushes the current minute and closes the file. */
  close(): void {
    if (this.closed) return;
    if (!this.recorder.isPaused) this.write(this.recorder.flush(this.now()));
    this.closed = true;
    try {
      // Leaves the main file complete on its own (the log empty), whatever happens to it next.
      this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch {
      // Another reader holds the log: SQLite checkpoints on a later open.
    }
    this.db.close();
    this.unlock();
  }

  private write(batch: JournalBatch): void {
    try {
      this.writer.apply(batch);
      this.writeError = null;
    } catch (error) {
      this.fail(error);
    }
  }

  /** A failed batch is lost; the recorder restarts from what the file holds, so nothing drifts. */
  private fail(error: unknown): void {
    this.writeError = error instanceof Error ? error.message : String(error);
    try {
      this.restartRecorder();
    } catch {
      // Reading fails too: the next poll tries again.
    }
  }

  /** A new recorder from what the file holds (keeping the pause). */
  private restartRecorder(): void {
    const paused = this.recorder.isPaused;
    this.recorder = new JournalRecorder(this.writer.restore());
    if (paused) this.recorder.pause(this.now());
  }

  /** One upkeep step when due (every `cleanupEveryMs`, or every poll while there is a backlog). */
  private upkeep(now: number): void {
    if (!this.cleanupPending && now - this.lastCleanup < (this.options.cleanupEveryMs ?? 10_000)) return;
    this.lastCleanup = now;
    try {
      this.cleanupPending = this.writer.cleanup(now, this.limits, this.options.cleanupRows ?? 2000).more;
    } catch (error) {
      this.writeError = `upkeep failed: ${error instanceof Error ? error.message : String(error)}`;
      this.cleanupPending = false;
    }
  }
}

function limitsOf(retentionDays: number | undefined, maxMb: number | null | undefined): JournalLimits {
  const days = retentionDays ?? 7;
  return { retentionMs: Math.max(0, days) * DAY_MS, maxBytes: maxMb === null || maxMb === undefined || maxMb <= 0 ? null : maxMb * 1024 * 1024 };
}

/** Cuts the range out of the recorded runs (a run spanning it is split in two). */
function cutRuns(db: Db, range: JournalRange): void {
  const runs = db.prepare<unknown[]>('SELECT id, started_at, until FROM runs WHERE started_at <= ? AND until >= ?').raw().all(range.to, range.from) as [number, number, number][];
  for (const [id, start, until] of runs) {
    db.prepare<unknown[]>('DELETE FROM runs WHERE id = ?').run(id);
    if (start < range.from) db.prepare<unknown[]>('INSERT INTO runs (started_at, until) VALUES (?, ?)').run(start, range.from - 1);
    if (until > range.to) db.prepare<unknown[]>('INSERT INTO runs (started_at, until) VALUES (?, ?)').run(range.to + 1, until);
  }
}
