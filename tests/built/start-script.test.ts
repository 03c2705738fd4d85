import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../scripts/electron-binary.mjs';

// `npm start` where the Electron runtime cannot be had: one line saying so, then `portwatch serve`
// with a URL that answers. The mirror is a closed loopback port, so the download fails at once and
// touches no other host.
const binary = findElectronBinary();
let child: ChildProcess | null = null;

afterEach(() => {
  child?.kill('SIGTERM');
  child = null;
});

function startAndWaitForUrl(args: string[]): Promise<{ url: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ELECTRON_MIRROR: 'http://127.0.0.1:9/',
    ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
    electron_config_cache: join(tmpdir(), 'portwatch-test-electron-cache'),
    PORTWATCH_ELECTRON_INSTALL_TIMEOUT_MS: '30000',
    XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'pw-start-')),
    // serve records its connection journal in the data folder: keep it out of the real one.
    XDG_DATA_HOME: mkdtempSync(join(tmpdir(), 'pw-start-data-')),
  };
  const started = spawn(process.execPath, ['scripts/start.mjs', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child = started;
  let stdout = '';
  let stderr = '';
  started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed; stdout: ${stdout} stderr: ${stderr}`)), 90_000);
    started.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[0], stderr });
      }
    });
    started.on('exit', (code) => reject(new Error(`start exited ${code} before printing a URL; stderr: ${stderr}`)));
  });
}

describe.skipIf(binary.ok)('npm start without the Electron runtime', () => {
  it('says why in one line and falls back to serve, whose URL answers', async () => {
    const { url, stderr } = await startAndWaitForUrl([]);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^portwatch: cannot start the desktop app: the Electron runtime is missing and its download failed \(.*(ECONNREFUSED|127\.0\.0\.1).*\); running portwatch serve instead/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('portwatch-transport');
  });
});

describe('npm start -- --browser', () => {
  it('runs serve directly and prints a URL that answers', async () => {
    const { url, stderr } = await startAndWaitForUrl(['--browser']);
    expect(stderr.trim()).toBe('portwatch: --browser given: running portwatch serve; open the URL it prints');
    expect((await fetch(url)).status).toBe(200);
  });
});
