/**
 * The desktop shell around a running {@link PortwatchService}: the window, the IPC bridge, the
 * tray, notifications and the application menu. Each feature has its own setup step, called in
 * order from {@link startShell}; the decisions live in pure modules, this file only connects them.
 */
import { app, Menu } from 'electron';
import type { BrowserWindow } from 'electron';
import { pathToFileURL } from 'node:url';
import type { Unsubscribe } from '../../shared/api';
import { DEFAULT_SETTINGS } from '../../shared/defaults';
import type { Settings } from '../../shared/model';
import type { PortwatchService } from '../core/service';
import type { TrayCommand, TrayView } from '../core/tray-presenter';
import { registerIpc } from './ipc';
import { buildMenuTemplate } from './menu-template';
import { setupNotifications } from './notifications';
import type { SharedStateStore } from './shared-state-store';
import { createTrayController } from './tray';
import type { TrayController } from './tray';
import { setupUpdates } from './updater';
import type { Updates } from './updater';
import { updateMenuEntry } from '../core/update-policy';
import { createMainWindow } from './window';

/** Where the shell's files are. */
export interface ShellPaths {
  preload: string;
  renderer: string;
  /** The folder of the tray PNGs. */
  trayIcons: string;
  /** The app's data folder (updates.json). */
  userData: string;
}

/** What {@link startShell} needs. */
export interface ShellDeps {
  service: PortwatchService;
  store: SharedStateStore;
  paths: ShellPaths;
  now(): number;
  /** This build's version, and whether it is an installed build (the only kind that updates). */
  version: string;
  packaged: boolean;
}

/** The running shell. */
export interface Shell {
  /** The main window (recreated on macOS when activated after it was closed). */
  window(): BrowserWindow | null;
  /** Shows and focuses the window (second instance, tray, notification click). */
  showWindow(): void;
  /** The tray's current view, for the e2e suite. */
  trayView(): TrayView | null;
  /** Removes IPC handlers, subscriptions and the tray. */
  dispose(): void;
}

