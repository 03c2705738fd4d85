import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../scripts/electron-binary.mjs';

// `npm start` where the Electron runtime cannot be downloaded: one line with the cause, non-zero exit.
// The mirror is a closed loopback port, so the download fails at once and touches no other host.
const binary = findElectronBinary();

describe.skipIf(binary.ok)('npm start without the Electron runtime', () => {
  it('prints one line with the cause and exits non-zero', () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ELECTRON_MIRROR: 'http://127.0.0.1:9/',
      ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
      electron_config_cache: '/tmp/portwatch-test-electron-cache',
      PORTWATCH_ELECTRON_INSTALL_TIMEOUT_MS: '30000',
    };
    const result = spawnSync(process.execPath, ['scripts/start.mjs'], { env, encoding: 'utf8', timeout: 120_000 });
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^portwatch: cannot start the desktop app: the Electron runtime is missing and its download failed \(.+\)$/);
    expect(lines[0]).toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });
});
