import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SCREENSHOT_DIR } from '../support/chromium';
import { serveStatic } from '../support/static-server';
import { seriousViolations } from './support/axe';
import { installPageFake } from './support/page-fake.mjs';

// The built renderer in real Chromium with an in-page fake service installed as `window.portwatch`
// (exactly where the preload puts the real one): table, filter, sort, keyboard, charts, axe, themes.

const VIEWS = ['connections', 'ports', 'processes', 'timeline', 'probes', 'settings'] as const;
const ROWS = 2000;
const SHOTS = resolve(SCREENSHOT_DIR);

describe('renderer UI in Chromium (in-page fake service)', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let page: Page;
  const errors: string[] = [];

  const open = async (colorScheme: 'light' | 'dark'): Promise<Page> => {
    const p = await browser.newPage({ viewport: { width: 1360, height: 820 }, colorScheme, acceptDownloads: true });
    p.on('pageerror', (error) => errors.push(error.message));
    p.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await p.addInitScript(installPageFake, { rows: ROWS, seed: 11, now: 1_767_000_000_000 });
    await p.goto(server.url);
    await p.getByRole('grid', { name: 'Connections' }).waitFor();
    return p;
  };

  const showTab = async (p: Page, view: (typeof VIEWS)[number]): Promise<void> => {
    await p.locator(`[role="tab"][data-tab="${view}"]`).click();
    await p.locator(`#pw-panel-${view}`).waitFor();
  };

  /** True when the canvas has at least some pixels that are not fully transparent. */
  const canvasHasInk = (p: Page, selector: string): Promise<boolean> =>
    p.locator(selector).first().evaluate((canvas) => {
      const c = canvas as HTMLCanvasElement;
      const ctx = c.getContext('2d');
      if (!ctx || c.width === 0 || c.height === 0) return false;
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      let inked = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) inked += 1;
      return inked > 500;
    });

  beforeAll(async () => {
    server = await serveStatic(resolve('out/renderer'));
    browser = await launchChromium();
    page = await open('light');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('renders the table virtualized: every row counted, only the visible ones in the DOM', async () => {
    const grid = page.getByRole('grid', { name: 'Connections' });
    await expect(grid.getAttribute('aria-rowcount')).resolves.toBe(String(ROWS + 1));
    const rendered = await page.locator('.data-row').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(80);
    await expect(page.locator('.counts').textContent()).resolves.toContain(`${ROWS.toLocaleString('en-US')} of ${ROWS.toLocaleString('en-US')}`);
    expect(errors).toEqual([]);
  });

  it('filters with the filter grammar and shows a bad expression’s message inline', async () => {
    await page.keyboard.press('Control+f');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('pw-filter');
    await page.keyboard.type('lport:22 state:listen');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('.data-row').length > 0 && Array.from(document.querySelectorAll('.data-row')).every((r) => r.textContent?.includes(':22') && r.textContent.includes('LISTEN')));
    const shown = Number(await page.getByRole('grid').getAttribute('aria-rowcount')) - 1;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(ROWS);

    await page.locator('#pw-filter').fill('state:bogus');
    await page.keyboard.press('Enter');
    await expect(page.locator('#pw-filter-error').textContent()).resolves.toContain('"bogus" is not a socket state');
    await expect(page.locator('#pw-filter').getAttribute('aria-invalid')).resolves.toBe('true');

    await page.locator('#pw-filter').fill('');
    await page.keyboard.press('Enter');
    await page.waitForFunction((n) => document.querySelector('[role="grid"]')?.getAttribute('aria-rowcount') === String(n + 1), ROWS);
  });

  it('sorts by a header (click, then Enter) and reports it with aria-sort', async () => {
    const pidHeader = page.locator('[role="columnheader"]', { has: page.locator('[data-column="pid"]') });
    await page.locator('[data-column="pid"]').click();
    await expect(pidHeader.getAttribute('aria-sort')).resolves.toBe('ascending');
    const pids = async (): Promise<number[]> =>
      (await page.locator('.data-row [role="gridcell"]:nth-child(10)').allTextContents()).map((t) => Number(t.split(',')[0]) || Infinity);
    const ascending = await pids();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.locator('[data-column="pid"]').focus();
    await page.keyboard.press('Enter');
    await expect(pidHeader.getAttribute('aria-sort')).resolves.toBe('descending');
    const descending = (await pids()).filter(Number.isFinite);
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
    await page.locator('[data-column="local"]').click();
  });

  it('moves the active row with the arrow keys and opens row actions with Enter', async () => {
    const grid = page.getByRole('grid', { name: 'Connections' });
    await grid.focus();
    await page.keyboard.press('Home');
    await expect(grid.getAttribute('aria-activedescendant')).resolves.toBe('pw-row-0');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(grid.getAttribute('aria-activedescendant')).resolves.toBe('pw-row-2');
    await page.keyboard.press('End');
    await expect(grid.getAttribute('aria-activedescendant')).resolves.toBe(`pw-row-${ROWS - 1}`);
    await expect(page.locator(`#pw-row-${ROWS - 1}`).isVisible()).resolves.toBe(true);
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Row actions' });
    await dialog.waitFor();
    await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Probe this endpoint');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(page.evaluate(() => document.activeElement?.getAttribute('role'))).resolves.toBe('grid');
  });

  it('shows new, changed and closed rows by word as well as colour, and lists them in recent changes', async () => {
    await page.evaluate(() => (window as unknown as { __portwatchFake: { tick(f: number): void } }).__portwatchFake.tick(0.05));
    await page.locator('.recent .events li').first().waitFor();
    const first = await page.locator('.recent .events li').first().textContent();
    expect(first).toMatch(/opened|closed/);
    await page.locator('#pw-filter').fill('new');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('.data-row').length > 0 && Array.from(document.querySelectorAll('.data-row')).every((r) => r.classList.contains('chg-new')));
    await expect(page.locator('.data-row').first().locator('[role="gridcell"]').first().textContent()).resolves.toContain('new');
    await page.locator('#pw-filter').fill('');
    await page.keyboard.press('Enter');
  });

  it('exports CSV with the on-screen columns and downloads the result', async () => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    // The in-page fake answers with a data: URL whose body is the columns it was asked for.
    expect(decodeURIComponent(file.url().slice('data:text/csv,'.length))).toBe(
      'captured_at,change,protocol,local_address,local_port,local_service,remote_address,remote_port,remote_host,remote_service,state,process_name,pid,forward,first_seen',
    );
    await expect.poll(() => page.locator('.connections .message').textContent()).toBe('Export downloading.');
  });

  it('switches tabs with the arrow keys', async () => {
    await page.locator('[role="tab"][data-tab="connections"]').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.locator('[role="tab"][aria-selected="true"]').getAttribute('data-tab')).resolves.toBe('ports');
    await expect(page.evaluate(() => document.activeElement?.getAttribute('data-tab'))).resolves.toBe('ports');
    await page.keyboard.press('End');
    await expect(page.locator('[role="tab"][aria-selected="true"]').getAttribute('data-tab')).resolves.toBe('settings');
    await page.keyboard.press('Home');
    await expect(page.locator('[role="tab"][aria-selected="true"]').getAttribute('data-tab')).resolves.toBe('connections');
  });

  it('pauses with Space when focus is not in a text field or on a button', async () => {
    await page.locator('.hint').click();
    await page.keyboard.press('Space');
    await page.locator('.status-bar .paused').waitFor();
    await page.locator('#pw-filter').focus();
    await page.keyboard.press('Space');
    await expect(page.locator('#pw-filter').inputValue()).resolves.toBe(' ');
    await expect(page.locator('.status-bar .paused').count()).resolves.toBe(1);
    await page.locator('#pw-filter').fill('');
    await page.locator('.status-bar button.pause').click();
    await page.locator('.status-bar .live').waitFor();
  });

  it('shows a collector error in words in the status bar', async () => {
    const setStatus = (patch: Record<string, unknown>): Promise<unknown> =>
      page.evaluate((p) => (window as unknown as { __portwatchFake: { setStatus(p: unknown): unknown } }).__portwatchFake.setStatus(p), patch);
    await setStatus({ ok: false, error: 'ss is not installed: install the iproute2 package', errorKind: 'missing-tool' });
    await expect(page.locator('.status-bar [role="alert"]').textContent()).resolves.toBe('Collector: ss is not installed: install the iproute2 package');
    await setStatus({ ok: true, error: null, errorKind: null });
    await expect(page.locator('.status-bar [role="alert"]').count()).resolves.toBe(0);
  });

  it('copies a row to the clipboard from the row actions', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url.replace(/\/$/, '') });
    const grid = page.getByRole('grid', { name: 'Connections' });
    await grid.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Copy row' }).click();
    await expect.poll(() => page.locator('.connections .message').textContent()).toBe('Row copied to the clipboard.');
    const text = await page.evaluate(() => navigator.clipboard.readText());
    const [header, line] = text.split('\n');
    expect(header).toBe('Proto\tLocal address\tService\tRemote address\tRemote host\tRemote service\tState\tProcess\tPID\tForward\tAge');
    expect(line?.split('\t')).toHaveLength(11);
    expect(await page.locator('#pw-row-0 [role="gridcell"]:nth-child(3)').textContent()).toBe(line?.split('\t')[1]);
  });

  it('shows forwards in the table and under their port, the NAT rules, and the explainer by keyboard', async () => {
    await page.locator('#pw-filter').fill('lport:15432');
    await page.locator('#pw-filter').press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('.data-row').length === 3);
    const cells = await page.locator('.data-row').evaluateAll((rows) => rows.map((r) => r.querySelectorAll('[role="gridcell"]')[10]?.textContent?.trim()));
    expect(cells).toEqual(['→ db.internal:5432 (ssh -L)', '→ db.internal:5432 (ssh -L)', '→ db.internal:5432 (ssh -L)']);
    await page.locator('#pw-filter').fill('');
    await page.locator('#pw-filter').press('Enter');

    await showTab(page, 'ports');
    await expect(page.locator('.forward-branch').allTextContents()).resolves.toEqual([
      expect.stringMatching(/^└\s*0\.0\.0\.0:8081\s*→ 127\.0\.0\.1:8080\s*forwarded by socat/) as string,
      expect.stringMatching(/^└\s*127\.0\.0\.1:15432, \[::1\]:15432\s*→ db\.internal:5432\s*forwarded by ssh -L/) as string,
    ]);
    await page.locator('.nat tbody tr').first().waitFor();
    await expect(page.locator('.nat tbody tr').count()).resolves.toBe(2);
    await page.evaluate(() =>
      (window as unknown as { __portwatchFake: { setNatRules(r: unknown): void } }).__portwatchFake.setNatRules({ readable: false, reason: 'Permission denied: administrator rights needed.' }),
    );
    await page.getByRole('button', { name: 'Read again' }).click();
    await expect.poll(() => page.locator('.nat-unreadable').textContent()).toBe('The NAT rules could not be read. Permission denied: administrator rights needed.');

    const opener = page.getByRole('button', { name: 'What am I looking at?' });
    await opener.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'What am I looking at?' });
    await dialog.waitFor();
    await expect(page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe('Explanation');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Close');
    await page.keyboard.press('Tab'); // focus stays inside the dialog
    await expect(page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe('Explanation');
    await page.keyboard.press('Escape');
    await expect(dialog.count()).resolves.toBe(0);
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('What am I looking at?');
    await showTab(page, 'connections');
  });

  it('draws every chart on a canvas', async () => {
    for (const view of ['ports', 'processes', 'timeline', 'probes'] as const) {
      await showTab(page, view);
      const canvases = page.locator(`#pw-panel-${view} canvas`);
      await canvases.first().waitFor();
      const count = await canvases.count();
      for (let i = 0; i < count; i += 1) {
        await expect.poll(() => canvasHasInk(page, `#pw-panel-${view} canvas >> nth=${i}`), { message: `${view} canvas ${i}` }).toBe(true);
      }
    }
    await showTab(page, 'connections');
  });

  it('validates the probe form with the shared rules and shows the message by the field', async () => {
    await showTab(page, 'probes');
    await page.getByRole('button', { name: 'Add probe' }).first().click();
    await page.locator('#pw-probe-host').fill('not a host!');
    await page.locator('#pw-probe-port').fill('70000');
    await page.locator('.probe-form button[type="submit"]').click();
    await expect(page.locator('#pw-probe-err-host').textContent()).resolves.toContain('host must be a host name');
    await expect(page.locator('#pw-probe-err-port').textContent()).resolves.toContain('port must be at most 65535');
    await page.locator('#pw-probe-host').fill('127.0.0.1');
    await page.locator('#pw-probe-port').fill('6379');
    await page.locator('#pw-probe-label').fill('Redis');
    await page.locator('.probe-form button[type="submit"]').click();
    await page.getByRole('cell', { name: 'Redis', exact: true }).waitFor();
    await showTab(page, 'connections');
  });

  it('has no serious or critical axe violation in any view, light and dark, and saves a screenshot of each', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const p = scheme === 'light' ? page : await open('dark');
      for (const view of VIEWS) {
        await showTab(p, view);
        if (view === 'connections') {
          // Show live marks (the README shows this view): two ticks of churn, then only the rows
          // that changed, so new, changed and closed rows are all on screen (and checked by axe).
          await p.evaluate(() => {
            const fake = (window as unknown as { __portwatchFake: { tick(f: number): void } }).__portwatchFake;
            fake.tick(0.02);
            fake.tick(0.02);
          });
          await p.locator('#pw-filter').fill('change:new,changed,closed');
          await p.locator('#pw-filter').press('Enter');
          await p.locator('.data-row.chg-closed').first().waitFor();
          await p.locator('.recent .events li').first().waitFor();
        }
        if (view !== 'settings' && view !== 'connections') await p.locator(`#pw-panel-${view} canvas`).first().waitFor();
        // Let Chart.js lay out before axe reads the page and the screenshot is taken.
        await p.waitForTimeout(150);
        found.push(...(await seriousViolations(p)).map((v) => `${scheme}/${view}: ${v}`));
        await p.screenshot({ path: resolve(SHOTS, scheme === 'light' ? `${view}.png` : `${view}-dark.png`) });
        // The transient parts too: the row actions dialog and the probe form.
        if (view === 'connections') {
          await p.getByRole('grid', { name: 'Connections' }).focus();
          await p.keyboard.press('Home');
          await p.keyboard.press('Enter');
          await p.getByRole('dialog').waitFor();
          found.push(...(await seriousViolations(p)).map((v) => `${scheme}/row actions: ${v}`));
          await p.keyboard.press('Escape');
        } else if (view === 'ports') {
          await p.getByRole('button', { name: 'What am I looking at?' }).click();
          await p.getByRole('dialog').waitFor();
          found.push(...(await seriousViolations(p)).map((v) => `${scheme}/explainer: ${v}`));
          await p.screenshot({ path: resolve(SHOTS, scheme === 'light' ? 'explainer.png' : 'explainer-dark.png') });
          await p.keyboard.press('Escape');
        } else if (view === 'probes') {
          await p.getByRole('button', { name: 'Add probe' }).first().click();
          await p.locator('.probe-form button[type="submit"]').click();
          await p.locator('#pw-probe-err-host').filter({ hasText: 'host' }).waitFor();
          found.push(...(await seriousViolations(p)).map((v) => `${scheme}/probe form: ${v}`));
          await p.getByRole('button', { name: 'Cancel' }).click();
        }
      }
      if (p !== page) await p.close();
    }
    expect(found).toEqual([]);
    expect(errors).toEqual([]);
  });
});
