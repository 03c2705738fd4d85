/**
 * What the tray shows, decided without Electron: the tooltip, the macOS title text, the icon and a
 * plain menu model, plus whether the shell should rebuild the tray now. The shell (src/main/electron
 * /tray.ts) only maps this model onto Electron's `Tray` and `Menu`.
 *
 * Rebuild policy: a count change is applied at most once per {@link TRAY_REBUILD_INTERVAL_MS}
 * (a tray menu rebuild is a D-Bus round trip on Linux and flickers an open menu); a change the
 * user caused (pause, show/hide) or the attention icon is applied at once, because a stale
 * "Pause" label after pausing reads as a bug.
 */
import type { Counters } from '../../shared/model';
import type { UpdateMenuEntry } from './update-policy';

/** The minimum time between two count-driven rebuilds, ms. */
export const TRAY_REBUILD_INTERVAL_MS = 2_000;

/** What a tray menu item does when clicked. */
export type TrayCommand = 'toggle-window' | 'toggle-pause' | 'export-csv' | 'update-accept' | 'update-check' | 'quit';

/** One entry of the tray menu. */
export type TrayMenuItem =
  | { type: 'label'; label: string }
  | { type: 'separator' }
  | { type: 'command'; command: TrayCommand; label: string; enabled?: boolean };

/** Which icon the tray shows. `attention`: a listener appeared since the user last looked. */
export type TrayIconKind = 'normal' | 'attention';

/** Everything the tray displays. */
export interface TrayView {
  tooltip: string;
  /** Text next to the icon in the macOS menu bar; empty elsewhere (Tray.setTitle is macOS-only). */
  title: string;
  icon: TrayIconKind;
  /** Icon file name inside the tray icon folder (resources/tray). */
  iconFile: string;
  menu: TrayMenuItem[];
}

/** The inputs of one presentation. */
export interface TrayInput {
  /** null until the first poll answered. */
  counters: Counters | null;
  paused: boolean;
  attention: boolean;
  windowVisible: boolean;
  /** `process.platform`. */
  platform: string;
  /** An update on offer, downloading or ready (see update-policy.ts); absent or null when none. */
  update?: UpdateMenuEntry | null;
  /** Epoch ms. */
  now: number;
  /** What was applied last time, or null before the first rebuild. */
  last: AppliedTray | null;
}

/** What the shell applied at its last rebuild (returned in {@link TrayDecision.applied}). */
export interface AppliedTray {
  at: number;
  counts: string;
  state: string;
}

/** The presenter's answer. */
export type TrayDecision =
  | { action: 'rebuild'; view: TrayView; applied: AppliedTray }
  | { action: 'none' }
  /** Counts changed too soon after the last rebuild: present again after `delayMs`. */
  | { action: 'wait'; delayMs: number };

/** The counts in one short line, for the tooltip, the macOS title and the first menu item. */
export function countsLabel(counters: Counters | null, paused: boolean): string {
  if (counters === null) return paused ? 'Paused' : 'Waiting for the first poll…';
  const text = `${counters.total} sockets · ${counters.listening} listening · ${counters.established} established`;
  return paused ? `${text} (paused)` : text;
}

/** The icon file for a platform: black template images on macOS, coloured ones elsewhere. */
export function trayIconFile(platform: string, icon: TrayIconKind): string {
  if (platform === 'darwin') return icon === 'attention' ? 'trayAttentionTemplate.png' : 'trayTemplate.png';
  return icon === 'attention' ? 'tray-attention.png' : 'tray.png';
}

/** The whole tray view for the given state. */
export function presentTray(input: Omit<TrayInput, 'now' | 'last'>): TrayView {
  const counts = countsLabel(input.counters, input.paused);
  const icon: TrayIconKind = input.attention ? 'attention' : 'normal';
  const attentionNote = input.attention ? ' — new listener' : '';
  const compact = input.counters === null ? '' : `${input.counters.total}·${input.counters.listening}L`;
  return {
    tooltip: `Portwatch: ${counts}${attentionNote}`,
    title: input.platform === 'darwin' ? compact : '',
    icon,
    iconFile: trayIconFile(input.platform, icon),
    menu: [
      // Many Linux trays (StatusNotifierItem hosts) never show a tooltip: the counts go here too.
      { type: 'label', label: counts },
      { type: 'separator' },
      { type: 'command', command: 'toggle-window', label: input.windowVisible ? 'Hide Portwatch' : 'Show Portwatch' },
      { type: 'command', command: 'toggle-pause', label: input.paused ? 'Resume' : 'Pause' },
      { type: 'command', command: 'export-csv', label: 'Export snapshot to CSV…' },
      { type: 'separator' },
      input.update
        ? { type: 'command', command: 'update-accept', label: input.update.label, enabled: input.update.enabled }
        : { type: 'command', command: 'update-check', label: 'Check for updates' },
      { type: 'command', command: 'quit', label: 'Quit Portwatch' },
    ],
  };
}

/** Decides whether the tray must be rebuilt now, later, or not at all. */
export function decideTray(input: TrayInput): TrayDecision {
  const counts = countsLabel(input.counters, false);
  const update = input.update ? [input.update.label, input.update.enabled] : [];
  const state = [input.paused, input.attention, input.windowVisible, input.platform, ...update].join('|');
  const rebuild = (): TrayDecision => ({ action: 'rebuild', view: presentTray(input), applied: { at: input.now, counts, state } });
  const last = input.last;
  if (last === null || last.state !== state) return rebuild();
  if (last.counts === counts) return { action: 'none' };
  const elapsed = input.now - last.at;
  // A clock stepped backwards (elapsed < 0) must not freeze the tray: treat it as due.
  if (elapsed >= TRAY_REBUILD_INTERVAL_MS || elapsed < 0) return rebuild();
  return { action: 'wait', delayMs: TRAY_REBUILD_INTERVAL_MS - elapsed };
}

/** Something that changes the attention flag. */
export type AttentionEvent = 'new-listener' | 'window-focused';

/**
 * The attention flag after an event: a new listener raises it unless the user is looking at the
 * window right now; focusing the window clears it.
 */
export function nextAttention(current: boolean, event: AttentionEvent, windowFocused: boolean): boolean {
  if (event === 'window-focused') return false;
  return current || !windowFocused;
}
