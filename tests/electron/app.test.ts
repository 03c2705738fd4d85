import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ElectronApplication, Page } from 'playwright';
import { findElectronBinary } from '../../scripts/electron-binary.mjs';
import { SCREENSHOT_DIR } from '../support/chromium';
import { CHANNELS } from '../../src/shared/api';
import type { PortwatchApi } from '../../src/shared/api';
import type { TrayView } from '../../src/main/core/tray-presenter';

// The Electron suite runs where the runtime binary exists; elsewhere it skips with one printed
// reason, and REQUIRE_ELECTRON=1 turns that skip into a failure. It needs a built app (out/).
const binary = findElectronBinary();
const required = process.env.REQUIRE_ELECTRON === '1';

if (!binary.ok) {
  const reason = `Electron suite skipped: ${binary.reason}`;
  console.log(reason);
  mkdirSync('reports', { recursive: true });
  writeFileSync('reports/electron-skip.txt', `${binary.reason}\n`);
}

describe('Electron binary', () => {
  it.runIf(required && !binary.ok)('is required (REQUIRE_ELECTRON=1) but missing', () => {
    expect.fail(binary.ok ? '' : binary.reason);
  });
});

type PortwatchWindow = { portwatch?: PortwatchApi };

describe.skipIf(!binary.ok)('Electron app', () => {
  let app: ElectronApplication;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    const { _electron } = await import('playwright');
    profile = mkdtempSync(join(tmpdir(), 'portwatch-e2e-'));
    app = await _electron.launch({
      executablePath: binary.ok ? binary.path : '',
      args: ['.', '--no-sandbox'],
      env: { ...process.env, PORTWATCH_E2E: '1', PORTWATCH_USER_DATA: join(profile, 'user-data') },
    });
    page = await app.firstWindow();
  });

  afterAll(async () => {
    await app?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('opens its window with the renderer loaded and the API exposed', async () => {
    await page.waitForSelector('h1');
    expect(await page.title()).toBe('Portwatch');
    expect(await page.evaluate(() => typeof (window as PortwatchWindow).portwatch)).toBe('object');
    expect(await page.evaluate(() => Object.keys((window as PortwatchWindow).portwatch ?? {}).sort())).toEqual(Object.keys(CHANNELS).sort());
  });

  it('shows a loopback listener opened by the test', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      let found = false;
      // Bounded: 40 polls, 250 ms apart (the default poll interval is 1 s).
      for (let i = 0; i < 40 && !found; i++) {
        found = await page.evaluate(async (wanted) => {
          const snapshot = await (window as PortwatchWindow).portwatch?.getSnapshot();
          return snapshot?.rows.some((row) => row.localPort === wanted && row.state === 'LISTEN' && row.localAddress === '127.0.0.1') ?? false;
        }, port);
        if (!found) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(found, `127.0.0.1:${port} did not appear`).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('has a tray icon whose tooltip and first menu item carry the counts', async () => {
    const view = (await app.evaluate(() => (globalThis as { portwatchE2E?: { trayView(): unknown } }).portwatchE2E?.trayView() ?? null)) as TrayView | null;
    expect(view).not.toBeNull();
    expect(view?.tooltip).toMatch(/^Portwatch: \d+ sockets · \d+ listening · \d+ established/);
    expect(view?.menu[0]).toMatchObject({ type: 'label', label: expect.stringMatching(/^\d+ sockets/) });
    expect(view?.menu.flatMap((item) => (item.type === 'command' ? [item.command] : []))).toEqual(['toggle-window', 'toggle-pause', 'export-csv', 'update-check', 'quit']);
  });

  it('saves screenshots of the real window and the tray menu for CI artifacts', async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `electron-window-${process.platform}.png`) });
    // A native tray menu cannot be captured portably (many Linux trays have no host under Xvfb):
    // render the exact menu model the tray applied into a page and capture that.
    const view = (await app.evaluate(() => (globalThis as { portwatchE2E?: { trayView(): unknown } }).portwatchE2E?.trayView() ?? null)) as TrayView | null;
    expect(view).not.toBeNull();
    const items = (view?.menu ?? []).map((item) => (item.type === 'separator' ? '<hr>' : `<div${item.type === 'label' ? ' class="label"' : ''}>${item.label.replace(/[<&]/g, '')}</div>`));
    const html = `<style>body{font:14px sans-serif;padding:4px}div{padding:4px 12px}.label{color:#666}</style>${items.join('')}`;
    const opened = app.waitForEvent('window');
    await app.evaluate(({ BrowserWindow }, content) => {
      const menu = new BrowserWindow({ width: 340, height: 320, show: true, webPreferences: { sandbox: true, contextIsolation: true } });
      void menu.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(content)}`);
    }, html);
    const menuPage = await opened;
    await menuPage.waitForLoadState();
    await menuPage.screenshot({ path: join(SCREENSHOT_DIR, `electron-tray-menu-${process.platform}.png`) });
    await menuPage.close();
  });

  it('exports the snapshot to a CSV file through the save dialog', async () => {
    const target = join(profile, 'export.csv');
    // Answer the native save dialog in the main process instead of a human.
    await app.evaluate(({ dialog }, filePath) => {
      dialog.showSaveDialog = (async () => ({ canceled: false, filePath })) as typeof dialog.showSaveDialog;
    }, target);
    const result = await page.evaluate(() => (window as PortwatchWindow).portwatch?.exportSnapshot({ format: 'csv' }));
    expect(result).toEqual({ kind: 'saved', path: target });
    const lines = readFileSync(target, 'utf8').split('\r\n');
    expect(lines[0]?.startsWith('captured_at,protocol,ip_version,local_address,local_port')).toBe(true);
    expect(lines.length).toBeGreaterThan(2);
  });

  it('refuses malformed arguments from the renderer with a clear error', async () => {
    const message = await page.evaluate(async () => {
      try {
        await (window as PortwatchWindow).portwatch?.getHistory({ durationMs: 'soon' } as unknown as { durationMs: number });
        return 'resolved';
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    });
    expect(message).toBe('getHistory: durationMs must be a number');
  });
});
