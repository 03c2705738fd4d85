import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/shared/defaults';
import { launchChromium, SCREENSHOT_DIR } from '../support/chromium';
import { SERVE_URL_PATTERN } from '../support/serve';
import { onlyOn } from '../support/platform';

/** A small named process (its title is what the table shows) listening and connecting on loopback. */
interface Demo {
  child: ChildProcess;
  ports: number[];
}

// The demo's own code, run with `node -e`: loopback only; prints the ports it got as one JSON line.
const DEMO_SCRIPT = `
const net = require('node:net');
process.title = process.env.PW_DEMO_NAME;
const wanted = JSON.parse(process.env.PW_DEMO_LISTEN);
const targets = JSON.parse(process.env.PW_DEMO_CONNECT);
const keep = [];
const listen = (port) => new Promise((done) => {
  const server = net.createServer((socket) => keep.push(socket));
  server.once('error', () => server.listen(0, '127.0.0.1', () => done(server.address().port)));
  server.listen(port, '127.0.0.1', () => done(server.address().port));
});
(async () => {
  const ports = [];
  for (const port of wanted) ports.push(await listen(port));
  for (const port of targets) keep.push(net.createConnection({ host: '127.0.0.1', port }).on('error', () => undefined));
  process.stdout.write(JSON.stringify(ports) + '\\n');
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
})();
`;

