/**
 * Updates from GitHub releases through electron-updater, with every decision in the pure
 * {@link UpdateController} (src/main/core/update-policy.ts). Automatic download and install are OFF:
 * the tray offers a release, the user's click downloads it (electron-updater verifies its SHA-512),
 * a second click restarts into it. Only installed builds check (a development build has no
 * app-update.yml and would only log errors).
 */
import { Notification } from 'electron';
import electronUpdater from 'electron-updater';
import type { UpdateInfo } from 'electron-updater';
import { join } from 'node:path';
import { feedFromUpdateInfo, nextCheckAt, UpdateController } from '../core/update-policy';
import type { UpdatePreferences, UpdateState } from '../core/update-policy';
import { readUpdateMemory, writeUpdateMemory } from '../node/update-memory';
import type { UpdateMemory } from '../node/update-memory';

/** What {@link setupUpdates} needs. */
export interface UpdatesOptions {
  /** This build's version. */
  version: string;
  /** False for a development build (no update feed): updates stay off and say why. */
  packaged: boolean;
  /** The folder for updates.json (the app's userData). */
  dataFolder: string;
  now(): number;
  /** The state changed: rebuild the tray menu. */
  onState(state: UpdateState): void;
  /** A notification was clicked. */
  showWindow(): void;
}

/** The running update checker. */
export interface Updates {
  state(): UpdateState;
  /** The user's click on the tray entry (download, then install). */
  accept(): void;
  /** "Check for updates" clicked. */
  checkNow(): void;
  dispose(): void;
}

/** Starts the daily check (first one shortly after start). */
export async function setupUpdates(options: UpdatesOptions): Promise<Updates> {
  const file = join(options.dataFolder, 'updates.json');
  const memory: UpdateMemory = await readUpdateMemory(file);
  const remember = (): void => {
    writeUpdateMemory(file, memory).catch((error: unknown) => console.error(`portwatch: cannot save ${file}: ${String(error)}`));
  };
  const prefs = (): UpdatePreferences => ({
    enabled: memory.enabled && options.packaged,
    // A pre-release build keeps following pre-releases, as electron-updater does by default.
    allowPrerelease: options.version.includes('-'),
    skippedVersion: memory.skippedVersion,
  });

  const { autoUpdater } = electronUpdater;
  autoUpdater.autoDownload = false;
  autoUpdater.autoInstallOnAppQuit = false;
  autoUpdater.allowDowngrade = false;
  // electron-updater logs through console by default; a failed check is reported in our state.
  autoUpdater.logger = null;

  const controller = new UpdateController(options.version, prefs(), {
    check: async () => {
      const result = await autoUpdater.checkForUpdates();
      const info: UpdateInfo | undefined = result?.updateInfo;
      return info === undefined ? null : feedFromUpdateInfo(info);
    },
    download: async (onProgress) => {
      const listener = (progress: { percent: number }): void => onProgress(progress.percent);
      autoUpdater.on('download-progress', listener);
      try {
        await autoUpdater.downloadUpdate();
      } finally {
        autoUpdater.off('download-progress', listener);
      }
    },
    install: () => autoUpdater.quitAndInstall(false, true),
    notify: (version, title, body) => {
      memory.notifiedVersions = [...memory.notifiedVersions, version].slice(-10);
      remember();
      if (!Notification.isSupported()) return;
      const notification = new Notification({ title, body });
      notification.on('click', () => options.showWindow());
      notification.show();
    },
    changed: (state) => options.onState(state),
  }, memory.notifiedVersions);

  let timer: NodeJS.Timeout | null = null;
  const startedAt = options.now();
  const schedule = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const due = nextCheckAt(prefs(), startedAt, controller.lastCheck());
    if (due === null) return;
    timer = setTimeout(() => void controller.check(options.now()).finally(schedule), Math.max(0, due - options.now()));
    timer.unref();
  };
  if (!options.packaged) options.onState({ kind: 'idle', note: 'updates are checked by installed builds only' });
  schedule();

  return {
    state: () => controller.state(),
    accept: () => void controller.accept(),
    checkNow: () => {
      if (!options.packaged) return options.onState({ kind: 'error', message: 'this is a development build: updates come with installed builds' });
      void controller.check(options.now()).finally(schedule);
    },
    dispose: () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
