/**
 * Opening the journal's SQLite file (driver: `libsql`, a prebuilt N-API binary, so it loads in
 * Node and Electron without compiling).
 *
 * For the writer: the folder is created 0700 and the file 0600 before SQLite touches it (SQLite
 * gives its `-wal` and `-shm` files the database file's mode); a symbolic link or a file owned by
 * someone else is refused; `PRAGMA quick_check` runs at open and a corrupt file is moved aside
 * (`<file>.corrupt-<time>`, with its -wal and -shm) with a notice, and a new one starts; the
 * schema is created or migrated in one transaction per step; WAL with synchronous=NORMAL, so a
 * killed process loses at most its last transaction and never corrupts the file.
 *
 * For a reader (the CLI): the file must exist and be a journal of a version this build reads;
 * it is never moved, migrated or created, and the connection is `query_only`.
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';
import type Database from 'libsql';
import { errorCode, fileReason, moveAside } from '../move-aside';
import { JOURNAL_APPLICATION_ID, JOURNAL_SCHEMA_VERSION, MIGRATIONS } from './schema';

/** A libsql connection. */
export type Db = Database.Database;

/** A prepared statement taking positional parameters. */
export type Stmt = Database.Statement<unknown[]>;

/** A journal that cannot be opened, in words (the path, and what to do). */
export class JournalOpenError extends Error {}

/** An opened journal and what happened on the way. */
export interface OpenedJournal {
  db: Db;
  file: string;
  /** Notices for the user (a corrupt file moved aside, permissions tightened). */
  notices: string[];
}

/** Options of {@link openJournalForWriting}. */
export interface OpenWriterOptions {
  /** Wall clock for the moved-aside name, epoch ms. */
  now?: () => number;
  /** How long to wait for another connection's lock, ms (default 5 000). */
  busyTimeoutMs?: number;
}

const COMPANIONS = ['-wal', '-shm'] as const;

/** Fails unless `file` is absent or a regular file we own (never write through a link). */
function checkOwnFile(file: string): boolean {
  let info;
  try {
    info = lstatSync(file);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw new JournalOpenError(`Cannot read the journal ${file}: ${fileReason(error)}`);
  }
  if (info.isSymbolicLink()) throw new JournalOpenError(`The journal ${file} is a symbolic link; Portwatch does not write through links. Remove it or choose another file.`);
  if (!info.isFile()) throw new JournalOpenError(`The journal path ${file} is not a regular file.`);
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) throw new JournalOpenError(`The journal ${file} belongs to another user (uid ${info.uid}); Portwatch only writes its own files.`);
  return true;
}

type Driver = typeof Database;
let driver: Driver | null = null;

/**
 * The driver, loaded on first use: on a platform without a prebuilt binary only the journal is
 * off (with its reason as a notice), not the collector that imports this module.
 */