function startDemo(name: string, listen: number[], connect: number[]): Promise<Demo> {
  const child = spawn(process.execPath, ['-e', DEMO_SCRIPT], {
    env: { ...process.env, PW_DEMO_NAME: name, PW_DEMO_LISTEN: JSON.stringify(listen), PW_DEMO_CONNECT: JSON.stringify(connect) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((done, fail) => {
    child.stdout?.once('data', (chunk: Buffer) => done({ child, ports: JSON.parse(chunk.toString()) as number[] }));
    child.once('exit', (code) => fail(new Error(`demo ${name} exited with ${String(code)}`)));
  });
}

// The built renderer served by the built `portwatch serve` (loopback), over its real WebSocket
// transport and real collector: this machine's own sockets must show, filter and chart.
describe('renderer in Chromium against portwatch serve', () => {
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let url: URL;
  const configDir = mkdtempSync(join(tmpdir(), 'portwatch-ui-'));
  const downloads = mkdtempSync(join(tmpdir(), 'portwatch-ui-downloads-'));
  const errors: string[] = [];

  beforeAll(async () => {
    // Closed rows stay a minute, so the closed mark and the export after closing never race retention.
    writeFileSync(
      join(configDir, 'settings.json'),
      JSON.stringify({ version: 1, settings: { ...DEFAULT_SETTINGS, closedRetentionMs: 60_000 }, probes: [], windowBounds: null }),
    );
    server = spawn(process.execPath, [resolve('out/main/cli.js'), 'serve', '--port', '0', '--config-dir', configDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<URL>((done, fail) => {
      let output = '';
      const timer = setTimeout(() => fail(new Error(`serve printed no URL: ${output}`)), 30_000);
      const read = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = SERVE_URL_PATTERN.exec(output);
        if (match) {
          clearTimeout(timer);
          done(new URL(match[0]));
        }
      };
      server.stdout?.on('data', read);
      server.stderr?.on('data', read);
      server.once('exit', (code) => fail(new Error(`serve exited with ${code}: ${output}`)));
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 820 }, acceptDownloads: true });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(url.href);
  });
  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    rmSync(configDir, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  });

  it('connects over the WebSocket and lists serve’s own listener', async () => {
    // The label reads "none" until the first connection is up.
    await expect.poll(() => page.locator('.transport').textContent(), { timeout: 20_000 }).toBe('Connected over websocket');
    await page.locator('#pw-filter').fill(`lport:${url.port} state:listen`);
    await page.locator('#pw-filter').press('Enter');
    const row = page.locator('.data-row').first();
    await row.waitFor({ timeout: 20_000 });
    await expect(row.locator('[role="gridcell"]:nth-child(3)').textContent()).resolves.toBe(`127.0.0.1:${url.port}`);
    await expect(row.locator('[role="gridcell"]:nth-child(8)').textContent()).resolves.toBe('LISTEN');
    await expect(page.locator('.status-bar').textContent()).resolves.toMatch(/Every \d/);
  });

  it('draws the ports chart from the real aggregates', async () => {
    await page.locator('[role="tab"][data-tab="ports"]').click();
    const canvas = page.locator('#pw-panel-ports canvas').first();
    await canvas.waitFor({ timeout: 20_000 });
    await expect
      .poll(() =>
        canvas.evaluate((c) => {
          const el = c as HTMLCanvasElement;
          const data = el.getContext('2d')?.getImageData(0, 0, el.width, el.height).data ?? new Uint8ClampedArray();
          let inked = 0;
          for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) inked += 1;
          return inked;
        }),
      )
      .toBeGreaterThan(500);
    await expect(page.getByRole('cell', { name: `tcp/${url.port}` }).count()).resolves.toBe(1);
    expect(errors).toEqual([]);
  });
  // Before the socket test below, so the picture has no closed rows or export message in it.
  it.skipIf(onlyOn('linux', 'finds the demo processes by their process.title, which only Linux shows to other processes'))('saves the README picture: the connections view of the real UI, sorted by local address', async () => {
    // A few named loopback services and their clients, so the table reads like a real machine.
    await page.locator('[role="tab"][data-tab="connections"]').click();
    const demos: Demo[] = [];
    try {
      const db = await startDemo('demo-db', [5432], []);
      demos.push(db);
      const cache = await startDemo('demo-cache', [6379], []);
      demos.push(cache);
      const api = await startDemo('demo-api', [8080], [db.ports[0] ?? 0, db.ports[0] ?? 0, cache.ports[0] ?? 0]);
      demos.push(api);
      demos.push(await startDemo('demo-browser', [], [api.ports[0] ?? 0, api.ports[0] ?? 0]));
      // Wait for every demo row through a filter (the table is virtualized: off-screen rows are not
      // in the page), past the new-row highlight, then show the whole table for the picture.
      const filter = page.locator('#pw-filter');
      await filter.fill('proc:demo-');
      await filter.press('Enter');
      const demoRows = page.locator('.data-row');
      // 3 listeners, and both ends of 5 connections.
      await expect.poll(() => demoRows.count(), { timeout: 20_000 }).toBe(13);
      await expect.poll(() => demoRows.filter({ hasText: 'new' }).count(), { timeout: 20_000 }).toBe(0);
      await filter.fill('');
      await filter.press('Enter');
      const sortButton = page.locator('.sort-button[data-column="local"]');
      await sortButton.click();
      const header = page.locator('[role="columnheader"]').filter({ has: sortButton });
      if ((await header.getAttribute('aria-sort')) !== 'ascending') await sortButton.click();
      await expect(header.getAttribute('aria-sort')).resolves.toBe('ascending');
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const shot = join(SCREENSHOT_DIR, 'serve-connections.png');
      await page.screenshot({ path: shot });
      const png = readFileSync(shot);
      // PNG IHDR: width and height at bytes 16 and 20.
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1360, 820]);
    } finally {
      for (const demo of demos) demo.child.kill('SIGTERM');
    }
    expect(errors).toEqual([]);
  });
  it('shows a socket the test opened, marks it closed in words after it closes, and exports it as CSV', async () => {
    await page.locator('[role="tab"][data-tab="connections"]').click();
    const listener: Server = createServer();
    await new Promise<void>((done) => listener.listen(0, '127.0.0.1', done));
    const port = (listener.address() as { port: number }).port;
    const accepted = new Promise<Socket>((done) => listener.once('connection', done));
    const client = createConnection({ host: '127.0.0.1', port });
    await new Promise<void>((done) => client.once('connect', () => done()));
    const server = await accepted;
    const clientPort = client.localPort ?? -1;

    await page.locator('#pw-filter').fill(`port:${port}`);
    await page.locator('#pw-filter').press('Enter');
    const rows = page.locator('.data-row');
    const listenerRow = rows.filter({ hasText: `127.0.0.1:${port}` }).filter({ hasText: 'LISTEN' });
    await listenerRow.waitFor({ timeout: 20_000 });
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(3);
    await expect(rows.filter({ hasText: `127.0.0.1:${clientPort}` }).filter({ hasText: 'ESTABLISHED' }).count()).resolves.toBe(2);

    // A reset, not a FIN: the closing end would otherwise stay in the table as TIME_WAIT.
    client.resetAndDestroy();
    server.destroy();
    await new Promise<void>((done) => listener.close(() => done()));
    // Marked in words (the change column), not only by colour.
    await expect.poll(() => listenerRow.locator('.change-mark').textContent(), { timeout: 20_000 }).toMatch(/closed/);
    await expect.poll(() => rows.filter({ hasText: 'closed' }).count(), { timeout: 20_000 }).toBe(3);

    const downloading = page.waitForEvent('download', { timeout: 20_000 });
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const download = await downloading;
    expect(download.url()).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${url.port}/export\\.csv\\?ticket=[0-9a-f]{64}$`));
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const file = join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    const table = Papa.parse<Record<string, string>>(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true }).data;
    // The UI's filter went with the export: exactly the three rows of that port, each closed.
    const mine = table.filter((r) => r.local_port === String(port) && r.state === 'LISTEN');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ local_address: '127.0.0.1', change: 'closed', protocol: 'tcp' });
    expect(table.map((r) => `${r.local_port ?? ''}>${r.remote_port ?? ''} ${r.change ?? ''}`).sort()).toEqual(
      [`${port}> closed`, `${port}>${clientPort} closed`, `${clientPort}>${port} closed`].sort(),
    );
    expect(errors).toEqual([]);
  });

});
