import { resolve } from 'node:path';
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { serveStatic } from '../support/static-server';

// The built renderer in real Chromium, with no transport: it must load under its CSP and say that
// no service is connected rather than show an empty page.
describe('built renderer in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serveStatic>>;

  beforeAll(async () => {
    server = await serveStatic(resolve('out/renderer'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('renders the shell without console errors', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(server.url);
    await expect(page.locator('h1').textContent()).resolves.toBe('Portwatch');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('No Portwatch service');
    expect(errors).toEqual([]);
  });
});
