/**
 * The main window, hardened per Electron's security checklist: the pinned webPreferences of
 * window-options.ts, a CSP, no permissions, no navigation, no new windows (http(s) links go to the
 * system browser), and its size and position remembered on a visible display.
 */
import { BrowserWindow, screen, session, shell } from 'electron';
import type { Session } from 'electron';
import type { SavedBounds } from '../core/settings-store';
import { CONTENT_SECURITY_POLICY, allowPermission, isSafeExternalUrl } from './security';
import { DEFAULT_BOUNDS, createWindowOptions } from './window-options';
import { boundsChanged, restoreBounds } from './window-bounds';

/** What {@link createMainWindow} needs. */
export interface MainWindowOptions {
  preloadPath: string;
  rendererPath: string;
  /** The bounds saved last time, or null. */
  savedBounds: SavedBounds | null;
  /** Called (debounced) when the user moved or resized the window. */
  saveBounds(bounds: SavedBounds): void;
}

/** How long the window must stay still before its bounds are saved, ms. */
const SAVE_BOUNDS_DELAY_MS = 500;

/**
 * Locks down a session: every permission request and check is denied, and responses get the CSP
 * header (the renderer's meta tag carries the same policy for file:// pages).
 */
export function hardenSession(target: Session = session.defaultSession): void {
  target.setPermissionRequestHandler((_contents, permission, callback) => callback(allowPermission(permission)));
  target.setPermissionCheckHandler((_contents, permission) => allowPermission(permission));
  target.setDevicePermissionHandler(() => false);
  target.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-security-policy') delete headers[name];
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
}

/** Creates, hardens and loads the main window (shown once it has painted). */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const bounds = restoreBounds(
    options.savedBounds,
    screen.getAllDisplays().map((display) => display.workArea),
    DEFAULT_BOUNDS,
  );
  const base = createWindowOptions(options.preloadPath, bounds);
  const window = new BrowserWindow({
    ...base,
    // Restated literally (createWindowOptions already sets them) so static auditors such as
    // electronegativity see the security settings at the BrowserWindow call itself.
    webPreferences: {
      ...base.webPreferences,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  const contents = window.webContents;

  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });

  let saveTimer: NodeJS.Timeout | null = null;
  let lastSaved: SavedBounds | null = options.savedBounds;
  const saveSoon = (): void => {
    if (saveTimer !== null) clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, SAVE_BOUNDS_DELAY_MS);
  };
  function saveNow(): void {
    saveTimer = null;
    // Maximised, minimised or full-screen geometry is not what the user sized the window to.
    if (window.isDestroyed() || window.isMinimized() || window.isMaximized() || window.isFullScreen()) return;
    const next = window.getNormalBounds();
    if (!boundsChanged(lastSaved, next)) return;
    lastSaved = next;
    options.saveBounds(next);
  }
  window.on('resize', saveSoon);
  window.on('move', saveSoon);
  window.on('close', saveNow);

  window.once('ready-to-show', () => window.show());
  void window.loadFile(options.rendererPath);
  return window;
}
