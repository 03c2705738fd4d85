/**
 * The settings store: one JSON file written atomically. On load it is validated with the
 * contract's schemas; a corrupt or invalid file is moved aside (kept for the user, never deleted)
 * and the defaults load, with a notice saying so.
 */
import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as v from 'valibot';
import type { LoadedState, PersistedState, SettingsStore } from '../core/settings-store';
import { DEFAULT_SETTINGS } from '../../shared/defaults';
import { validateProbeList } from '../../shared/probes';
import { settingsSchema, validate } from '../../shared/schemas';
import { WriteError, writeFileAtomic } from './atomic-write';
import { FILE_REASONS, errorCode, moveAside } from './move-aside';

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
const codeOf = errorCode;

/** Options of {@link JsonSettingsStore}. */
export interface JsonSettingsStoreOptions {
  /** Wall clock for the name of a moved-aside file (epoch ms); injectable for tests. */
  now?: () => number;
}

/** A {@link SettingsStore} on one JSON file. */
export class JsonSettingsStore implements SettingsStore {
  private readonly now: () => number;

  /** `file` is the settings file itself, for example `join(defaultConfigDir(…), SETTINGS_FILE_NAME)`. */
  constructor(
    readonly file: string,
    options: JsonSettingsStoreOptions = {},
  ) {
    this.now = options.now ?? ((): number => Date.now());
  }

  /**
   * Loads the state. A missing file gives the defaults silently; a corrupt or invalid one is
   * renamed to `<file>.corrupt-<time>` and the defaults load with a notice; an unreadable one
   * (permissions, a lock) gives the defaults with a notice and is left in place.
   */
  async load(): Promise<LoadedState> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      const code = codeOf(error);
      if (code === 'ENOENT') return { state: defaultState(), notice: null };
      const reason = (code !== null ? READ_REASONS[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
      return { state: defaultState(), notice: `Cannot read the settings file ${this.file}: ${reason}. Using the defaults; changes may not be saved.` };
    }
    let parsed: unknown;
    let problem: string | null = null;
    try {
      parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (error) {
      problem = `it is not valid JSON (${error instanceof Error ? error.message : String(error)})`;
    }
    if (problem === null) {
      const checked = validateState(parsed);
      if (checked.ok) return { state: checked.value, notice: null };
      problem = `it is invalid (${checked.error})`;
    }
    const aside = await this.moveAside();
    const where = aside.ok ? `It was moved to ${aside.path}` : `It could not be moved aside (${aside.error}) and will be replaced on the next save`;
    return { state: defaultState(), notice: `The settings file ${this.file} was ignored because ${problem}. ${where}; the defaults are in use.` };
  }

  /**
   * Validates, then writes atomically (creating the folder if needed). Rejects with a message in
   * words; an invalid state is refused before anything is written, so nothing is half-saved.
   */
  async save(state: PersistedState): Promise<void> {
    const checked = validateState(state);
    if (!checked.ok) throw new Error(`settings not saved: ${checked.error}`);
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
    } catch (error) {
      const code = codeOf(error);
      const reasons: Record<string, string> = { ...READ_REASONS, EEXIST: 'a file is where the folder should be', EROFS: 'the file system is read-only' };
      const reason = (code !== null ? reasons[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
      throw new WriteError(`cannot create the folder ${path.dirname(this.file)}: ${reason}`, code);
    }
    await writeFileAtomic(this.file, `${JSON.stringify(checked.value, null, 2)}\n`, { mode: 0o600 });
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
