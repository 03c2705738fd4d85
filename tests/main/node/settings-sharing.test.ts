/**
 * The settings file under concurrent writers, on real files: the real service (settings store,
 * probe runner, dispatch) in this process, and two separate Node processes on one file.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dispatchRequest } from '../../../src/main/core/service';
import { JsonSettingsStore, SETTINGS_FILE_NAME } from '../../../src/main/node/settings-file';
import type { TcpProbeSpec } from '../../../src/shared/model';
import { bundleScript, runScript } from '../../support/node-script';
import { startServiceOn } from '../../support/real-service';

function startService(configDir: string): ReturnType<typeof startServiceOn> {
  return startServiceOn(new JsonSettingsStore(join(configDir, SETTINGS_FILE_NAME)));
}

const probe = (id: string, port: number): TcpProbeSpec => ({ id, label: id, kind: 'tcp', host: '127.0.0.1', port, intervalMs: 10_000, timeoutMs: 1000, enabled: false, downAfter: 1, upAfter: 1 });

describe('the real service on a real settings file', () => {
  it('keeps all of 30 concurrent probe saves and 3 concurrent settings changes across a restart', async () => {
    const configDir = await mkdtemp(join(tmpdir(), 'pw-sharing-'));
    const service = await startService(configDir);
    const results = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => dispatchRequest(service.handlers, 'saveProbe', [probe(`p${i}`, 2000 + i)])),
      dispatchRequest(service.handlers, 'setSettings', [{ pollIntervalMs: 2500 }]),
      dispatchRequest(service.handlers, 'setSettings', [{ theme: 'dark' }]),
      dispatchRequest(service.handlers, 'setSettings', [{ closedRetentionMs: 1234 }]),
    ]);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    await service.stop();

    const restarted = await startService(configDir);
    const ids = (await restarted.handlers.listProbes()).map((p) => p.spec.id);
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => `p${i}`));
    expect(await restarted.handlers.getSettings()).toMatchObject({ pollIntervalMs: 2500, theme: 'dark', closedRetentionMs: 1234 });
    await restarted.stop();
    expect(await readdir(configDir)).toEqual([SETTINGS_FILE_NAME]);
  });
});

describe('two processes on one settings file', () => {
  let script = '';
  beforeAll(async () => {
    script = await bundleScript('settings-writer');
  });

  it('loses no update when both save probes and change settings at the same time', async () => {
    const configDir = await mkdtemp(join(tmpdir(), 'pw-sharing-'));
    const file = join(configDir, SETTINGS_FILE_NAME);
    const writers = [runScript(script, [file, 'a', '25', '{"theme":"dark"}']), runScript(script, [file, 'b', '25', '{"pollIntervalMs":3000}'])];
    await Promise.all(writers.map((w) => w.line(/^ready$/)));
    // Both start at once: their read-modify-writes overlap on the one file.
    for (const writer of writers) writer.child.stdin.write('go\n');
    expect(await Promise.all(writers.map((w) => w.line(/^done /)))).toEqual(['done 26', 'done 26']);
    expect((await Promise.all(writers.map((w) => w.exited))).map((e) => e.code)).toEqual([0, 0]);

    const { state, notice } = await new JsonSettingsStore(file).load();
    expect(notice).toBeNull();
    const expected = ['a', 'b'].flatMap((name) => Array.from({ length: 25 }, (_, i) => `${name}-${i}`));
    expect(state.probes.map((p) => p.id).sort()).toEqual(expected.sort());
    expect(state.settings).toMatchObject({ theme: 'dark', pollIntervalMs: 3000 });
    // No lock and no temporary file left behind.
    expect(await readdir(configDir)).toEqual([SETTINGS_FILE_NAME]);
  });
});
