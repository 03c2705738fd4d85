import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFY_LIMITS } from '../../src/shared/notify-policy';
import { IPC_CHANNEL } from '../../src/shared/portwatch-rpc';
import { trayIconFile } from '../../src/main/core/tray-presenter';

// The built main process (out/main/index.js) with the real service, collector worker, settings
// file and exporter, in plain Node: only Electron's API is a recording fake
// (tests/support/fake-electron-main.mjs), which also plays the renderer's part over the fake IPC.
// Where the Electron binary exists, tests/electron/app.test.ts checks the same with the real thing.
interface Run {
  fatal?: string;
  channels: string[];
  handlers: string[];
  webPreferences: Record<string, unknown>;
  visibleAfterReady: boolean;
  capabilities: unknown;
  foreignFrame: unknown;
  badArgs: unknown;
  navigationPrevented: boolean;
  openHandler: unknown;
  permissionGranted: boolean;
  deltasBeforeReady: number;
  deltaSeqs: number[];
  listenerSeen: boolean;
  notifications: { title: string; body: string }[];
  trayIconWhileAway: string;
  trayIconAfterFocus: string;
  exported: unknown;
  csv: string | null;
  port: number;
  trayTooltip: string;
  trayIcon: string;
  trayIconExists: boolean;
  trayMenu: string[];
  closeHidTheWindow?: boolean;
  settingsFile: { windowBounds: unknown };
  errors: string[];
}

describe('built main process under a fake Electron', () => {
  let profile: string;
  let run: Run;

  beforeAll(() => {
    profile = mkdtempSync(join(tmpdir(), 'portwatch-main-'));
    const child = spawnSync(process.execPath, ['tests/support/fake-electron-main.mjs', resolve('.'), profile], { encoding: 'utf8', timeout: 50_000 });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    run = JSON.parse(line === '' ? '{"fatal":"no output"}' : line) as Run;
    if (run.fatal !== undefined) throw new Error(`${run.fatal}\n${child.stderr}`);
  });
  afterAll(() => rmSync(profile, { recursive: true, force: true }));

  it('starts without errors and listens on the one RPC channel (no invoke handlers)', () => {
    expect(run.errors).toEqual([]);
    expect(run.channels).toEqual([IPC_CHANNEL]);
    expect(run.handlers).toEqual([]);
  });

  it('creates the window with the pinned security preferences and shows it once ready', () => {
    expect(run.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, disableBlinkFeatures: 'Auxclick' });
    expect(run.visibleAfterReady).toBe(true);
  });

  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

  it('answers our frame, refuses a foreign frame and malformed arguments', () => {
    expect(run.capabilities).toEqual({ ok: true, value: { transport: 'ipc', nativeSaveDialog: true, tray: true, platform: process.platform, version } });
    expect(run.foreignFrame).toEqual({ ok: false, error: 'request refused: the sender is not the main frame of the Portwatch window' });
    expect(run.badArgs).toEqual({ ok: false, error: 'getHistory: durationMs must be a number' });
  });

  it('prevents navigation, denies new windows and every permission', () => {
    expect(run.navigationPrevented).toBe(true);
    expect(run.openHandler).toEqual({ action: 'deny' });
    expect(run.permissionGranted).toBe(false);
  });

  it('sends deltas only once the renderer subscribes, then relays them in seq order', () => {
    expect(run.deltasBeforeReady).toBe(0);
    expect(run.deltaSeqs.length).toBeGreaterThan(0);
    expect(run.deltaSeqs).toEqual([...run.deltaSeqs].sort((a, b) => a - b));
  });

  it('sees a loopback listener opened by the harness and exports it to CSV', () => {
    expect(run.listenerSeen).toBe(true);
    expect(run.exported).toEqual({ ok: true, value: { kind: 'saved', path: join(profile, 'export.csv') } });
    const lines = (run.csv ?? '').split('\r\n');
    expect(lines[0]?.startsWith('captured_at,protocol,ip_version,local_address,local_port')).toBe(true);
    expect(lines[1]).toContain(`,tcp,4,127.0.0.1,${run.port},`);
    expect(lines).toHaveLength(3);
  });

  it('notifies about the new listener and flags it in the tray until the window is focused', () => {
    const ours = { title: `New listener on TCP 127.0.0.1:${run.port}`, body: `node started listening on TCP 127.0.0.1:${run.port}.`, silent: false };
    // Other test files open listeners at the same time: when they used up the per-kind limit first,
    // ours is rightly held back (the tray still flags it, below).
    const others = run.notifications.filter((n) => n.title.startsWith('New listener on ') && n.title !== ours.title);
    if (others.length < NOTIFY_LIMITS.perKindMax) expect(run.notifications).toContainEqual(ours);
    expect(run.trayIconWhileAway).toBe(resolve('resources/tray', trayIconFile(process.platform, 'attention')));
    expect(run.trayIconAfterFocus).toBe(resolve('resources/tray', trayIconFile(process.platform, 'normal')));
  });

  it('shows live counts in the tray tooltip and first menu item, with an existing icon', () => {
    expect(run.trayTooltip).toMatch(/^Portwatch: \d+ sockets · \d+ listening · \d+ established$/);
    expect(run.trayMenu[0]).toBe(run.trayTooltip.replace('Portwatch: ', ''));
    expect(run.trayMenu.slice(1)).toEqual(['separator', 'Hide Portwatch', 'Pause', 'Export snapshot to CSV…', 'separator', 'Check for updates', 'Quit Portwatch']);
    expect(run.trayIcon).toBe(resolve('resources/tray', trayIconFile(process.platform, 'normal')));
    expect(run.trayIconExists).toBe(true);
  });

  it('hides to the tray on close and keeps the window bounds in the settings file', () => {
    expect(run.closeHidTheWindow).toBe(true);
    expect(run.settingsFile.windowBounds).toEqual({ x: 10, y: 20, width: 1000, height: 700 });
  });
});
