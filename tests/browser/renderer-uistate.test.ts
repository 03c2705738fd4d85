import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { serveStatic } from '../support/static-server';
import { seriousViolations } from './support/axe';
import { installPageFake } from './support/page-fake.mjs';

// The built renderer with the in-page fake service, for what a real server cannot be made to do on
// demand: a DNS server on UDP port 53, and a collector that fails while the link is fine.

const ROWS = 2000;

describe('UI state in Chromium (in-page fake service)', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let page: Page;
  const errors: string[] = [];

  const setStatus = (patch: Record<string, unknown>): Promise<unknown> =>
    page.evaluate((p) => (window as unknown as { __portwatchFake: { setStatus(p: unknown): unknown } }).__portwatchFake.setStatus(p), patch);

  beforeAll(async () => {
    server = await serveStatic(resolve('out/renderer'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.addInitScript(installPageFake, { rows: ROWS, seed: 11, now: 1_767_000_000_000, probes: false });
    await page.goto(server.url);
    await page.getByRole('grid', { name: 'Connections' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('“Probe this endpoint” on a UDP DNS server (port 53) makes a DNS probe against it', async () => {
    await page.locator('#pw-filter').fill('lport:53 proto:udp');
    await page.locator('#pw-filter').press('Enter');
    const row = page.locator('.data-row').first();
    await row.waitFor();
    await row.dblclick();
    await page.getByRole('dialog', { name: 'Row actions' }).getByRole('button', { name: 'Probe this endpoint' }).click();
    await expect.poll(() => page.locator('.connections .message').textContent()).toMatch(/^Probe "systemd-resolved (127\.0\.0\.1|\[::1\]):53" added; see the Probes tab\.$/);
    await page.locator('[role="tab"][data-tab="probes"]').click();
    await expect(page.locator('#pw-panel-probes td.mono').first().textContent()).resolves.toMatch(/^dns localhost A\+AAAA @(127\.0\.0\.1|\[::1\]:53)$/);
    await page.locator('[role="tab"][data-tab="connections"]').click();
    await page.locator('#pw-filter').fill('');
    await page.locator('#pw-filter').press('Enter');
    expect(errors).toEqual([]);
  });

  it('tells the collector’s failure apart from the link, and stops saying “Live” (1 360 and 900 px)', async () => {
    await expect.poll(() => page.locator('.status-bar .freshness').textContent()).toBe('Live');
    await setStatus({ ok: false, error: 'The collector stopped unexpectedly (exit 1); restarting in 1 s', errorKind: 'other' });
    await expect(page.locator('.status-bar [role="alert"]').textContent()).resolves.toBe('Collector: The collector stopped unexpectedly (exit 1); restarting in 1 s');
    await expect(page.locator('.status-bar .freshness').textContent()).resolves.toMatch(/^Stale: data from \d+ s ago$/);
    // The link is fine: the header says so, and no link banner shows.
    // The in-page fake is installed as window.portwatch, so the page links to it as it would over IPC.
    await expect(page.locator('.transport').textContent()).resolves.toBe('Connected over ipc');
    await expect(page.locator('.link-banner').count()).resolves.toBe(0);
    await expect(page.title()).resolves.toMatch(/^\[Collector failing\] Portwatch — [\d,]+ sockets · \d+ listening$/);
    for (const width of [1360, 900]) {
      await page.setViewportSize({ width, height: 820 });
      for (const part of ['.status-bar [role="alert"]', '.status-bar .freshness', '.status-bar button.pause']) {
        const box = await page.locator(part).boundingBox();
        expect(box !== null && box.x >= 0 && box.x + box.width <= width, `${part} at ${width} px`).toBe(true);
      }
    }
    await page.setViewportSize({ width: 1360, height: 820 });
    expect(await seriousViolations(page), 'axe, light').toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousViolations(page), 'axe, dark').toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    await setStatus({ ok: true, error: null, errorKind: null });
    await expect.poll(() => page.locator('.status-bar .freshness').textContent()).toBe('Live');
    await expect(page.title()).resolves.toMatch(/^Portwatch — 2,000 sockets · \d+ listening$/);
    expect(errors).toEqual([]);
  });

  it('pauses this view with Space and says how many changes wait, in the status bar and the title', async () => {
    await page.locator('.hint').click();
    await page.keyboard.press('Space');
    await expect(page.locator('.status-bar .freshness').textContent()).resolves.toBe('Paused — 0 changes waiting');
    await page.evaluate(() => (window as unknown as { __portwatchFake: { tick(f: number): void } }).__portwatchFake.tick(0.01));
    await expect.poll(() => page.locator('.status-bar .freshness').textContent()).toMatch(/^Paused — [1-9]\d* changes waiting$/);
    await expect(page.title()).resolves.toMatch(/^\[Paused\] Portwatch — 2,000 sockets/);
    expect(await seriousViolations(page), 'axe, paused').toEqual([]);
    await page.keyboard.press('Space');
    await expect(page.locator('.status-bar .freshness').textContent()).resolves.toBe('Live');
    expect(errors).toEqual([]);
  });
});
