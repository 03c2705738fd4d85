/**
 * The journal's SQLite schema and its migrations. `PRAGMA user_version` holds the schema version;
 * `PRAGMA application_id` marks the file as a Portwatch journal, so a `--journal` pointing at
 * some other SQLite database is refused instead of altered.
 *
 * Layout, and why:
 * - `sessions`: one row per socket lifetime. Ids grow with time (one writer assigns them in poll
 *   order), so `ORDER BY id` is time order without a sort. Flags are 0/1 columns (SQLite stores
 *   them in the row header, no payload bytes). Owners beyond the first of a shared socket go to
 *   `owners` (JSON) and `session_owners`, so the common single-owner row carries two integers.
 * - "As of T" needs the sessions open at T without scanning days: those opened in the last
 *   `LONG_SESSION_MS` before T come from `sessions_by_open`; older ones are either still open
 *   (`sessions_live`, a partial index of open rows) or flagged `long` when they closed
 *   (`sessions_long`).
 * - `contacts`: "talked to" counters per process, remote address and hour, so a week of one
 *   process is a few hundred index entries, whatever the churn.
 * - `minutes`: per-minute counts per state and throughput (kept longer than sessions: they are
 *   tiny and feed the 30-day view).
 * - `texts`: a dictionary for repeated JSON (service, forward) so rows hold small integers.
 */

/** Marks the file as a Portwatch journal ("PwJ1"). */
export const JOURNAL_APPLICATION_ID = 0x50774a31;

/** The schema version this build writes. */
export const JOURNAL_SCHEMA_VERSION = 1;

/** Migrations: index i takes the schema from version i to i + 1. Each runs in one transaction. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE processes (id INTEGER PRIMARY KEY, ident TEXT NOT NULL UNIQUE, name TEXT NOT NULL, path TEXT, user TEXT);
  CREATE INDEX processes_by_name ON processes(name);
  CREATE TABLE texts (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
  CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER,
    long INTEGER NOT NULL DEFAULT 0,
    opened_before INTEGER NOT NULL DEFAULT 0,
    closed_unseen INTEGER NOT NULL DEFAULT 0,
    listener INTEGER NOT NULL DEFAULT 0,
    protocol TEXT NOT NULL,
    family INTEGER NOT NULL,
    local_address TEXT NOT NULL,
    local_port INTEGER NOT NULL,
    remote_address TEXT,
    remote_port INTEGER,
    inode INTEGER,
    states TEXT NOT NULL,
    process_id INTEGER,
    pid INTEGER,
    owners TEXT,
    visibility TEXT NOT NULL,
    service_id INTEGER,
    exposure TEXT,
    forward_id INTEGER,
    remote_host TEXT,
    bytes_sent INTEGER,
    bytes_received INTEGER
  );
  CREATE INDEX sessions_by_open ON sessions(opened_at);
  CREATE INDEX sessions_long ON sessions(closed_at, opened_at) WHERE long = 1;
  CREATE INDEX sessions_live ON sessions(opened_at) WHERE closed_at IS NULL;
  CREATE INDEX sessions_by_process ON sessions(process_id, opened_at);
  CREATE INDEX sessions_listeners ON sessions(protocol, local_port, opened_at) WHERE listener = 1;
  CREATE TABLE session_owners (session_id INTEGER NOT NULL, process_id INTEGER NOT NULL, PRIMARY KEY (session_id, process_id)) WITHOUT ROWID;
  CREATE INDEX session_owners_by_process ON session_owners(process_id, session_id);
  CREATE TRIGGER sessions_owners_cleanup AFTER DELETE ON sessions WHEN old.owners IS NOT NULL
    BEGIN DELETE FROM session_owners WHERE session_id = old.id; END;
  CREATE TABLE contacts (
    process_id INTEGER NOT NULL,
    remote TEXT NOT NULL,
    hour INTEGER NOT NULL,
    sessions INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    remote_host TEXT,
    PRIMARY KEY (process_id, remote, hour)
  ) WITHOUT ROWID;
  CREATE INDEX contacts_by_hour ON contacts(hour);
  CREATE TABLE minutes (
    minute INTEGER PRIMARY KEY,
    polls INTEGER NOT NULL,
    failed_polls INTEGER NOT NULL,
    ok_polls INTEGER NOT NULL,
    opened INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    state_sums TEXT NOT NULL,
    interfaces TEXT NOT NULL
  );
  CREATE TABLE probe_results (
    id INTEGER PRIMARY KEY,
    probe_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    ok INTEGER NOT NULL,
    latency_ms REAL,
    message TEXT NOT NULL
  );
  CREATE INDEX probe_results_by_probe ON probe_results(probe_id, at);
  CREATE INDEX probe_results_by_time ON probe_results(at);
  CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, until INTEGER NOT NULL);
  CREATE TABLE known (kind TEXT NOT NULL, value TEXT NOT NULL, marked_at INTEGER NOT NULL, PRIMARY KEY (kind, value)) WITHOUT ROWID;
  `,
];
