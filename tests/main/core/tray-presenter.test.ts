import { describe, expect, it } from 'vitest';
import type { Counters } from '../../../src/shared/model';
import {
  TRAY_REBUILD_INTERVAL_MS,
  countsLabel,
  decideTray,
  nextAttention,
  presentTray,
  trayIconFile,
} from '../../../src/main/core/tray-presenter';
import type { AppliedTray, TrayInput } from '../../../src/main/core/tray-presenter';

const counters = (total: number, listening = 3, established = 5): Counters => ({
  total,
  listening,
  established,
  udp: 1,
  newLastMinute: 0,
  closedLastMinute: 0,
});

const input = (over: Partial<TrayInput> = {}): TrayInput => ({
  counters: counters(10),
  paused: false,
  attention: false,
  windowVisible: true,
  platform: 'linux',
  now: 100_000,
  last: null,
  ...over,
});

/** Runs one decision that must rebuild and returns what was applied. */
function applied(over: Partial<TrayInput> = {}): AppliedTray {
  const decision = decideTray(input(over));
  if (decision.action !== 'rebuild') throw new Error(`expected a rebuild, got ${decision.action}`);
  return decision.applied;
}

describe('countsLabel', () => {
  it('names total, listening and established sockets', () => {
    expect(countsLabel(counters(42, 7, 30), false)).toBe('42 sockets · 7 listening · 30 established');
  });
  it('marks a paused collector', () => {
    expect(countsLabel(counters(42, 7, 30), true)).toBe('42 sockets · 7 listening · 30 established (paused)');
  });
  it('says it is waiting before the first poll', () => {
    expect(countsLabel(null, false)).toBe('Waiting for the first poll…');
    expect(countsLabel(null, true)).toBe('Paused');
  });
});

describe('presentTray', () => {
  it('puts the counts in the tooltip and in a disabled first menu item (Linux trays show no tooltip)', () => {
    const view = presentTray(input({ counters: counters(12, 4, 6) }));
    expect(view.tooltip).toBe('Portwatch: 12 sockets · 4 listening · 6 established');
    expect(view.menu[0]).toEqual({ type: 'label', label: '12 sockets · 4 listening · 6 established' });
  });

  it('offers Show/Hide, Pause/Resume, Export, Check for updates and Quit in that order', () => {
    const view = presentTray(input());
    expect(view.menu.filter((item) => item.type === 'command')).toEqual([
      { type: 'command', command: 'toggle-window', label: 'Hide Portwatch' },
      { type: 'command', command: 'toggle-pause', label: 'Pause' },
      { type: 'command', command: 'export-csv', label: 'Export snapshot to CSV…' },
      { type: 'command', command: 'update-check', label: 'Check for updates' },
      { type: 'command', command: 'quit', label: 'Quit Portwatch' },
    ]);
  });

  it('replaces "Check for updates" by the update step on offer, disabled while downloading', () => {
    const offered = presentTray(input({ update: { label: 'Download Portwatch 0.2.0…', enabled: true } }));
    expect(offered.menu).toContainEqual({ type: 'command', command: 'update-accept', label: 'Download Portwatch 0.2.0…', enabled: true });
    expect(offered.menu.some((item) => item.type === 'command' && item.command === 'update-check')).toBe(false);
    const downloading = presentTray(input({ update: { label: 'Downloading 0.2.0: 40 %', enabled: false } }));
    expect(downloading.menu).toContainEqual({ type: 'command', command: 'update-accept', label: 'Downloading 0.2.0: 40 %', enabled: false });
  });

  it('rebuilds at once when the update entry changes', () => {
    const first = decideTray(input({ now: 1_000, last: null }));
    if (first.action !== 'rebuild') throw new Error('expected a rebuild');
    const next = decideTray(input({ now: 1_001, last: first.applied, update: { label: 'Download Portwatch 0.2.0…', enabled: true } }));
    expect(next.action).toBe('rebuild');
  });

  it('labels the toggles by the current state', () => {
    const view = presentTray(input({ windowVisible: false, paused: true }));
    const labels = view.menu.flatMap((item) => (item.type === 'command' ? [item.label] : []));
    expect(labels.slice(0, 2)).toEqual(['Show Portwatch', 'Resume']);
  });

  it('shows a compact title only on macOS', () => {
    expect(presentTray(input({ platform: 'darwin', counters: counters(12, 4) })).title).toBe('12·4L');
    expect(presentTray(input({ platform: 'linux' })).title).toBe('');
    expect(presentTray(input({ platform: 'win32' })).title).toBe('');
    expect(presentTray(input({ platform: 'darwin', counters: null })).title).toBe('');
  });

  it('switches to the attention icon and says why in the tooltip', () => {
    const view = presentTray(input({ attention: true }));
    expect(view.icon).toBe('attention');
    expect(view.iconFile).toBe('tray-attention.png');
    expect(view.tooltip).toBe('Portwatch: 10 sockets · 3 listening · 5 established — new listener');
  });
});