export async function loadDriver(): Promise<Driver> {
  if (driver === null) {
    try {
      driver = (await import('libsql')).default;
    } catch (error) {
      throw new JournalOpenError(`The SQLite driver (libsql) cannot be loaded on ${process.platform}-${process.arch}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return driver;
}

function connect(Driver: Driver, file: string, busyTimeoutMs: number): Db {
  return new Driver(file, { timeout: busyTimeoutMs });
}

/** The first cell of a one-row pragma or query. */
function scalar(db: Db, sql: string): unknown {
  const row = db.prepare(sql).raw().get() as unknown[] | undefined;
  return row?.[0];
}

/** `quick_check`'s verdict: null when the file is sound, else what is wrong. */
function checkIntegrity(db: Db): string | null {
  try {
    const rows = db.prepare('PRAGMA quick_check').raw().all() as unknown[][];
    const messages = rows.map((row) => String(row[0]));
    return messages.length === 1 && messages[0] === 'ok' ? null : messages.slice(0, 3).join('; ');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** True when the file holds no table yet (a new or empty SQLite file). */
function isEmpty(db: Db): boolean {
  return Number(scalar(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'")) === 0;
}

function checkIdentity(db: Db, file: string): void {
  if (isEmpty(db)) return;
  const appId = Number(scalar(db, 'PRAGMA application_id'));
  if (appId !== JOURNAL_APPLICATION_ID) throw new JournalOpenError(`${file} is an SQLite database but not a Portwatch journal; it was left untouched.`);
  const version = Number(scalar(db, 'PRAGMA user_version'));
  if (version > JOURNAL_SCHEMA_VERSION) {
    throw new JournalOpenError(`The journal ${file} was written by a newer Portwatch (schema ${version}, this one reads up to ${JOURNAL_SCHEMA_VERSION}); it was left untouched.`);
  }
}

/** Creates or migrates the schema, one transaction per step. */
export function migrate(db: Db, now: number): void {
  let version = Number(scalar(db, 'PRAGMA user_version'));
  if (version === 0 && isEmpty(db)) {
    // Must precede the first table: it decides how freed pages go back to the file system.
    db.exec('PRAGMA auto_vacuum = INCREMENTAL');
  }
  while (version < JOURNAL_SCHEMA_VERSION) {
    const step = MIGRATIONS[version] as string;
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(step);
      if (version === 0) db.prepare("INSERT INTO meta (key, value) VALUES ('created_at', ?)").run(String(now));
      db.exec(`PRAGMA application_id = ${JOURNAL_APPLICATION_ID}`);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
    version += 1;
  }
}

function createPrivateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'wx', 0o600));
}

/**
 * Opens (creating if needed) the journal for the one writer. Throws a {@link JournalOpenError} for
 * a file it must not touch (a link, another user's file, a foreign or newer database) or cannot
 * create; a corrupt journal is moved aside and replaced, with a notice.
 */
export async function openJournalForWriting(file: string, options: OpenWriterOptions = {}): Promise<OpenedJournal> {
  const now = options.now ?? Date.now;
  const busy = options.busyTimeoutMs ?? 5000;
  const notices: string[] = [];
  const Driver = await loadDriver();
  for (const suffix of COMPANIONS) checkOwnFile(`${file}${suffix}`);
  try {
    if (checkOwnFile(file)) {
      // Only our own file reaches here: tighten it if an older build or the user loosened it.
      if (process.platform !== 'win32' && (lstatSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    } else {
      createPrivateFile(file);
    }
  } catch (error) {
    if (error instanceof JournalOpenError) throw error;
    throw new JournalOpenError(`Cannot create the journal ${file}: ${fileReason(error)}`);
  }

  let db = connect(Driver, file, busy);
  let problem = checkIntegrity(db);
  if (problem === null) {
    try {
      checkIdentity(db, file);
    } catch (error) {
      db.close();
      throw error;
    }
  }
  if (problem !== null) {
    db.close();
    const aside = await moveAside(file, now(), COMPANIONS);
    if (!aside.ok) throw new JournalOpenError(`The journal ${file} is damaged (${problem}) and could not be moved aside: ${aside.error}.`);
    notices.push(`The journal ${file} was damaged (${problem}). It was moved to ${aside.path} and a new journal was started.`);
    createPrivateFile(file);
    db = connect(Driver, file, busy);
    problem = checkIntegrity(db);
    if (problem !== null) throw new JournalOpenError(`A new journal at ${file} cannot be used: ${problem}`);
  }
  try {
    const mode = String(scalar(db, 'PRAGMA journal_mode = WAL'));
    if (mode.toLowerCase() !== 'wal') notices.push(`The journal ${file} could not use write-ahead logging (mode ${mode}); writes may be slower.`);
    // WAL + NORMAL: a committed transaction survives a crash of the process; only power loss may
    // lose the last ones, never consistency.
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA temp_store = MEMORY');
    migrate(db, now());
  } catch (error) {
    db.close();
    throw new JournalOpenError(`Cannot prepare the journal ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { db, file, notices };
}

/**
 * Opens an existing journal to read (the CLI): never creates, moves or migrates it. Throws a
 * {@link JournalOpenError} in words when it is missing, damaged or not a journal.
 */
export async function openJournalForReading(file: string, options: { busyTimeoutMs?: number } = {}): Promise<Db> {
  let info;
  try {
    info = lstatSync(file);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      throw new JournalOpenError(`No journal at ${file} (the desktop app or \`portwatch serve\` writes it while running; or name one with --journal FILE).`);
    }
    throw new JournalOpenError(`Cannot read the journal ${file}: ${fileReason(error)}`);
  }
  if (!info.isFile()) throw new JournalOpenError(`The journal path ${file} is not a regular file.`);
  const Driver = await loadDriver();
  let db: Db;
  try {
    db = connect(Driver, file, options.busyTimeoutMs ?? 5000);
  } catch (error) {
    throw new JournalOpenError(`Cannot open the journal ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const version = Number(scalar(db, 'PRAGMA user_version'));
    if (isEmpty(db) || version === 0) throw new JournalOpenError(`${file} holds no journal yet.`);
    checkIdentity(db, file);
    if (version < JOURNAL_SCHEMA_VERSION) {
      throw new JournalOpenError(`The journal ${file} has an older schema (${version}); start the app or \`portwatch serve\` once to upgrade it.`);
    }
    db.exec('PRAGMA query_only = 1');
  } catch (error) {
    db.close();
    if (error instanceof JournalOpenError) throw error;
    throw new JournalOpenError(`The journal ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  return db;
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Takes the one-writer lock of a journal: `<file>.lock` holding `pid:thread`, created
 * exclusively. A lock left by a process that is gone (killed), or by another thread of this
 * process (a collector worker that crashed; the host starts one worker at a time), is taken over;
 * a live one means another Portwatch (the desktop app, `serve`) records this journal, and two
 * recorders would record every socket twice. Returns the release function.
 */
export function lockJournal(file: string): () => void {
  const lock = `${file}.lock`;
  const me = `${process.pid}:${threadId}`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(lock, `${me}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (readFileSync(lock, 'utf8').trim() === me) unlinkSync(lock);
        } catch {
          // Already gone.
        }
      };
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw new JournalOpenError(`Cannot lock the journal ${file}: ${fileReason(error)}`);
    }
    let holder = NaN;
    let holderThread = NaN;
    try {
      const info = lstatSync(lock);
      if (!info.isFile()) throw new JournalOpenError(`The journal lock ${lock} is not a regular file; remove it.`);
      [holder = NaN, holderThread = NaN] = readFileSync(lock, 'utf8').trim().split(':').map(Number);
    } catch (error) {
      if (error instanceof JournalOpenError) throw error;
    }
    const deadThreadOfOurs = holder === process.pid && holderThread !== threadId;
    if (Number.isInteger(holder) && holder > 0 && alive(holder) && !deadThreadOfOurs) {
      throw new JournalOpenError(`The journal ${file} is being recorded by another Portwatch (pid ${holder}); this one does not record it.`);
    }
    // Stale: its process is gone.
    try {
      unlinkSync(lock);
    } catch {
      // Someone else removed it first: try again.
    }
  }
  throw new JournalOpenError(`Cannot lock the journal ${file}: another process keeps taking the lock.`);
}
