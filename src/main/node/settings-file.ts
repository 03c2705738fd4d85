/**
 * The settings store: one JSON file shared by every Portwatch process of the user (the desktop app
 * and `portwatch serve` may run at once). On load it is validated with the contract's schemas; a
 * corrupt or invalid file is moved aside (kept for the user, never deleted) and the defaults load,
 * with a notice saying so.
 *
 * Sharing the file: every write is a read-modify-write ({@link JsonSettingsStore.update}) that runs
 * in this store's one queue AND under an advisory lock file (`settings.json.lock`, see
 * file-lock.ts), re-reading the file inside the lock. So each change applies to the newest document,
 * including what the other process wrote a moment ago, and changes only its own field or probe: no
 * update is lost within a process or across processes. A lock rather than merge-on-conflict,
 * because an atomic rename cannot detect that the file changed since it was read. Writes of other
 * processes are also noticed without a change of our own: the folder is watched (fs.watch) and a
 * newer file is re-read and announced through {@link JsonSettingsStore.onChange}, so the running
 * service follows it (its probe runner, its collector options).
 *
 * At load, under the lock, temporary files left by an interrupted write (SIGKILL, power loss) are
 * removed. A settings.json that is a symbolic link (kept with dotfiles) is written through to the
 * file it names: the folder is the user's own, so the link is too.
 */
import { mkdir, readFile, realpath } from 'node:fs/promises';
import { mkdirSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import * as path from 'node:path';
import * as v from 'valibot';
import type { Unsubscribe } from '../../shared/api';
import type { LoadedState, PersistedState, SettingsStore, StateChange } from '../core/settings-store';
import { DEFAULT_SETTINGS } from '../../shared/defaults';
import { validateProbeList } from '../../shared/probes';
import { settingsSchema, validate } from '../../shared/schemas';
import { errnoCode as codeOf, removeStaleTemps, WriteError, writeFileAtomic } from './atomic-write';
import { acquireFileLock, LockBusyError } from './file-lock';
import { FILE_REASONS, moveAside } from './move-aside';
import type { FileLockOptions } from './file-lock';

/** The file name inside the configuration folder. */
export const SETTINGS_FILE_NAME = 'settings.json';

/** Fresh defaults: no probes, no saved window. */
export function defaultState(): PersistedState {
  return { version: 1, settings: structuredClone(DEFAULT_SETTINGS), probes: [], windowBounds: null };
}

const boundsSchema = v.nullable(
  v.strictObject({
    x: v.optional(v.pipe(v.number('windowBounds.x must be a number'), v.integer('windowBounds.x must be a whole number'))),
    y: v.optional(v.pipe(v.number('windowBounds.y must be a number'), v.integer('windowBounds.y must be a whole number'))),
    width: v.pipe(v.number('windowBounds.width must be a number'), v.integer('windowBounds.width must be a whole number'), v.minValue(1, 'windowBounds.width must be positive')),
    height: v.pipe(v.number('windowBounds.height must be a number'), v.integer('windowBounds.height must be a whole number'), v.minValue(1, 'windowBounds.height must be positive')),
  }),
);

/** Checks a whole persisted document; never throws. */
export function validateState(input: unknown): { ok: true; value: PersistedState } | { ok: false; error: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, error: 'the file does not hold a JSON object' };
  const doc = input as Record<string, unknown>;
  if (doc.version !== 1) return { ok: false, error: `unknown version ${JSON.stringify(doc.version)} (expected 1)` };
  const unknown = Object.keys(doc).filter((key) => !['version', 'settings', 'probes', 'windowBounds'].includes(key));
  if (unknown.length > 0) return { ok: false, error: `unknown field(s): ${unknown.join(', ')}` };
  const settings = validate(settingsSchema, doc.settings);
  if (!settings.ok) return { ok: false, error: `settings: ${settings.error}` };
  const probes = validateProbeList(doc.probes ?? []);
  if (!probes.ok) return { ok: false, error: probes.error };
  const bounds = validate(boundsSchema, doc.windowBounds ?? null);
  if (!bounds.ok) return { ok: false, error: bounds.error };
  return { ok: true, value: { version: 1, settings: settings.value, probes: probes.value, windowBounds: bounds.value } };
}

