/**
 * The tray icon: live counts in the tooltip (and the macOS title), a menu whose first, disabled
 * item carries the counts too, and an attention icon after a new listener appeared. Every choice
 * comes from the pure presenter (src/main/core/tray-presenter.ts); this file applies it.
 */
import { Menu, Tray, nativeImage } from 'electron';
import type { MenuItemConstructorOptions, NativeImage } from 'electron';
import { join } from 'node:path';
import type { Counters } from '../../shared/model';
import type { UpdateMenuEntry } from '../core/update-policy';
import { decideTray, nextAttention } from '../core/tray-presenter';
import type { AppliedTray, AttentionEvent, TrayCommand, TrayMenuItem, TrayView } from '../core/tray-presenter';

/** What {@link createTrayController} needs. */
export interface TrayOptions {
  /** The folder holding the tray PNGs (resources/tray). */
  iconFolder: string;
  platform: string;
  now(): number;
  /** Runs a menu command. */
  run(command: TrayCommand): void;
  /** A left click (Windows, Linux trays that report it): show or hide the window. */
  onClick(): void;
}

/** The tray, driven by state updates from the shell. */
export interface TrayController {
  setCounters(counters: Counters): void;
  setPaused(paused: boolean): void;
  setWindowVisible(visible: boolean): void;
  /** The update entry of the menu (null: "Check for updates"). */
  setUpdate(entry: UpdateMenuEntry | null): void;
  /** A new listener appeared, or the window was focused. */
  attention(event: AttentionEvent, windowFocused: boolean): void;
  /** The view applied last (for the e2e suite and diagnostics). */
  view(): TrayView | null;
  destroy(): void;
}

function toMenuItem(item: TrayMenuItem, run: (command: TrayCommand) => void): MenuItemConstructorOptions {
  switch (item.type) {
    case 'label':
      return { label: item.label, enabled: false };
    case 'separator':
      return { type: 'separator' };
    case 'command':
      return { label: item.label, enabled: item.enabled ?? true, click: () => run(item.command) };
  }
}

/** Creates the tray icon. */
export function createTrayController(options: TrayOptions): TrayController {
  const images = new Map<string, NativeImage>();
  const image = (file: string): NativeImage => {
    let found = images.get(file);
    if (found === undefined) {
      // createFromPath also picks up the @2x variant next to the file on HiDPI screens.
      const path = join(options.iconFolder, file);
      found = nativeImage.createFromPath(path);
      // An empty image still makes a (blank) tray icon: say why instead of failing silently.
      if (found.isEmpty()) console.error(`portwatch: tray icon ${path} is missing or unreadable`);
      if (options.platform === 'darwin') found.setTemplateImage(file.includes('Template'));
      images.set(file, found);
    }
    return found;
  };

  const state = { counters: null as Counters | null, paused: false, attention: false, windowVisible: true, update: null as UpdateMenuEntry | null };
  let applied: AppliedTray | null = null;
  let view: TrayView | null = null;
  let timer: NodeJS.Timeout | null = null;

  const initial = decideTray({ ...state, platform: options.platform, now: options.now(), last: null });
  if (initial.action !== 'rebuild') throw new Error('the first tray decision must build the tray');
  const tray = new Tray(image(initial.view.iconFile));
  tray.on('click', () => options.onClick());
  apply(initial.view, initial.applied);

  function apply(next: TrayView, record: AppliedTray): void {
    if (view === null || view.iconFile !== next.iconFile) tray.setImage(image(next.iconFile));
    tray.setToolTip(next.tooltip);
    if (options.platform === 'darwin') tray.setTitle(next.title);
    tray.setContextMenu(Menu.buildFromTemplate(next.menu.map((item) => toMenuItem(item, options.run))));
    view = next;
    applied = record;
  }

  function update(): void {
    if (tray.isDestroyed()) return;
    const decision = decideTray({ ...state, platform: options.platform, now: options.now(), last: applied });
    if (decision.action === 'rebuild') {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      apply(decision.view, decision.applied);
    } else if (decision.action === 'wait' && timer === null) {
      // One trailing update so the last counts of a burst are shown, never more than one pending.
      timer = setTimeout(() => {
        timer = null;
        update();
      }, decision.delayMs);
    }
  }

  return {
    setCounters(counters) {
      state.counters = counters;
      update();
    },
    setPaused(paused) {
      state.paused = paused;
      update();
    },
    setWindowVisible(visible) {
      state.windowVisible = visible;
      update();
    },
    setUpdate(entry) {
      state.update = entry;
      update();
    },
    attention(event, windowFocused) {
      state.attention = nextAttention(state.attention, event, windowFocused);
      update();
    },
    view: () => view,
    destroy() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
