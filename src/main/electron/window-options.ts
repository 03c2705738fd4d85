/**
 * The one place the main window's options are decided. Security-relevant defaults are pinned here
 * and asserted by a unit test: context isolation, the renderer sandbox, no Node integration.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

/** Saved window geometry. */
export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

/** Default size of a new window. */
export const DEFAULT_BOUNDS: WindowBounds = { width: 1280, height: 800 };

/** Options for the main window; `preloadPath` is the bundled preload script. */
export function createWindowOptions(preloadPath: string, bounds: WindowBounds = DEFAULT_BOUNDS): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Portwatch',
    backgroundColor: '#1b1d23',
    autoHideMenuBar: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    },
  };
}
