import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../scripts/electron-binary.mjs';
import { browserCommand } from '../../scripts/open-browser.mjs';
import { SERVE_URL_PATTERN } from '../support/serve';
import { skipWhen } from '../support/platform';

// `npm start` where the Electron runtime cannot be had: one line saying so, then `portwatch serve`
// with a URL that answers, opened in "the browser" ($BROWSER: a recorder, so no real browser starts).
// The mirror is a closed loopback port, so the download fails at once and touches no other host.
const binary = findElectronBinary();
let child: ChildProcess | null = null;

afterEach(() => {
  child?.kill('SIGTERM');
  child = null;
});

interface Started {
  url: string;
  token: string;
  stdout(): string;
  stderr(): string;
  /** Where the recording browser writes the URL it was asked to open. */
  opened: string;
  exited: Promise<void>;
}

function startAndWaitForUrl(args: string[]): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-start-'));
  const opened = join(dir, 'opened.txt');
  const recorder = join(dir, 'browser.cjs');
  writeFileSync(recorder, `require('node:fs').writeFileSync(${JSON.stringify(opened)}, process.argv[2]);\n`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ELECTRON_MIRROR: 'http://127.0.0.1:9/',
    ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
    electron_config_cache: join(tmpdir(), 'portwatch-test-electron-cache'),
    PORTWATCH_ELECTRON_INSTALL_TIMEOUT_MS: '30000',
    XDG_CONFIG_HOME: dir,
    BROWSER: `${process.execPath} ${recorder}`,
    // serve records its connection journal in the data folder: keep it out of the real one.
    XDG_DATA_HOME: mkdtempSync(join(tmpdir(), 'pw-start-data-')),
  };
  const started = spawn(process.execPath, ['scripts/start.mjs', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child = started;
  let stdout = '';
  let stderr = '';
  const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
  started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed; stdout: ${stdout} stderr: ${stderr}`)), 90_000);
    started.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = SERVE_URL_PATTERN.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[0], token: match[2] ?? '', stdout: () => stdout, stderr: () => stderr, opened, exited });
      }
    });
    started.on('exit', (code) => reject(new Error(`start exited ${code} before printing a URL; stderr: ${stderr}`)));
  });
}

// $BROWSER is split at spaces (as browsers' own launchers do): it cannot name C:\Program Files\….
const browserUnnamable = skipWhen(!binary.ok && /\s/.test(process.execPath), `$BROWSER cannot name this Node (${process.execPath}: its path has a space)`);

describe.skipIf(binary.ok || browserUnnamable)('npm start without the Electron runtime', () => {
  it('says why in one line, falls back to serve and opens its URL in the browser', async () => {
    const started = await startAndWaitForUrl([]);
    await expect.poll(() => existsSync(started.opened) && readFileSync(started.opened, 'utf8'), { timeout: 20_000 }).toBe(started.url);
    const lines = started.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^portwatch: the Electron runtime binary is not installed \(its download needs the internet\); downloading it once… failed \(.*(ECONNREFUSED|127\.0\.0\.1).*\); running portwatch serve instead, in your browser$/,
    );
    expect(started.stdout()).toContain('portwatch: opening it in your browser (npm start -- --no-open skips this)');
    const page = await fetch(started.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('portwatch-transport');
    const check = await fetch(new URL('/auth-check', started.url), { headers: { authorization: `Bearer ${started.token}` } });
    expect(check.status).toBe(204);
  });
});

describe('npm start -- --browser', () => {
  it('runs serve directly and prints a URL that answers; --no-open leaves the browser alone', async () => {
    const started = await startAndWaitForUrl(['--browser', '--no-open']);
    expect((await fetch(started.url)).status).toBe(200);
    child?.kill('SIGTERM');
    await started.exited;
    expect(started.stderr().trim()).toBe('portwatch: --browser given: running portwatch serve');
    expect(started.stdout()).not.toContain('opening it in your browser');
    expect(existsSync(started.opened)).toBe(false);
  });
});

describe('the browser command', () => {
  const url = `http://127.0.0.1:5000/#token=${'ab'.repeat(32)}`;
  it('is $BROWSER when set (its first entry; %s marks the URL), else the OS opener', () => {
    expect(browserCommand(url, 'linux', { BROWSER: 'firefox --new-tab %s:chromium' })).toEqual({ command: 'firefox', args: ['--new-tab', url], verbatim: false });
    expect(browserCommand(url, 'linux', { BROWSER: 'w3m' })).toEqual({ command: 'w3m', args: [url], verbatim: false });
    expect(browserCommand(url, 'linux', {})).toEqual({ command: 'xdg-open', args: [url], verbatim: false });
    expect(browserCommand(url, 'darwin', {})).toEqual({ command: 'open', args: [url], verbatim: false });
    expect(browserCommand(url, 'win32', {})).toEqual({ command: 'cmd', args: ['/d', '/s', '/c', `start "" "${url}"`], verbatim: true });
  });
});
