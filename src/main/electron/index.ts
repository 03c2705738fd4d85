/**
 * The Electron composition root: single instance, app-wide hardening, the settings file in
 * `userData`, the service (collector in a worker thread, probes, export, process control), then the
 * shell (window, IPC, tray, notifications, menu). Each step is one setupX() call, in order, from
 * onReady().
 */
import { app, dialog } from 'electron';
import type { BrowserWindow } from 'electron';
import { dirname, join } from 'node:path';
import type { PortwatchService } from '../core/service';
import { writeFileAtomic } from '../node/atomic-write';
import { workerBundlePath } from '../node/bundle-paths';
import { createNodeService } from '../node/create-service';
import { JOURNAL_FILE_NAME, JsonSettingsStore, SETTINGS_FILE_NAME, defaultDataDir } from '../node/settings-file';
import { systemClock } from '../node/system-clock';
import { createExporter, createSnapshotExporter } from './exporter';
import { SharedStateStore } from './shared-state-store';
import { startShell } from './shell';
import type { Shell } from './shell';
import { hardenSession } from './window';

/** How long quitting waits for the collector worker and probes to stop, ms. */
const STOP_TIMEOUT_MS = 3_000;

let shell: Shell | null = null;
let service: PortwatchService | null = null;
let stopped = false;

/** Navigation and new windows are refused for every web contents, not just the main window. */
function setupAppHardening(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (navigation) => navigation.preventDefault());
    contents.on('will-attach-webview', (attach) => attach.preventDefault());
    // The main window replaces this with its own handler (which may pass http(s) links to the
    // system browser); any other web contents gets no new windows and no external links at all.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  hardenSession();
}

/** The service, with the desktop's exporter (save dialog + atomic write). */
async function setupService(store: SharedStateStore, window: () => BrowserWindow | null): Promise<PortwatchService> {
  const showError = (title: string, message: string): void => dialog.showErrorBox(title, message);
  const save = createExporter({
    showSaveDialog: (options) => {
      const parent = window();
      return parent !== null ? dialog.showSaveDialog(parent, options) : dialog.showSaveDialog(options);
    },
    showError,
    writeFile: writeFileAtomic,
    now: () => systemClock.now(),
    defaultFolder: app.getPath('documents'),
    join,
    dirname,
  });
  const { service } = await createNodeService({
    store,
    workerPath: workerBundlePath(),
    capabilities: { transport: 'ipc', nativeSaveDialog: true, tray: true, platform: process.platform, version: __PORTWATCH_VERSION__ },
    exporter: (request, context) => createSnapshotExporter(() => context.snapshot(), save, __PORTWATCH_VERSION__, showError)(request),
    journalFile: journalFile(),
  });
  return service;
}

/**
 * The journal in the data folder, where `portwatch history` looks by default; with a separate
 * profile (PORTWATCH_USER_DATA) it stays inside that profile.
 */
function journalFile(): string {
  const profile = process.env.PORTWATCH_USER_DATA;
  const dir = profile !== undefined && profile !== '' ? app.getPath('userData') : defaultDataDir(process.platform, process.env, app.getPath('home'));
  return join(dir, JOURNAL_FILE_NAME);
}

async function onReady(): Promise<void> {
  setupAppHardening();
  if (process.platform === 'win32') app.setAppUserModelId('org.portwatch.app');
  const store = new SharedStateStore(new JsonSettingsStore(join(app.getPath('userData'), SETTINGS_FILE_NAME)));
  await store.load();
  service = await setupService(store, () => shell?.window() ?? null);
  shell = await startShell({
    service,
    store,
    now: () => systemClock.now(),
    version: __PORTWATCH_VERSION__,
    packaged: app.isPackaged,
    paths: {
      userData: app.getPath('userData'),
      preload: join(__dirname, '../preload/index.js'),
      renderer: join(__dirname, '../renderer/index.html'),
      // Packaged: copied by electron-builder's extraResources; unpackaged: straight from the repo.
      trayIcons: app.isPackaged ? join(process.resourcesPath, 'tray') : join(app.getAppPath(), 'resources', 'tray'),
    },
  });
  if (process.env.PORTWATCH_E2E === '1') {
    // Read by the Electron e2e suite through electronApp.evaluate(); nothing else uses it.
    (globalThis as { portwatchE2E?: unknown }).portwatchE2E = { trayView: () => shell?.trayView() ?? null };
  }
}

function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`portwatch: cannot start: ${message}`);
  dialog.showErrorBox('Portwatch cannot start', message);
  app.exit(1);
}

// A separate profile folder (settings, window bounds, and its own single-instance lock): used by the
// e2e suite, and handy for a portable install. Must be set before the lock and before 'ready'.
const userData = process.env.PORTWATCH_USER_DATA;
if (userData !== undefined && userData !== '') app.setPath('userData', userData);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => shell?.showWindow());
  app.on('activate', () => shell?.showWindow());
  app.on('window-all-closed', () => {
    // With close-to-tray the window only hides; this runs when it was really closed.
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', (event) => {
    if (stopped || service === null) return;
    // Stop the collector worker and probes first (bounded), then quit for real.
    event.preventDefault();
    stopped = true;
    shell?.dispose();
    const running = service;
    void Promise.race([running.stop(), new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS))])
      .catch((error: unknown) => console.error(`portwatch: stopping failed: ${String(error)}`))
      .finally(() => app.quit());
  });
  app.whenReady().then(onReady).catch(fail);
}