describe('trayIconFile', () => {
  it('uses template images on macOS and coloured PNGs elsewhere', () => {
    expect(trayIconFile('darwin', 'normal')).toBe('trayTemplate.png');
    expect(trayIconFile('darwin', 'attention')).toBe('trayAttentionTemplate.png');
    expect(trayIconFile('linux', 'normal')).toBe('tray.png');
    expect(trayIconFile('win32', 'attention')).toBe('tray-attention.png');
  });
});

describe('decideTray', () => {
  it('builds the tray the first time', () => {
    expect(decideTray(input()).action).toBe('rebuild');
  });

  it('does nothing when the counts did not change', () => {
    const last = applied({ now: 0 });
    expect(decideTray(input({ now: 60_000, last }))).toEqual({ action: 'none' });
  });

  it('ignores counters the tray does not show (new/closed last minute, udp)', () => {
    const last = applied({ now: 0 });
    const other = { ...counters(10), udp: 9, newLastMinute: 4, closedLastMinute: 2 };
    expect(decideTray(input({ now: 60_000, last, counters: other }))).toEqual({ action: 'none' });
  });

  it('waits out the rest of the 2 s interval when counts change too soon', () => {
    const last = applied({ now: 10_000 });
    expect(decideTray(input({ now: 10_500, last, counters: counters(11) }))).toEqual({ action: 'wait', delayMs: TRAY_REBUILD_INTERVAL_MS - 500 });
  });

  it('rebuilds when counts changed and 2 s have passed', () => {
    const last = applied({ now: 10_000 });
    const decision = decideTray(input({ now: 12_000, last, counters: counters(11) }));
    expect(decision.action).toBe('rebuild');
    if (decision.action === 'rebuild') expect(decision.applied).toEqual({ at: 12_000, counts: countsLabel(counters(11), false), state: 'false|false|true|linux' });
  });

  it('rebuilds at once for a state change (pause, show/hide, attention), even within 2 s', () => {
    const last = applied({ now: 10_000 });
    expect(decideTray(input({ now: 10_001, last, paused: true })).action).toBe('rebuild');
    expect(decideTray(input({ now: 10_001, last, windowVisible: false })).action).toBe('rebuild');
    expect(decideTray(input({ now: 10_001, last, attention: true })).action).toBe('rebuild');
  });

  it('does not freeze when the clock steps backwards', () => {
    const last = applied({ now: 10_000 });
    expect(decideTray(input({ now: 5_000, last, counters: counters(11) })).action).toBe('rebuild');
  });
});

describe('nextAttention', () => {
  it('is raised by a new listener while the window is not focused', () => {
    expect(nextAttention(false, 'new-listener', false)).toBe(true);
  });
  it('is not raised while the user is looking at the window', () => {
    expect(nextAttention(false, 'new-listener', true)).toBe(false);
  });
  it('stays raised until the window is focused', () => {
    expect(nextAttention(true, 'new-listener', true)).toBe(true);
    expect(nextAttention(true, 'window-focused', true)).toBe(false);
  });
});
