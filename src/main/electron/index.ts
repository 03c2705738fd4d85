/**
 * The Electron composition root: each feature has a setupX() called in order from onReady().
 */
import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { createWindowOptions } from './window-options';

let mainWindow: BrowserWindow | null = null;

function setupWindow(): BrowserWindow {
  const window = new BrowserWindow(createWindowOptions(join(__dirname, '../preload/index.js')));
  window.once('ready-to-show', () => window.show());
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void window.loadFile(join(__dirname, '../renderer/index.html'));
  return window;
}

function onReady(): void {
  mainWindow = setupWindow();
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.show();
      mainWindow.focus();
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  void app.whenReady().then(onReady);
}
