import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../scripts/electron-binary.mjs';

// The Electron suite runs where the runtime binary exists; elsewhere it skips with one printed
// reason, and REQUIRE_ELECTRON=1 turns that skip into a failure.
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

describe.skipIf(!binary.ok)('Electron app', () => {
  it('opens its window with the renderer loaded', async () => {
    const { _electron } = await import('playwright');
    const app = await _electron.launch({
      executablePath: binary.ok ? binary.path : '',
      args: ['.', '--no-sandbox'],
      env: { ...process.env, PORTWATCH_E2E: '1' },
    });
    try {
      const window = await app.firstWindow();
      await window.waitForSelector('h1');
      expect(await window.title()).toBe('Portwatch');
      expect(await window.evaluate(() => typeof (window as unknown as { portwatch?: unknown }).portwatch)).toBe('object');
    } finally {
      await app.close();
    }
  });
});
