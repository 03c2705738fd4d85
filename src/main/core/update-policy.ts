/**
 * Application updates, decided without Electron: when to check, whether a release found in the feed
 * is offered, and what the tray and the notification say at each step. The Electron glue
 * (src/main/electron/updater.ts) runs electron-updater with automatic download and install OFF and
 * only does what {@link UpdateController} asks, so nothing is downloaded or installed without the
 * user's consent.
 *
 * Flow: idle → checking → available (offered in the tray and once as a notification) → the user
 * chooses "Download" → downloading → downloaded → the user chooses "Restart to install" → install.
 * "Skip this version" silences one version for good; a newer one is offered again.
 */

/** How often a running app looks for a new release, ms (daily). */
export const UPDATE_CHECK_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** How long after start the first check waits, ms (the app settles first; the network may be slow). */
export const UPDATE_FIRST_CHECK_DELAY_MS = 30_000;

/** One downloadable file of a release, as electron-builder's feed (latest*.yml) lists it. */
export interface UpdateFile {
  url: string;
  sha512: string;
  size?: number;
}

/** A release as the update feed describes it (the subset of electron-updater's `UpdateInfo` we use). */
export interface UpdateFeed {
  version: string;
  files: UpdateFile[];
  releaseDate: string | null;
  releaseName: string | null;
  /** Plain text or HTML from the release page; shown as text only. */
  releaseNotes: string | null;
}

/** What the user told us about updates (kept in the app's settings). */
export interface UpdatePreferences {
  /** Look for updates at start and daily. */
  enabled: boolean;
  /** Offer pre-releases (versions with a `-beta.1`-style suffix). */
  allowPrerelease: boolean;
  /** A version the user chose to skip; null when none. */
  skippedVersion: string | null;
}

