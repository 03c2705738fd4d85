/**
 * The journal's one writer: applies a recorder batch in one transaction (one poll = one commit),
 * and does the upkeep — retention, the size cap, giving freed pages back — in small steps, each
 * its own short transaction, so none holds up a poll for long.
 */
import type { Connection, ProbeResult } from '../../../shared/model';
import type { JournalBatch, MinuteRow, RecorderStart, RestoredSession } from '../../core/journal-recorder';
import { HOUR_MS, MINUTE_MS } from '../../core/journal-recorder';
import { isListenerRow, journalOwners, ownerIdent, sessionAsConnection } from '../../core/journal-codec';
import type { Db, Stmt } from './database';
import type { RawSession } from './rows';
import { SESSION_COLUMNS, SessionDecoder } from './rows';

/** How long per-minute counts are kept at least (the 30-day view), ms. */
export const MINUTES_RETENTION_MS = 30 * 24 * HOUR_MS;

/** Retention and size limits. */
export interface JournalLimits {
  /** Sessions, contacts and probe results older than this go, ms. */
  retentionMs: number;
  /** Above this many bytes of data, the oldest sessions go first (null = no cap). */
  maxBytes: number | null;
}

/** What one upkeep step did. */
export interface CleanupStep {
  deleted: number;
  /** Pages given back to the file system. */
  freedPages: number;
  /** True when there is more to do (call again soon). */
  more: boolean;
}

/** The writer; see the module comment. */
export class JournalWriter {
  private readonly processIds = new Map<string, number>();
  private readonly textIds = new Map<string, number>();
  private runId: number | null = null;
  private readonly s: Record<
    | 'insertSession'
    | 'updateSession'
    | 'closeSession'
    | 'insertOwner'
    | 'findProcess'
    | 'insertProcess'
    | 'findText'
    | 'insertText'
    | 'upsertContact'
    | 'findMinute'
    | 'upsertMinute'
    | 'insertProbe'
    | 'insertRun'
    | 'updateRun',
    Stmt
  >;

  constructor(readonly db: Db) {
    db.exec('PRAGMA secure_delete = FAST');
    db.exec('PRAGMA journal_size_limit = 8388608');
    const p = (sql: string): Stmt => db.prepare<unknown[]>(sql);
    this.s = {
      insertSession: p(
        `INSERT INTO sessions (id, opened_at, opened_before, listener, protocol, family, local_address, local_port, remote_address, remote_port, inode,
           states, process_id, pid, owners, visibility, service_id, exposure, forward_id, remote_host)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateSession: p(
        'UPDATE sessions SET states = ?, process_id = ?, pid = ?, owners = ?, visibility = ?, service_id = ?, exposure = ?, forward_id = ?, remote_host = ? WHERE id = ?',
      ),
      closeSession: p('UPDATE sessions SET closed_at = ?, long = ?, closed_unseen = ? WHERE id = ?'),
      insertOwner: p('INSERT OR IGNORE INTO session_owners (session_id, process_id) VALUES (?, ?)'),
      findProcess: p('SELECT id FROM processes WHERE ident = ?').raw(),
      insertProcess: p('INSERT INTO processes (ident, name, path, user) VALUES (?, ?, ?, ?)'),
      findText: p('SELECT id FROM texts WHERE text = ?').raw(),
      insertText: p('INSERT INTO texts (text) VALUES (?)'),
      upsertContact: p(
        `INSERT INTO contacts (process_id, remote, hour, sessions, first_seen, last_seen, remote_host) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (process_id, remote, hour) DO UPDATE SET sessions = sessions + excluded.sessions,
           first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
           remote_host = coalesce(excluded.remote_host, remote_host)`,
      ),
      findMinute: p('SELECT polls, failed_polls, ok_polls, opened, closed, state_sums FROM minutes WHERE minute = ?').raw(),
      upsertMinute: p(
        'INSERT OR REPLACE INTO minutes (minute, polls, failed_polls, ok_polls, opened, closed, state_sums, interfaces) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertProbe: p('INSERT INTO probe_results (probe_id, at, kind, outcome, ok, latency_ms, message) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insertRun: p('INSERT INTO runs (started_at, until) VALUES (?, ?)'),
      updateRun: p('UPDATE runs SET until = max(until, ?) WHERE id = ?'),
    };
  }

  /** Where a recorder starts: the next id, the sessions left open, the last recorded poll. */
  restore(): RecorderStart {
    const maxId = this.db.prepare('SELECT max(id) FROM sessions').raw().get() as [number | null];
    const last = this.db.prepare('SELECT max(until) FROM runs').raw().get() as [number | null];
    const decoder = new SessionDecoder(this.db);
    const open: RestoredSession[] = [];
    for (const raw of this.db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE closed_at IS NULL ORDER BY id`).raw().iterate() as Iterable<RawSession>) {
      const key = SessionDecoder.key(raw);
      const session = decoder.decode(raw);
      open.push({ id: session.id, key, openedAt: session.openedAt, states: raw[13], row: sessionAsConnection(session, key, Number.MAX_SAFE_INTEGER) });
    }
    return { nextId: (maxId[0] ?? 0) + 1, open, lastRecordedAt: last[0] };
  }

