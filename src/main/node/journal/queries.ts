/**
 * Reading the journal: the table as of a moment, sessions over a range (streamed: rows are
 * iterated, never gathered), "talked to" lists, first-seen events, per-minute counts, known items.
 * Works on a writer's connection or a read-only one (the CLI).
 */
import type { Exposure, Protocol, SocketState } from '../../../shared/model';
import type {
  JournalCoverage,
  JournalEvent,
  JournalFilter,
  JournalInterfaceRate,
  JournalMinute,
  JournalRange,
  JournalRun,
  JournalSession,
  KnownItem,
  KnownKind,
  ProcessHistory,
  TalkedTo,
} from '../../../shared/journal';
import { contactKnownValue, listenerKnownValue } from '../../../shared/journal';
import { LONG_SESSION_MS, HOUR_MS } from '../../core/journal-recorder';
import type { StoredMinute } from '../../core/journal-query';
import { bucketWidth, mergeMinutes } from '../../core/journal-query';
import type { Db } from './database';
import type { RawSession } from './rows';
import { SESSION_COLUMNS, SessionDecoder } from './rows';

/** A session with the key the collector gives its socket. */
export interface KeyedSession {
  key: string;
  session: JournalSession;
}

/** `LIKE` pattern for "contains", with the wildcards in `text` escaped. */
function contains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The reader; see the module comment. */
export class JournalReader {
  constructor(readonly db: Db) {}

  /** The recorded runs overlapping a range (all when omitted), oldest first. */
  runs(range?: JournalRange): JournalRun[] {
    const rows = (
      range === undefined
        ? this.db.prepare('SELECT started_at, until FROM runs ORDER BY started_at').raw().all()
        : this.db.prepare('SELECT started_at, until FROM runs WHERE started_at <= ? AND until >= ? ORDER BY started_at').raw().all(range.to, range.from)
    ) as [number, number][];
    return rows.map(([from, to]) => ({ from, to }));
  }

  /** Whether the journal was recording at `at`. */
  coverage(at: number): JournalCoverage {
    const covering = this.db.prepare('SELECT started_at, until FROM runs WHERE started_at <= ?1 AND until >= ?1 ORDER BY until DESC LIMIT 1').raw().get(at) as
      | [number, number]
      | undefined;
    if (covering !== undefined) return { at, recorded: true, run: { from: covering[0], to: covering[1] } };
    const before = this.db.prepare('SELECT started_at, until FROM runs WHERE until < ? ORDER BY until DESC LIMIT 1').raw().get(at) as [number, number] | undefined;
    return { at, recorded: false, run: before === undefined ? null : { from: before[0], to: before[1] } };
  }

  /**
   * SQL conditions for a filter. Process names are looked up first, so the session scan compares
   * integers; an unmatched name gives `0` (nothing), not a scan.
   */
  private filterSql(filter: JournalFilter, byProcessIndex = false): { sql: string; params: unknown[] } {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (filter.process !== undefined) {
      const ids = this.processIds(filter.process);
      if (ids.length === 0) return { sql: ' AND 0', params: [] };
      const list = ids.join(',');
      // `+process_id` keeps SQLite off the per-process index where time bounds the scan better:
      // a busy process has millions of sessions, a time window a few thousand.
      parts.push(`(${byProcessIndex ? '' : '+'}process_id IN (${list}) OR (owners IS NOT NULL AND id IN (SELECT session_id FROM session_owners WHERE process_id IN (${list}))))`);
    }
    if (filter.port !== undefined) {
      parts.push('(local_port = ? OR remote_port = ?)');
      params.push(filter.port, filter.port);
    }
    if (filter.remote !== undefined) {
      parts.push("(remote_address LIKE ? ESCAPE '\\' OR remote_host LIKE ? ESCAPE '\\')");
      params.push(contains(filter.remote), contains(filter.remote));
    }
    return { sql: parts.map((p) => ` AND ${p}`).join(''), params };
  }

  /** Ids of the processes whose name contains `name` (case-insensitive). */
  private processIds(name: string): number[] {
    return (this.db.prepare("SELECT id FROM processes WHERE name LIKE ? ESCAPE '\\'").raw().all(contains(name)) as [number][]).map((r) => r[0]);
  }

  private *iterateSessions(sql: string, params: unknown[], decoder: SessionDecoder): Generator<KeyedSession> {
    for (const raw of this.db.prepare(sql).raw().iterate(...params) as Iterable<RawSession>) {
      yield { key: SessionDecoder.key(raw), session: decoder.decode(raw) };
    }
  }