/** A parsed semantic version. */
interface SemVer {
  core: [number, number, number];
  prerelease: string[];
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Parses `1.2.3`, `v1.2.3-beta.2+build`; null when it is not a semantic version. */
export function parseVersion(text: string): SemVer | null {
  const match = SEMVER.exec(text.trim());
  if (match === null) return null;
  return {
    core: [Number(match[1]), Number(match[2]), Number(match[3])],
    prerelease: match[4] === undefined ? [] : match[4].split('.'),
  };
}

/** True for a version with a pre-release part (`2.0.0-rc.1`). */
export function isPrerelease(version: string): boolean {
  return (parseVersion(version)?.prerelease.length ?? 0) > 0;
}

function compareIdentifiers(a: string, b: string): number {
  const numeric = /^\d+$/;
  const an = numeric.test(a);
  const bn = numeric.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  // SemVer §11: numeric identifiers sort before alphanumeric ones.
  if (an !== bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders two versions by SemVer precedence (build metadata ignored): negative when `a` is older.
 * Throws on text that is not a version, so a malformed feed never reads as "newer".
 */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (left === null) throw new Error(`not a version: ${JSON.stringify(a.slice(0, 40))}`);
  if (right === null) throw new Error(`not a version: ${JSON.stringify(b.slice(0, 40))}`);
  for (let i = 0; i < 3; i += 1) {
    const diff = (left.core[i] ?? 0) - (right.core[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  // A release sorts after its pre-releases (1.0.0 > 1.0.0-rc.1).
  if (left.prerelease.length === 0 || right.prerelease.length === 0) return Math.sign(right.prerelease.length - left.prerelease.length);
  const length = Math.max(left.prerelease.length, right.prerelease.length);
  for (let i = 0; i < length; i += 1) {
    const l = left.prerelease[i];
    const r = right.prerelease[i];
    if (l === undefined) return -1;
    if (r === undefined) return 1;
    const diff = compareIdentifiers(l, r);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Whether a release from the feed is offered, and why not when it is not. */
export type OfferDecision = { offer: true; version: string } | { offer: false; reason: string };

/**
 * Decides whether `feed` is offered to a user running `current`. Never offers a malformed feed, an
 * older or equal version, a skipped version, or a pre-release the user did not ask for.
 */
export function decideOffer(current: string, feed: UpdateFeed, prefs: UpdatePreferences): OfferDecision {
  if (parseVersion(feed.version) === null) return { offer: false, reason: `the update feed names no valid version (${JSON.stringify(feed.version.slice(0, 40))})` };
  if (parseVersion(current) === null) return { offer: false, reason: `this build's version ${JSON.stringify(current)} is not a release version` };
  if (feed.files.length === 0) return { offer: false, reason: `release ${feed.version} lists no file to download` };
  if (feed.files.some((file) => !/^[A-Za-z0-9+/]{86}==$/.test(file.sha512))) {
    return { offer: false, reason: `release ${feed.version} lists a file without a valid SHA-512 checksum` };
  }
  if (compareVersions(feed.version, current) <= 0) return { offer: false, reason: `Portwatch ${current} is up to date` };
  if (isPrerelease(feed.version) && !prefs.allowPrerelease) return { offer: false, reason: `${feed.version} is a pre-release` };
  if (prefs.skippedVersion !== null && parseVersion(prefs.skippedVersion) !== null && compareVersions(feed.version, prefs.skippedVersion) === 0) {
    return { offer: false, reason: `${feed.version} was skipped` };
  }
  return { offer: true, version: feed.version };
}

/**
 * When the next check is due: {@link UPDATE_FIRST_CHECK_DELAY_MS} after start, then every
 * {@link UPDATE_CHECK_INTERVAL_MS} after the last check began (whatever its outcome, so a failing
 * network is not hammered). Null when checks are off.
 */
export function nextCheckAt(prefs: UpdatePreferences, startedAt: number, lastCheckAt: number | null): number | null {
  if (!prefs.enabled) return null;
  if (lastCheckAt === null) return startedAt + UPDATE_FIRST_CHECK_DELAY_MS;
  return lastCheckAt + UPDATE_CHECK_INTERVAL_MS;
}

/** Where the update flow stands. */
export type UpdateState =
  | { kind: 'idle'; note: string | null }
  | { kind: 'checking' }
  | { kind: 'available'; version: string; notes: string | null }
  | { kind: 'downloading'; version: string; percent: number }
  | { kind: 'downloaded'; version: string }
  | { kind: 'error'; message: string };

/** What the user can do next, as one tray menu entry; null when there is nothing to do. */
export interface UpdateMenuEntry {
  label: string;
  /** False for a progress line (not clickable). */
  enabled: boolean;
}

/** The tray entry for a state. */
export function updateMenuEntry(state: UpdateState): UpdateMenuEntry | null {
  switch (state.kind) {
    case 'available':
      return { label: `Download Portwatch ${state.version}…`, enabled: true };
    case 'downloading':
      return { label: `Downloading ${state.version}: ${Math.floor(state.percent)} %`, enabled: false };
    case 'downloaded':
      return { label: `Restart to install Portwatch ${state.version}`, enabled: true };
    case 'idle':
    case 'checking':
    case 'error':
      return null;
  }
}

/** Side effects the controller asks the shell to perform (electron-updater calls, UI). */
export interface UpdateEffects {
  /** Asks the feed for the latest release; resolves null when there is none for this platform. */
  check(): Promise<UpdateFeed | null>;
  /** Downloads the offered release (electron-updater verifies its SHA-512). */
  download(onProgress: (percent: number) => void): Promise<void>;
  /** Quits and installs the downloaded release. */
  install(): void;
  /** Shows a notification (once per offered version, across restarts: remember `version`). */
  notify(version: string, title: string, body: string): void;
  /** The state changed (tray menu, settings page). */
  changed(state: UpdateState): void;
}

/**
 * The update flow. It only ever downloads after {@link UpdateController.accept} and only installs
 * after a second {@link UpdateController.accept} on a downloaded release: both are the user's clicks.
 */
export class UpdateController {
  private current: UpdateState = { kind: 'idle', note: null };
  private lastCheckAt: number | null = null;
  private readonly notified: Set<string>;

  /** `notified`: versions already announced by a notification (in an earlier run too). */
  constructor(
    private readonly version: string,
    private prefs: UpdatePreferences,
    private readonly effects: UpdateEffects,
    notified: readonly string[] = [],
  ) {
    this.notified = new Set(notified);
  }

  /** The state now. */
  state(): UpdateState {
    return this.current;
  }

  /** When the last check began, epoch ms. */
  lastCheck(): number | null {
    return this.lastCheckAt;
  }

  /** New preferences (from Settings). A skipped version that is on offer is withdrawn at once. */
  setPreferences(prefs: UpdatePreferences): void {
    this.prefs = prefs;
    if (this.current.kind === 'available' && prefs.skippedVersion === this.current.version) {
      this.set({ kind: 'idle', note: `${this.current.version} skipped` });
    }
  }

  /** Looks for a release now (scheduled, or "Check for updates" clicked). Never throws. */
  async check(now: number): Promise<UpdateState> {
    if (this.current.kind === 'checking' || this.current.kind === 'downloading' || this.current.kind === 'downloaded') return this.current;
    this.lastCheckAt = now;
    this.set({ kind: 'checking' });
    let feed: UpdateFeed | null;
    try {
      feed = await this.effects.check();
    } catch (error) {
      return this.set({ kind: 'error', message: `could not check for updates: ${error instanceof Error ? error.message : String(error)}` });
    }
    if (feed === null) return this.set({ kind: 'idle', note: 'no release found for this platform' });
    const decision = decideOffer(this.version, feed, this.prefs);
    if (!decision.offer) return this.set({ kind: 'idle', note: decision.reason });
    if (!this.notified.has(decision.version)) {
      this.notified.add(decision.version);
      this.effects.notify(decision.version, 'A Portwatch update is available', `Version ${decision.version} is ready to download from the tray menu. Nothing is installed without your consent.`);
    }
    return this.set({ kind: 'available', version: decision.version, notes: feed.releaseNotes });
  }

  /**
   * The user's click on the tray entry: downloads an offered release, or installs a downloaded
   * one. Anything else is ignored (a stale menu).
   */
  async accept(): Promise<UpdateState> {
    const state = this.current;
    if (state.kind === 'downloaded') {
      this.effects.install();
      return state;
    }
    if (state.kind !== 'available') return state;
    this.set({ kind: 'downloading', version: state.version, percent: 0 });
    try {
      await this.effects.download((percent) => {
        if (this.current.kind === 'downloading') this.set({ kind: 'downloading', version: state.version, percent: Math.max(0, Math.min(100, percent)) });
      });
    } catch (error) {
      return this.set({ kind: 'error', message: `the download of ${state.version} failed: ${error instanceof Error ? error.message : String(error)}` });
    }
    return this.set({ kind: 'downloaded', version: state.version });
  }

  private set(state: UpdateState): UpdateState {
    this.current = state;
    this.effects.changed(state);
    return state;
  }
}

function text(value: unknown, max: number): string | null {
  return typeof value === 'string' ? value.slice(0, max) : null;
}

/**
 * Turns electron-updater's `UpdateInfo` (parsed from the release's latest*.yml, i.e. network input)
 * into an {@link UpdateFeed}, or throws with what is wrong. Release notes may be a list of
 * per-version notes; they become one text.
 */
export function feedFromUpdateInfo(info: unknown): UpdateFeed {
  if (typeof info !== 'object' || info === null) throw new Error('the update feed is not an object');
  const record = info as Record<string, unknown>;
  const version = text(record.version, 64);
  if (version === null) throw new Error('the update feed has no version');
  const rawFiles = Array.isArray(record.files) ? (record.files as unknown[]) : [];
  const files: UpdateFile[] = [];
  for (const raw of rawFiles.slice(0, 32)) {
    if (typeof raw !== 'object' || raw === null) continue;
    const file = raw as Record<string, unknown>;
    const url = text(file.url, 1024);
    const sha512 = text(file.sha512, 128);
    if (url === null || sha512 === null) continue;
    files.push(typeof file.size === 'number' ? { url, sha512, size: file.size } : { url, sha512 });
  }
  let releaseNotes: string | null = null;
  if (typeof record.releaseNotes === 'string') releaseNotes = record.releaseNotes.slice(0, 20_000);
  else if (Array.isArray(record.releaseNotes)) {
    releaseNotes = (record.releaseNotes as unknown[])
      .map((entry) => (typeof entry === 'object' && entry !== null ? text((entry as Record<string, unknown>).note, 20_000) : null))
      .filter((note): note is string => note !== null)
      .join('\n\n')
      .slice(0, 20_000);
  }
  return {
    version,
    files,
    releaseDate: text(record.releaseDate, 64),
    releaseName: text(record.releaseName, 200),
    releaseNotes,
  };
}