const READ_REASONS = FILE_REASONS;

/** Options of {@link JsonSettingsStore}. */
export interface JsonSettingsStoreOptions {
  /** Wall clock for the name of a moved-aside file (epoch ms); injectable for tests. */
  now?: () => number;
  /** Options of the lock between processes (tests shorten the waits). */
  lock?: FileLockOptions;
  /** Watch the folder for other processes' writes while someone listens (default true). */
  watch?: boolean;
}

/** How long a burst of file events is left to settle before the file is re-read. */
const WATCH_SETTLE_MS = 30;

type FileRead = { kind: 'missing' } | { kind: 'unreadable'; reason: string; code: string | null } | { kind: 'text'; text: string };

type Parsed = { ok: true; state: PersistedState } | { ok: false; problem: string };

function parseState(text: string): Parsed {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { ok: false, problem: `it is not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const checked = validateState(parsed);
  return checked.ok ? { ok: true, state: checked.value } : { ok: false, problem: `it is invalid (${checked.error})` };
}

function serialize(state: PersistedState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** A {@link SettingsStore} on one JSON file, shared safely between processes (see the module comment). */
export class JsonSettingsStore implements SettingsStore {
  private readonly now: () => number;
  private readonly lockPath: string;
  /** The one queue: loads, updates and re-reads of this store run one at a time, in order. */
  private tail: Promise<unknown> = Promise.resolve();
  /** The newest document this store has read or written, and the file text it came from. */
  private known: PersistedState = defaultState();
  private knownText: string | null = null;
  private readonly listeners = new Set<(state: PersistedState) => void>();
  private watcher: FSWatcher | null = null;
  private settleTimer: ReturnType<typeof setTimeout> | null = null;

  /** `file` is the settings file itself, for example `join(defaultConfigDir(…), SETTINGS_FILE_NAME)`. */
  constructor(
    readonly file: string,
    private readonly options: JsonSettingsStoreOptions = {},
  ) {
    this.now = options.now ?? ((): number => Date.now());
    this.lockPath = `${file}.lock`;
  }

  /**
   * Loads the state. A missing file gives the defaults silently; a corrupt or invalid one is
   * renamed to `<file>.corrupt-<time>` and the defaults load with a notice; an unreadable one
   * (permissions, a lock) gives the defaults with a notice and is left in place. Temporary files
   * of interrupted writes are removed first, under the lock (never while another process writes).
   */
  load(): Promise<LoadedState> {
    return this.serially(async () => {
      // Without the lock (no folder yet, a read-only one, a holder that does not let go) nothing is
      // cleaned up, but the file can still be read.
      const release = await acquireFileLock(this.lockPath, this.options.lock).catch(() => null);
      try {
        // Where the writer puts them: next to the file itself, which a link may name elsewhere.
        if (release !== null) await removeStaleTemps(await realpath(this.file).catch(() => this.file));
        return await this.loadFile();
      } finally {
        await release?.();
      }
    });
  }

  /**
   * Applies `change` to the newest document on disk and writes the result atomically (mode 0600,
   * creating the folder if needed), in this store's queue and under the file's lock. A file that
   * turned corrupt meanwhile is moved aside and the change applies to the last good document.
   * Rejects with the change's own error or a {@link WriteError} in words; nothing is half-saved.
   */
  update(change: StateChange): Promise<PersistedState> {
    return this.serially(async () => {
      await this.ensureFolder();
      const release = await this.lock();
      try {
        const current = await this.readForUpdate();
        const next = change(structuredClone(current.state));
        const text = serialize(next);
        // Nothing to write when the change changed nothing (deleting twice, the same bounds).
        if (text !== current.text) await writeFileAtomic(this.file, text, { mode: 0o600, throughLink: true });
        this.adopt(next, text);
        return structuredClone(next);
      } finally {
        await release();
      }
    });
  }

  /** Every newer document, in order; watching the folder starts with the first listener. */
  onChange(listener: (state: PersistedState) => void): Unsubscribe {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.startWatching();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopWatching();
    };
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    // A failed task does not block the next.
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async lock(): Promise<() => Promise<void>> {
    try {
      return await acquireFileLock(this.lockPath, this.options.lock);
    } catch (error) {
      if (error instanceof LockBusyError) throw new WriteError(`cannot save the settings: ${error.message}`, error.code);
      const code = codeOf(error);
      const reasons: Record<string, string> = { ...READ_REASONS, EROFS: 'the file system is read-only', ENOSPC: 'the disk is full' };
      const reason = (code !== null ? reasons[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
      throw new WriteError(`cannot save the settings: cannot create the lock file ${this.lockPath}: ${reason}`, code);
    }
  }

  private async ensureFolder(): Promise<void> {
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
    } catch (error) {
      const code = codeOf(error);
      const reasons: Record<string, string> = { ...READ_REASONS, EEXIST: 'a file is where the folder should be', EROFS: 'the file system is read-only' };
      const reason = (code !== null ? reasons[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
      throw new WriteError(`cannot create the folder ${path.dirname(this.file)}: ${reason}`, code);
    }
  }

  private async readFileText(): Promise<FileRead> {
    try {
      return { kind: 'text', text: await readFile(this.file, 'utf8') };
    } catch (error) {
      const code = codeOf(error);
      if (code === 'ENOENT') return { kind: 'missing' };
      const reason = (code !== null ? READ_REASONS[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
      return { kind: 'unreadable', reason, code };
    }
  }

  private async loadFile(): Promise<LoadedState> {
    const read = await this.readFileText();
    if (read.kind === 'missing') {
      this.known = defaultState();
      this.knownText = null;
      return { state: defaultState(), notice: null };
    }
    if (read.kind === 'unreadable') {
      return { state: defaultState(), notice: `Cannot read the settings file ${this.file}: ${read.reason}. Using the defaults; changes may not be saved.` };
    }
    const parsed = parseState(read.text);
    if (parsed.ok) {
      this.known = parsed.state;
      this.knownText = read.text;
      return { state: structuredClone(parsed.state), notice: null };
    }
    const aside = await this.moveAside();
    const where = aside.ok ? `It was moved to ${aside.path}` : `It could not be moved aside (${aside.error}) and will be replaced on the next save`;
    return { state: defaultState(), notice: `The settings file ${this.file} was ignored because ${parsed.problem}. ${where}; the defaults are in use.` };
  }

  /** The newest document, read inside the lock, and the text on disk (null: none, or moved aside). */
  private async readForUpdate(): Promise<{ state: PersistedState; text: string | null }> {
    const read = await this.readFileText();
    // Deleted behind our back: rather the last document we knew than the defaults (no data lost).
    if (read.kind === 'missing') return { state: this.known, text: null };
    if (read.kind === 'unreadable') throw new WriteError(`cannot save the settings: cannot read ${this.file}: ${read.reason}`, read.code);
    if (read.text === this.knownText) return { state: this.known, text: read.text };
    const parsed = parseState(read.text);
    if (parsed.ok) return { state: parsed.state, text: read.text };
    // Damaged since we read it (a hand edit?): keep it for the user, continue from the last good one.
    await this.moveAside();
    return { state: this.known, text: null };
  }

  /** Records a newer document and tells the listeners. */
  private adopt(state: PersistedState, text: string): void {
    const changed = text !== this.knownText;
    this.known = state;
    this.knownText = text;
    if (!changed) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(structuredClone(state));
      } catch (error) {
        // One faulty listener must not fail the write that already happened, nor the others.
        console.error('settings listener failed:', error);
      }
    }
  }

  private startWatching(): void {
    if (this.options.watch === false || this.watcher !== null) return;
    const folder = path.dirname(this.file);
    const name = path.basename(this.file);
    try {
      // The folder, not the file: an atomic write replaces the file (a new inode) every time.
      mkdirSync(folder, { recursive: true });
      this.watcher = watch(folder, { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) this.scheduleReread();
      });
      this.watcher.on('error', () => this.stopWatching());
    } catch {
      // No watching (no inotify watches left, an unreadable folder): every update still re-reads
      // the file under the lock, so nothing is lost; the other process's edits show up later.
      this.watcher = null;
    }
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    this.settleTimer = null;
  }

  private scheduleReread(): void {
    if (this.settleTimer !== null) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      void this.serially(() => this.reread()).catch(() => undefined);
    }, WATCH_SETTLE_MS);
    this.settleTimer.unref();
  }

  /** After a file event: a valid file that differs from what we know is another process's write. */
  private async reread(): Promise<void> {
    if (this.listeners.size === 0) return;
    const read = await this.readFileText();
    if (read.kind !== 'text' || read.text === this.knownText) return;
    const parsed = parseState(read.text);
    // An invalid file is left to the next load or update, which move it aside.
    if (parsed.ok) this.adopt(parsed.state, read.text);
  }

  private moveAside(): Promise<{ ok: true; path: string } | { ok: false; error: string }> {
    return moveAside(this.file, this.now());
  }
}

/** Environment variables {@link defaultConfigDir} reads. */
export interface ConfigEnv {
  XDG_CONFIG_HOME?: string;
  XDG_DATA_HOME?: string;
  APPDATA?: string;
  LOCALAPPDATA?: string;
}

/**
 * The OS convention for the configuration folder, pure over its inputs: `%APPDATA%\Portwatch` on
 * Windows, `~/Library/Application Support/Portwatch` on macOS, `$XDG_CONFIG_HOME/portwatch` (else
 * `~/.config/portwatch`) elsewhere. Relative variables are ignored, as the XDG spec says.
 */
export function defaultConfigDir(platform: NodeJS.Platform, env: ConfigEnv, homedir: string): string {
  if (platform === 'win32') {
    const appData = env.APPDATA;
    const base = appData !== undefined && path.win32.isAbsolute(appData) ? appData : path.win32.join(homedir, 'AppData', 'Roaming');
    return path.win32.join(base, 'Portwatch');
  }
  if (platform === 'darwin') return path.posix.join(homedir, 'Library', 'Application Support', 'Portwatch');
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg !== undefined && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(homedir, '.config');
  return path.posix.join(base, 'portwatch');
}

/** The connection journal's file name inside the data folder. */
export const JOURNAL_FILE_NAME = 'journal.db';

/**
 * The OS convention for the data folder (the journal lives there), pure over its inputs:
 * `%LOCALAPPDATA%\\Portwatch` on Windows (machine-local, not roaming: the journal describes this
 * machine), `~/Library/Application Support/Portwatch` on macOS, `$XDG_DATA_HOME/portwatch` (else
 * `~/.local/share/portwatch`) elsewhere. Relative variables are ignored, as the XDG spec says.
 */
export function defaultDataDir(platform: NodeJS.Platform, env: ConfigEnv, homedir: string): string {
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA;
    const base = local !== undefined && path.win32.isAbsolute(local) ? local : path.win32.join(homedir, 'AppData', 'Local');
    return path.win32.join(base, 'Portwatch');
  }
  if (platform === 'darwin') return defaultConfigDir(platform, env, homedir);
  const xdg = env.XDG_DATA_HOME;
  const base = xdg !== undefined && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(homedir, '.local', 'share');
  return path.posix.join(base, 'portwatch');
}