  /** Writes one batch in one transaction (nothing of it lands if any part fails). */
  apply(batch: JournalBatch): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.applyUnguarded(batch);
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      // The dictionaries may hold ids the rollback took back.
      this.processIds.clear();
      this.textIds.clear();
      throw error;
    }
  }

  private applyUnguarded(batch: JournalBatch): void {
    if (batch.runStarted) {
      this.runId = Number(this.s.insertRun.run(batch.at, batch.at).lastInsertRowid);
    } else if (this.runId !== null) {
      this.s.updateRun.run(batch.at, this.runId);
    }
    for (const open of batch.opens) {
      const row = open.row;
      const d = this.details(row);
      const peerless = row.remoteAddress === null || row.remotePort === null;
      this.s.insertSession.run(
        open.id,
        open.openedAt,
        open.openedBefore ? 1 : 0,
        isListenerRow(row) ? 1 : 0,
        row.protocol,
        row.family,
        row.localAddress,
        row.localPort,
        row.remoteAddress,
        row.remotePort,
        peerless && row.inode !== undefined && row.inode !== 0 ? row.inode : null,
        open.states,
        d.processId,
        d.pid,
        d.owners,
        row.ownerVisibility,
        d.serviceId,
        row.exposure ?? null,
        d.forwardId,
        row.remoteHost ?? null,
      );
      this.linkOwners(open.id, row);
    }
    for (const update of batch.updates) {
      const d = this.details(update.row);
      this.s.updateSession.run(update.states, d.processId, d.pid, d.owners, update.row.ownerVisibility, d.serviceId, update.row.exposure ?? null, d.forwardId, update.row.remoteHost ?? null, update.id);
      this.linkOwners(update.id, update.row);
    }
    for (const close of batch.closes) this.s.closeSession.run(close.closedAt, close.long ? 1 : 0, close.unseen ? 1 : 0, close.id);
    for (const c of batch.contacts) {
      const processId = c.owner === null ? 0 : this.processId(c.owner);
      this.s.upsertContact.run(processId, c.remoteAddress, c.hour, c.opened, c.firstSeen, c.lastSeen, c.remoteHost);
    }
    for (const m of batch.minutes) this.writeMinute(m);
    for (const r of batch.probes) this.writeProbe(r);
  }

  private details(row: Connection): { processId: number | null; pid: number | null; owners: string | null; serviceId: number | null; forwardId: number | null } {
    const first = row.owners[0];
    const owners = journalOwners(row.owners);
    return {
      processId: first === undefined ? null : this.processId(owners[0] as (typeof owners)[number]),
      pid: first?.pid ?? null,
      owners: owners.length > 1 ? JSON.stringify(owners) : null,
      serviceId: row.service ? this.textId(JSON.stringify(row.service)) : null,
      forwardId: row.forward ? this.textId(JSON.stringify(row.forward)) : null,
    };
  }

  /** A shared socket (several owners) is listed under each of them. */
  private linkOwners(sessionId: number, row: Connection): void {
    if (row.owners.length < 2) return;
    for (const owner of journalOwners(row.owners)) this.s.insertOwner.run(sessionId, this.processId(owner));
  }

  private processId(owner: { name: string; path: string | null; user: string | null }): number {
    const ident = ownerIdent(owner);
    let id = this.processIds.get(ident);
    if (id === undefined) {
      const found = this.s.findProcess.get(ident) as [number] | undefined;
      id = found !== undefined ? found[0] : Number(this.s.insertProcess.run(ident, owner.name, owner.path, owner.user).lastInsertRowid);
      this.processIds.set(ident, id);
    }
    return id;
  }

  private textId(text: string): number {
    let id = this.textIds.get(text);
    if (id === undefined) {
      const found = this.s.findText.get(text) as [number] | undefined;
      id = found !== undefined ? found[0] : Number(this.s.insertText.run(text).lastInsertRowid);
      this.textIds.set(text, id);
    }
    return id;
  }

  /** A minute already stored (a restart within the minute) is added to, not replaced. */
  private writeMinute(m: MinuteRow): void {
    const old = this.s.findMinute.get(m.minute) as [number, number, number, number, number, string] | undefined;
    const sums: Record<string, number> = { ...m.stateSums };
    let okPolls = m.polls - m.failedPolls;
    let [polls, failed, opened, closed] = [m.polls, m.failedPolls, m.opened, m.closed];
    if (old !== undefined) {
      polls += old[0];
      failed += old[1];
      okPolls += old[2];
      opened += old[3];
      closed += old[4];
      try {
        for (const [state, n] of Object.entries(JSON.parse(old[5]) as Record<string, number>)) sums[state] = (sums[state] ?? 0) + n;
      } catch {
        // A damaged cell loses its old sums, not the minute.
      }
    }
    this.s.upsertMinute.run(m.minute, polls, failed, okPolls, opened, closed, JSON.stringify(sums), JSON.stringify(m.interfaces));
  }

  private writeProbe(r: ProbeResult): void {
    this.s.insertProbe.run(r.probeId, r.at, r.kind, r.outcome, r.ok ? 1 : 0, r.latencyMs, r.message.slice(0, 500));
  }

  /** Bytes the data takes (pages in use; free pages are not counted). */
  usedBytes(): number {
    const [pages] = this.db.prepare('PRAGMA page_count').raw().get() as [number];
    const [free] = this.db.prepare('PRAGMA freelist_count').raw().get() as [number];
    const [size] = this.db.prepare('PRAGMA page_size').raw().get() as [number];
    return (pages - free) * size;
  }

  /**
   * One upkeep step: deletes at most `maxRows` rows per table past retention, then (over the cap)
   * the oldest closed sessions, then gives at most `maxPages` free pages back. Each part is its
   * own short transaction.
   */
  cleanup(now: number, limits: JournalLimits, maxRows = 2000, maxPages = 256): CleanupStep {
    const cutoff = now - limits.retentionMs;
    let deleted = 0;
    let more = false;
    const step = (sql: string, ...params: unknown[]): void => {
      const n = this.db.prepare<unknown[]>(sql).run(...params).changes;
      deleted += n;
      if (n >= maxRows) more = true;
    };
    step('DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE opened_at < ?1 AND closed_at < ?1 LIMIT ?2)', cutoff, maxRows);
    step(
      'DELETE FROM contacts WHERE (process_id, remote, hour) IN (SELECT process_id, remote, hour FROM contacts WHERE hour < ? LIMIT ?)',
      // Whole hours before the cutoff only.
      cutoff - HOUR_MS + 1,
      maxRows,
    );
    step('DELETE FROM probe_results WHERE id IN (SELECT id FROM probe_results WHERE at < ? LIMIT ?)', cutoff, maxRows);
    step('DELETE FROM minutes WHERE minute IN (SELECT minute FROM minutes WHERE minute < ? LIMIT ?)', Math.min(cutoff, now - MINUTES_RETENTION_MS) - MINUTE_MS + 1, maxRows);
    step('DELETE FROM runs WHERE until < ?', cutoff);
    if (limits.maxBytes !== null && this.usedBytes() > limits.maxBytes) {
      step('DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE closed_at IS NOT NULL ORDER BY id LIMIT ?)', maxRows);
      more = true;
      // Contacts and counts older than the oldest session left describe nothing that remains.
      const oldest = this.db.prepare('SELECT min(opened_at) FROM sessions').raw().get() as [number | null];
      if (oldest[0] !== null) step('DELETE FROM contacts WHERE (process_id, remote, hour) IN (SELECT process_id, remote, hour FROM contacts WHERE hour < ? LIMIT ?)', Math.floor(oldest[0] / HOUR_MS) * HOUR_MS, maxRows);
    }
    const [free] = this.db.prepare('PRAGMA freelist_count').raw().get() as [number];
    let freedPages = 0;
    if (free > 0) {
      this.db.exec(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`);
      const [left] = this.db.prepare('PRAGMA freelist_count').raw().get() as [number];
      freedPages = free - left;
      if (left > 0) more = true;
    }
    return { deleted, freedPages, more };
  }
}
