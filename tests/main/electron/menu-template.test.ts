import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { buildMenuTemplate } from '../../../src/main/electron/menu-template';

/** All items of a template, flattened. */
function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
}

function commands(): { calls: string[]; exportCsv(): void; focusFilter(): void; togglePause(): void } {
  const calls: string[] = [];
  return {
    calls,
    exportCsv: () => calls.push('export'),
    focusFilter: () => calls.push('filter'),
    togglePause: () => calls.push('pause'),
  };
}

const byId = (template: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions => {
  const found = items(template).find((item) => item.id === id);
  if (found === undefined) throw new Error(`no menu item ${id}`);
  return found;
};

describe('buildMenuTemplate', () => {
  for (const platform of ['linux', 'win32', 'darwin']) {
    it(`binds Ctrl/Cmd+E to export and runs it on click (${platform})`, () => {
      const cmd = commands();
      const template = buildMenuTemplate({ platform, paused: false, devTools: false }, cmd);
      const item = byId(template, 'export-csv');
      expect(item.accelerator).toBe('CmdOrCtrl+E');
      expect(item.registerAccelerator).toBeUndefined();
      (item.click as () => void)();
      expect(cmd.calls).toEqual(['export']);
    });

    it(`shows Ctrl/Cmd+F without registering it, and pauses collection for every window without claiming Space (${platform})`, () => {
      const cmd = commands();
      const template = buildMenuTemplate({ platform, paused: false, devTools: false }, cmd);
      expect(byId(template, 'focus-filter')).toMatchObject({ accelerator: 'CmdOrCtrl+F', registerAccelerator: false });
      // Space pauses only the view, in the renderer; this item pauses the collector itself.
      expect(byId(template, 'toggle-pause')).toMatchObject({ label: 'Pause Collection (All Windows)' });
      expect(byId(template, 'toggle-pause').accelerator).toBeUndefined();
      (byId(template, 'focus-filter').click as () => void)();
      (byId(template, 'toggle-pause').click as () => void)();
      expect(cmd.calls).toEqual(['filter', 'pause']);
    });
  }

  it('has a quit item with Ctrl+Q on Linux and Windows', () => {
    for (const platform of ['linux', 'win32']) {
      const quit = items(buildMenuTemplate({ platform, paused: false, devTools: false }, commands())).find((item) => item.role === 'quit');
      expect(quit?.accelerator).toBe('Ctrl+Q');
    }
  });

  it('follows macOS conventions: an app menu first with Cmd+Q, Window menu roles, no Help about', () => {
    const template = buildMenuTemplate({ platform: 'darwin', paused: false, devTools: false }, commands());
    expect(template[0]?.label).toBe('Portwatch');
    const appMenu = template[0]?.submenu as MenuItemConstructorOptions[];
    expect(appMenu.map((item) => item.role ?? item.type)).toEqual(['about', 'separator', 'services', 'separator', 'hide', 'hideOthers', 'unhide', 'separator', 'quit']);
    expect(appMenu.at(-1)?.accelerator).toBe('Cmd+Q');
    expect(template.map((item) => item.label)).toEqual(['Portwatch', 'File', 'Edit', 'View', 'Window']);
  });

  it('uses mnemonics on Linux and Windows', () => {
    expect(buildMenuTemplate({ platform: 'win32', paused: false, devTools: false }, commands()).map((item) => item.label)).toEqual([
      '&File',
      '&Edit',
      '&View',
      '&Window',
      '&Help',
    ]);
  });

  it('says Resume while paused', () => {
    expect(byId(buildMenuTemplate({ platform: 'linux', paused: true, devTools: false }, commands()), 'toggle-pause').label).toBe('Resume Collection (All Windows)');
  });

  it('offers the developer tools only in unpackaged builds', () => {
    const roles = (devTools: boolean): unknown[] => items(buildMenuTemplate({ platform: 'linux', paused: false, devTools }, commands())).map((item) => item.role);
    expect(roles(true)).toContain('toggleDevTools');
    expect(roles(false)).not.toContain('toggleDevTools');
  });

  it('keeps the standard edit roles so copy and paste work in text fields', () => {
    const roles = items(buildMenuTemplate({ platform: 'darwin', paused: false, devTools: false }, commands())).map((item) => item.role);
    for (const role of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']) expect(roles).toContain(role);
  });
});