  /**
   * The sessions open at `at`, oldest first. Three index range scans, none of which grows with the
   * length of history: sessions opened in the last {@link LONG_SESSION_MS} before `at`, older ones
   * still open, and older ones that closed after `at` (flagged `long` when they closed).
   */
  *asOf(at: number, filter: JournalFilter = {}): Generator<KeyedSession> {
    const f = this.filterSql(filter);
    const edge = at - LONG_SESSION_MS;
    const decoder = new SessionDecoder(this.db);
    // The old ones are few (long-lived sockets): gather and sort them; the recent ones stream.
    const old = [
      ...this.iterateSessions(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE long = 1 AND closed_at > ? AND opened_at < ?${f.sql}`, [at, edge, ...f.params], decoder),
      ...this.iterateSessions(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE closed_at IS NULL AND opened_at < ?${f.sql}`, [edge, ...f.params], decoder),
    ].sort((a, b) => a.session.id - b.session.id);
    yield* old;
    yield* this.iterateSessions(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE opened_at >= ? AND opened_at <= ? AND (closed_at IS NULL OR closed_at > ?)${f.sql} ORDER BY opened_at, id`,
      [edge, at, at, ...f.params],
      decoder,
    );
  }

  /** Sessions open at any moment of the range, in order of opening (streamed). */
  *sessions(range: JournalRange, filter: JournalFilter = {}): Generator<KeyedSession> {
    yield* this.asOf(range.from, filter);
    // Over a day, a rare process is found faster through its own index than through the days.
    const f = this.filterSql(filter, range.to - range.from > 86_400_000);
    yield* this.iterateSessions(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE opened_at > ? AND opened_at <= ?${f.sql} ORDER BY opened_at, id`,
      [range.from, range.to, ...f.params],
      new SessionDecoder(this.db),
    );
  }

  /** Listener lifecycles open at any moment of the range (a partial index: a few rows). */
  listeners(range: JournalRange, filter: JournalFilter = {}): JournalSession[] {
    const f = this.filterSql(filter);
    const decoder = new SessionDecoder(this.db);
    // Listeners are few whatever the churn: their partial index, never a scan of a process's sessions.
    const sql = `SELECT ${SESSION_COLUMNS} FROM sessions INDEXED BY sessions_listeners WHERE listener = 1 AND opened_at <= ? AND (closed_at IS NULL OR closed_at >= ?)${f.sql} ORDER BY opened_at, id`;
    return [...this.iterateSessions(sql, [range.to, range.from, ...f.params], decoder)].map((s) => s.session);
  }

  /**
   * One process's history over a range, for a "history per process" view: whom it talked to
   * (hourly counters), the ports it listened on, and its session count. Costs what the process
   * did in distinct peers and listeners, not in sessions.
   */
  processHistory(name: string, range: JournalRange): ProcessHistory {
    const talkedTo = this.talkedTo(range, { process: name });
    const listeners = this.listeners(range, { process: name });
    return { process: name, range, talkedTo, listeners, connections: talkedTo.reduce((n, t) => n + t.sessions, 0) };
  }

  /**
   * Who talked to whom in the range (whole hours: counters are kept per hour), busiest first.
   * `filter.process` and `filter.remote` apply; a port does not (contacts are per address).
   */
  talkedTo(range: JournalRange, filter: Pick<JournalFilter, 'process' | 'remote'> = {}, limit = 1000): TalkedTo[] {
    const params: unknown[] = [Math.floor(range.from / HOUR_MS) * HOUR_MS, range.to];
    let where = 'c.hour >= ? AND c.hour <= ?';
    if (filter.process !== undefined) {
      // The counters' key starts with the process: one index range per matching process.
      const ids = this.processIds(filter.process);
      if (ids.length === 0) return [];
      where += ` AND c.process_id IN (${ids.join(',')})`;
    }
    if (filter.remote !== undefined) {
      where += " AND (c.remote LIKE ? ESCAPE '\\' OR c.remote_host LIKE ? ESCAPE '\\')";
      params.push(contains(filter.remote), contains(filter.remote));
    }
    const rows = this.db
      .prepare(
        `SELECT coalesce(p.name, ''), p.path, p.user, c.remote, max(c.remote_host), sum(c.sessions), min(c.first_seen), max(c.last_seen)
         FROM contacts c LEFT JOIN processes p ON p.id = c.process_id
         WHERE ${where} GROUP BY c.process_id, c.remote ORDER BY sum(c.sessions) DESC, c.remote LIMIT ?`,
      )
      .raw()
      .all(...params, limit) as [string, string | null, string | null, string, string | null, number, number, number][];
    const known = this.knownSet('contact');
    return rows.map(([process, path, user, remoteAddress, remoteHost, sessions, firstSeen, lastSeen]) => ({
      process,
      path,
      user,
      remoteAddress,
      remoteHost,
      sessions,
      firstSeen,
      lastSeen,
      known: known.has(contactKnownValue(process, remoteAddress)),
    }));
  }

