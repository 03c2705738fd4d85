/**
 * `portwatch serve`'s authentication in real Chromium: the token travels in the URL fragment, stays
 * in the tab, opens the WebSocket as a subprotocol, and nothing the browser keeps (cookies, the
 * headers it sends) lets another local program into the API.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { httpGet, openWs, startBuiltServe, startFakeServe } from '../support/serve';
import type { BuiltServe, FakeServe } from '../support/serve';

const connected = (page: Page): Promise<string | null> => page.locator('.transport').textContent();

describe('serve authentication in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let fake: FakeServe;
  const downloads = mkdtempSync(join(tmpdir(), 'pw-auth-downloads-'));
  const pageRequestHeaders: Array<Record<string, string>> = [];

  beforeAll(async () => {
    fake = await startFakeServe({ rendererDir: resolve('out/renderer') });
    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
    page.on('request', (request) => void request.allHeaders().then((headers) => pageRequestHeaders.push(headers)));
    await page.goto(fake.server.url);
    await page.locator('.transport', { hasText: 'Connected over websocket' }).waitFor({ timeout: 20_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await fake?.server.close();
    rmSync(downloads, { recursive: true, force: true });
  });

  it('moves the token out of the address bar into this tab’s sessionStorage', async () => {
    expect(page.url()).toBe(`http://127.0.0.1:${fake.server.port}/`);
    await expect(page.evaluate(() => sessionStorage.getItem('portwatch.serve.token'))).resolves.toBe(fake.server.token);
  });

  it('never sends the token in a URL, a Referer or a cookie: only in the WebSocket handshake', () => {
    const { token } = fake.server;
    expect(fake.requests.length).toBeGreaterThan(2);
    for (const request of fake.requests) {
      expect(request.url).not.toContain(token);
      expect(request.headers.referer ?? '').not.toContain(token);
      expect(request.headers.cookie).toBeUndefined();
    }
    const carrying = fake.requests.filter((request) => JSON.stringify(request.headers).includes(token));
    expect(carrying.map((request) => [request.url, request.upgrade, request.headers['sec-websocket-protocol']])).toEqual([
      ['/ws', true, `portwatch.v1, portwatch.token.${token}`],
    ]);
    // Chromium took `portwatch.v1` as the answer to the two protocols it offered: the app is connected.
    expect(fake.server.clients()).toBe(1);
  });

  it('leaves nothing in the browser that another local program could replay', async () => {
    expect(await context.cookies()).toEqual([]);
    const { port } = fake.server;
    const origin = `http://127.0.0.1:${port}`;
    // Everything the browser sent, replayed from another program with the right Origin.
    for (const sent of pageRequestHeaders) {
      const replay = Object.fromEntries(Object.entries(sent).filter(([name]) => !name.startsWith(':') && name !== 'host' && !name.startsWith('sec-websocket')));
      expect((await httpGet(port, '/export.csv', { ...replay, origin })).status).toBe(401);
      expect((await httpGet(port, '/auth-check', { ...replay, origin })).status).toBe(401);
      await expect(openWs(port, null, { ...replay, origin })).rejects.toThrow(/HTTP 401/);
    }
  });

  it('downloads the export through a single-use ticket', async () => {
    const downloading = page.waitForEvent('download', { timeout: 20_000 });
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const download = await downloading;
    expect(download.url()).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${fake.server.port}/export\\.csv\\?ticket=[0-9a-f]{64}$`));
    const file = join(downloads, 'export.csv');
    await download.saveAs(file);
    expect(readFileSync(file, 'utf8').startsWith('protocol,local_port\r\n')).toBe(true);
    // The link is spent: fetching it again (as anyone who saw it in the downloads list) gets nothing.
    expect((await httpGet(fake.server.port, new URL(download.url()).pathname + new URL(download.url()).search)).status).toBe(401);
  });

  it('keeps working after a reload (the tab kept the token), and a tab opened without it gets no API', async () => {
    await page.reload();
    await expect.poll(() => connected(page), { timeout: 20_000 }).toBe('Connected over websocket');
    const stranger = await context.newPage();
    const before = fake.requests.length;
    await stranger.goto(`http://127.0.0.1:${fake.server.port}/`);
    await expect.poll(() => fake.requests.slice(before).filter((r) => r.upgrade).length, { timeout: 20_000 }).toBeGreaterThan(0);
    const upgrade = fake.requests.slice(before).find((r) => r.upgrade);
    expect(upgrade?.headers['sec-websocket-protocol']).toBeUndefined();
    expect(await stranger.evaluate(() => sessionStorage.getItem('portwatch.serve.token'))).toBeNull();
    // Refused: the only WebSocket the server holds is the first tab's.
    await expect.poll(() => fake.server.clients()).toBe(1);
    await stranger.close();
  });
});

describe('two serve instances in one Chromium', () => {
  let browser: Browser;
  const instances: BuiltServe[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i += 1) instances.push(await startBuiltServe(['--config-dir', mkdtempSync(join(tmpdir(), `pw-two-${i}-`))]));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(instances.map((instance) => instance.stop()));
  });

  it('both load their own data, side by side in one browser profile, also after a reload', async () => {
    const context = await browser.newContext();
    const pages = await Promise.all(instances.map(() => context.newPage()));
    for (const [i, instance] of instances.entries()) await pages[i]?.goto(instance.url.href);
    for (const [i, instance] of instances.entries()) {
      const page = pages[i] as Page;
      await expect.poll(() => connected(page), { timeout: 20_000 }).toBe('Connected over websocket');
      await page.locator('#pw-filter').fill(`lport:${instance.port} state:listen`);
      await page.locator('#pw-filter').press('Enter');
      await expect.poll(() => page.locator('.data-row').first().textContent(), { timeout: 20_000 }).toContain(`127.0.0.1:${instance.port}`);
    }
    // Opening the second did not log out the first (nothing shared by port-blind cookies).
    await pages[0]?.reload();
    await expect.poll(() => connected(pages[0] as Page), { timeout: 20_000 }).toBe('Connected over websocket');
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });
});
