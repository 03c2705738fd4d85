import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';

// The built renderer served by the built `portwatch serve` (loopback), over its real WebSocket
// transport and real collector: this machine's own sockets must show, filter and chart.
describe('renderer in Chromium against portwatch serve', () => {
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let url: URL;
  const configDir = mkdtempSync(join(tmpdir(), 'portwatch-ui-'));
  const errors: string[] = [];

  beforeAll(async () => {
    server = spawn(process.execPath, [resolve('out/main/cli.js'), 'serve', '--port', '0', '--config-dir', configDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<URL>((done, fail) => {
      let output = '';
      const timer = setTimeout(() => fail(new Error(`serve printed no URL: ${output}`)), 30_000);
      const read = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(output);
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
    page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
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
  });

  it('connects over the WebSocket and lists serve’s own listener', async () => {
    await expect(page.locator('.transport').textContent()).resolves.toBe('Connected over websocket');
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
});