  /**
   * First-seen events in the range, oldest first: a process contacting an address for the first
   * time (within retention), a port listened on for the first time. Known ones are left out
   * unless `includeKnown`.
   */
  events(range: JournalRange, options: { includeKnown?: boolean; limit?: number } = {}): JournalEvent[] {
    const limit = options.limit ?? 1000;
    const knownContacts = this.knownSet('contact');
    const knownListeners = this.knownSet('listener');
    const out: JournalEvent[] = [];
    const contacts = this.db
      .prepare(
        `SELECT coalesce(p.name, ''), c.remote, max(c.remote_host), min(c.first_seen) AS first
         FROM contacts c LEFT JOIN processes p ON p.id = c.process_id
         GROUP BY c.process_id, c.remote HAVING first >= ? AND first <= ? ORDER BY first`,
      )
      .raw()
      .iterate(range.from, range.to) as Iterable<[string, string, string | null, number]>;
    for (const [process, remoteAddress, remoteHost, at] of contacts) {
      const known = knownContacts.has(contactKnownValue(process, remoteAddress));
      if (known && options.includeKnown !== true) continue;
      out.push({ kind: 'first-contact', at, process, remoteAddress, remoteHost, known });
    }
    const listeners = this.db
      .prepare(
        `SELECT s.protocol, s.local_port, s.local_address, p.name, s.exposure, s.opened_before, s.opened_at FROM sessions s LEFT JOIN processes p ON p.id = s.process_id
         WHERE s.listener = 1 AND s.opened_at >= ? AND s.opened_at <= ?
           AND NOT EXISTS (SELECT 1 FROM sessions e WHERE e.listener = 1 AND e.protocol = s.protocol AND e.local_port = s.local_port AND (e.opened_at < s.opened_at OR (e.opened_at = s.opened_at AND e.id < s.id)))
         ORDER BY s.opened_at`,
      )
      .raw()
      .iterate(range.from, range.to) as Iterable<[string, number, string, string | null, string | null, number, number]>;
    for (const [protocol, port, localAddress, process, exposure, openedBefore, at] of listeners) {
      const known = knownListeners.has(listenerKnownValue(protocol as Protocol, port));
      if (known && options.includeKnown !== true) continue;
      out.push({ kind: 'new-listener', at, protocol: protocol as Protocol, port, localAddress, process, exposure: exposure as Exposure | null, openedBefore: openedBefore === 1, known });
    }
    return out.sort((a, b) => a.at - b.at).slice(0, limit);
  }

  /** Per-minute counts over the range, merged into at most `maxPoints` points. */
  minutes(range: JournalRange, maxPoints = 1440): JournalMinute[] {
    const width = bucketWidth(range.from, range.to, maxPoints);
    const from = Math.floor(range.from / 60_000) * 60_000;
    const rows = this.db
      .prepare('SELECT minute, polls, failed_polls, ok_polls, opened, closed, state_sums, interfaces FROM minutes WHERE minute >= ? AND minute <= ? ORDER BY minute')
      .raw()
      .iterate(from, range.to) as Iterable<[number, number, number, number, number, number, string, string]>;
    function* stored(): Generator<StoredMinute> {
      for (const [minute, polls, failedPolls, okPolls, opened, closed, sums, rates] of rows) {
        yield { minute, polls, failedPolls, okPolls, opened, closed, stateSums: parseJson<Partial<Record<SocketState, number>>>(sums, {}), interfaces: parseJson<JournalInterfaceRate[]>(rates, []) };
      }
    }
    return mergeMinutes(stored(), from, width);
  }

  /** Every known item. */
  known(): KnownItem[] {
    return (this.db.prepare('SELECT kind, value, marked_at FROM known ORDER BY kind, value').raw().all() as [KnownKind, string, number][]).map(([kind, value, markedAt]) => ({
      kind,
      value,
      markedAt,
    }));
  }

  private knownSet(kind: KnownKind): Set<string> {
    return new Set((this.db.prepare('SELECT value FROM known WHERE kind = ?').raw().all(kind) as [string][]).map((r) => r[0]));
  }

  /** Sessions stored, and the oldest and newest moments they cover. */
  stats(): { sessions: number; oldest: number | null; newest: number | null } {
    const [sessions, oldest] = this.db.prepare('SELECT count(*), min(opened_at) FROM sessions').raw().get() as [number, number | null];
    const [newest] = this.db.prepare('SELECT max(until) FROM runs').raw().get() as [number | null];
    return { sessions, oldest, newest };
  }
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