/** Starts the window, IPC, tray, notifications and menu. */
export async function startShell(deps: ShellDeps): Promise<Shell> {
  const { service, store, paths } = deps;
  const settings = (): Settings => store.current()?.settings ?? DEFAULT_SETTINGS;
  const rendererUrl = pathToFileURL(paths.renderer).href;
  const cleanups: Unsubscribe[] = [];
  let quitting = false;
  let paused = false;
  let window: BrowserWindow | null = null;
  let tray: TrayController | null = null;
  let updates: Updates | null = null;
  let detachIpc: Unsubscribe | null = null;

  app.on('before-quit', () => {
    quitting = true;
  });

  // --- window and IPC ---------------------------------------------------------------------------
  function setupWindow(): BrowserWindow {
    const created = createMainWindow({
      preloadPath: paths.preload,
      rendererPath: paths.renderer,
      savedBounds: store.windowBounds(),
      saveBounds: (bounds) => {
        store.saveWindowBounds(bounds).catch((error: unknown) => console.error(`portwatch: cannot save the window position: ${String(error)}`));
      },
    });
    detachIpc = registerIpc({ service, window: created, rendererUrl });
    created.on('close', (event) => {
      // Closing hides to the tray (a setting); quitting from the menu or tray really closes.
      if (!quitting && tray !== null && settings().closeToTray) {
        event.preventDefault();
        created.hide();
      }
    });
    created.on('show', () => tray?.setWindowVisible(true));
    created.on('hide', () => tray?.setWindowVisible(false));
    created.on('focus', () => tray?.attention('window-focused', true));
    created.on('closed', () => {
      detachIpc?.();
      detachIpc = null;
      window = null;
      tray?.setWindowVisible(false);
    });
    return created;
  }

  function showWindow(): void {
    window ??= setupWindow();
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }

  function toggleWindow(): void {
    if (window !== null && window.isVisible() && window.isFocused()) window.hide();
    else if (window !== null && window.isVisible()) window.focus();
    else showWindow();
  }

  // --- commands shared by the tray and the menu -------------------------------------------------
  function exportCsv(): void {
    // The exporter shows its own error dialog; nothing else to do with a failure here.
    Promise.resolve(service.handlers.exportSnapshot({ format: 'csv' })).catch(() => undefined);
  }
  function togglePause(): void {
    const request = paused ? service.handlers.resume() : service.handlers.pause();
    Promise.resolve(request)
      .then((status) => setPaused(status.paused))
      .catch((error: unknown) => console.error(`portwatch: pause/resume failed: ${String(error)}`));
  }
  function focusFilter(): void {
    showWindow();
    // The renderer owns its shortcuts (Ctrl/Cmd+F is not a registered accelerator): replay the
    // chord into the page so a menu click and the key press take the same path.
    const modifiers: ('meta' | 'control')[] = [process.platform === 'darwin' ? 'meta' : 'control'];
    window?.webContents.sendInputEvent({ type: 'keyDown', keyCode: 'F', modifiers });
    window?.webContents.sendInputEvent({ type: 'keyUp', keyCode: 'F', modifiers });
  }
  function runTrayCommand(command: TrayCommand): void {
    switch (command) {
      case 'toggle-window':
        return toggleWindow();
      case 'toggle-pause':
        return togglePause();
      case 'export-csv':
        return exportCsv();
      case 'update-accept':
        return updates?.accept();
      case 'update-check':
        return updates?.checkNow();
      case 'quit':
        quitting = true;
        return app.quit();
    }
  }

  // --- menu -------------------------------------------------------------------------------------
  function setupMenu(): void {
    const template = buildMenuTemplate(
      { platform: process.platform, paused, devTools: !app.isPackaged },
      { exportCsv, focusFilter, togglePause },
    );
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  function setPaused(next: boolean): void {
    if (next === paused) return;
    paused = next;
    tray?.setPaused(paused);
    setupMenu();
  }

  // --- startup, in order ------------------------------------------------------------------------
  window = setupWindow();
  setupMenu();
  tray = createTrayController({
    iconFolder: paths.trayIcons,
    platform: process.platform,
    now: deps.now,
    run: runTrayCommand,
    onClick: toggleWindow,
  });
  cleanups.push(
    service.subscribe('onSnapshotDelta', (delta) => {
      tray?.setCounters(delta.counters);
      setPaused(delta.status.paused);
    }),
    service.subscribe('onStatus', (status) => setPaused(status.paused)),
    setupNotifications({
      service,
      settings: () => settings().notifications,
      now: deps.now,
      showWindow,
      onNotice: (notice) => {
        // A UDP socket opening to the network brings no new-listener notice: it needs the cue too.
        if (notice.kind === 'new-listener' || notice.kind === 'newly-exposed') tray?.attention('new-listener', window?.isFocused() ?? false);
      },
    }),
  );
  try {
    updates = await setupUpdates({
      version: deps.version,
      packaged: deps.packaged,
      dataFolder: paths.userData,
      now: deps.now,
      onState: (state) => tray?.setUpdate(updateMenuEntry(state)),
      showWindow,
    });
    cleanups.push(() => updates?.dispose());
  } catch (error) {
    // Updates are a convenience: the monitor runs without them.
    console.error(`portwatch: updates are off: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const snapshot = await service.handlers.getSnapshot();
    tray.setCounters(snapshot.counters);
    setPaused(snapshot.status.paused);
  } catch (error) {
    // The first poll failed: the tray says "waiting" and the next delta fills it in.
    console.error(`portwatch: no first snapshot for the tray: ${error instanceof Error ? error.message : String(error)}`);
  }

  return {
    window: () => window,
    showWindow,
    trayView: () => tray?.view() ?? null,
    dispose() {
      cleanups.forEach((cleanup) => cleanup());
      detachIpc?.();
      detachIpc = null;
      tray?.destroy();
      tray = null;
    },
  };
}
