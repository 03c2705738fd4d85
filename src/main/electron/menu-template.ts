/**
 * The application menu, built as a plain template (no Electron import at run time, only its types)
 * so the shortcuts and their OS conventions are unit-tested.
 *
 * - Ctrl/Cmd+E exports, Ctrl/Cmd+Q quits: registered accelerators, handled here.
 * - Ctrl/Cmd+F focuses the filter: shown with `registerAccelerator: false`, so the key reaches the
 *   renderer, which decides. Clicking the item asks the renderer through `focusFilter`.
 * - Space pauses the view in the renderer (a registered single-key accelerator would swallow it in
 *   text fields), so the menu does not claim it: its item pauses the collector itself, for every
 *   window, and says so (`togglePause`).
 */
import type { MenuItemConstructorOptions } from 'electron';

/** What the menu's own items do. */
export interface MenuCommands {
  exportCsv(): void;
  focusFilter(): void;
  togglePause(): void;
}

/** The state the menu shows. */
export interface MenuState {
  /** `process.platform`. */
  platform: string;
  paused: boolean;
  /** Show the developer tools item (unpackaged builds only). */
  devTools: boolean;
}

/** The menu template for `Menu.buildFromTemplate`. */
export function buildMenuTemplate(state: MenuState, commands: MenuCommands): MenuItemConstructorOptions[] {
  const mac = state.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: 'Portwatch',
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit', accelerator: 'Cmd+Q' },
      ],
    });
  }
  template.push({
    label: mac ? 'File' : '&File',
    submenu: [
      { id: 'export-csv', label: 'Export Snapshot to CSV…', accelerator: 'CmdOrCtrl+E', click: () => commands.exportCsv() },
      ...(mac ? [{ type: 'separator' as const }, { role: 'close' as const }] : [{ type: 'separator' as const }, { role: 'quit' as const, label: 'Quit', accelerator: 'Ctrl+Q' }]),
    ],
  });
  template.push({
    label: mac ? 'Edit' : '&Edit',
    // The standard roles make copy and paste work in the filter and form fields (macOS needs them).
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  });
  template.push({
    label: mac ? 'View' : '&View',
    submenu: [
      { id: 'focus-filter', label: 'Filter…', accelerator: 'CmdOrCtrl+F', registerAccelerator: false, click: () => commands.focusFilter() },
      { id: 'toggle-pause', label: state.paused ? 'Resume Collection (All Windows)' : 'Pause Collection (All Windows)', click: () => commands.togglePause() },
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(state.devTools ? [{ type: 'separator' as const }, { role: 'toggleDevTools' as const }] : []),
    ],
  });
  template.push({
    label: mac ? 'Window' : '&Window',
    submenu: mac ? [{ role: 'minimize' }, { role: 'zoom' }, { type: 'separator' }, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }],
  });
  if (!mac) template.push({ label: '&Help', submenu: [{ role: 'about', label: 'About Portwatch' }] });
  return template;
}
