import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../src/shared/defaults';
import type { PortwatchApi } from '../../../src/shared/api';
import type { ProbeResult, TcpProbeSpec } from '../../../src/shared/model';
import { useHistoryStore } from '../../../src/renderer/stores/history';
import { useProbesStore } from '../../../src/renderer/stores/probes';
import { useSettingsStore } from '../../../src/renderer/stores/settings';
import { createFakeApi } from '../../support/fake-api';
import { settle, storeApp } from '../support/store-app';

const tcpProbe = (partial: Partial<TcpProbeSpec> = {}): TcpProbeSpec => ({
  id: 'redis',
  label: 'Redis',
  kind: 'tcp',
  host: '127.0.0.1',
  port: 6379,
  intervalMs: 30_000,
  timeoutMs: 5_000,
  enabled: true,
  downAfter: 3,
  upAfter: 1,
  ...partial,
});

describe('useSettingsStore', () => {
  it('starts from the defaults, then loads the settings and capabilities', async () => {
    const { api } = createFakeApi();
    storeApp(api);
    const store = useSettingsStore();
    expect(store.settings).toEqual(DEFAULT_SETTINGS);
    await store.load();
    expect(store.loaded).toBe(true);
    expect(store.capabilities?.transport).toBe('fake');
  });

  it('refuses a bad patch with the shared schema’s message, in the form’s words and units, before calling the service', async () => {
    const { api, control } = createFakeApi();
    storeApp(api);
    const store = useSettingsStore();
    await expect(store.save({ pollIntervalMs: 100 })).resolves.toEqual({ ok: false, error: 'Poll interval must be at least 0.5 seconds' });
    expect(control.calls.some((c) => c.method === 'setSettings')).toBe(false);
  });

  it('saves a good patch and keeps what the service answered', async () => {
    const { api } = createFakeApi();
    storeApp(api);
    const store = useSettingsStore();
    await expect(store.save({ theme: 'dark', pollIntervalMs: 2000 })).resolves.toEqual({ ok: true });
    expect(store.settings.theme).toBe('dark');
    expect(store.settings.pollIntervalMs).toBe(2000);
  });
});

describe('useProbesStore', () => {
  it('validates with the shared probe rules and names the bad field without calling the service', async () => {
    const { api, control } = createFakeApi();
    storeApp(api);
    const store = useProbesStore();
    await store.load();
    const result = await store.save(tcpProbe({ host: 'not a host!', port: 70000 }), false);
    expect(result).toEqual({ ok: false, error: 'host must be a host name, an IPv4 address or an IPv6 address; port must be at most 65535' });
    expect(control.calls.some((c) => c.method === 'saveProbe')).toBe(false);
  });

  it('adds, refuses a duplicate id, runs and deletes a probe', async () => {
    const { api } = createFakeApi();
    storeApp(api);
    const store = useProbesStore();
    await store.load();
    expect((await store.save(tcpProbe(), false)).ok).toBe(true);
    expect(store.probes.map((p) => p.spec.id)).toEqual(['redis']);
    await expect(store.save(tcpProbe(), false)).resolves.toEqual({ ok: false, error: 'id "redis" is already used by another probe' });
    expect((await store.save(tcpProbe({ label: 'Cache' }), true)).ok).toBe(true);
    expect(store.probes[0]?.spec.label).toBe('Cache');

    const run = await store.run('redis');
    await settle();
    expect(run.ok).toBe(true);
    // The result arrives twice (the reply and the event); it is one point of history.
    expect(store.probes[0]?.history).toHaveLength(1);
    expect(store.probes[0]?.health).toBe('up');

    await expect(store.remove('redis')).resolves.toEqual({ ok: true, value: null });
    expect(store.probes).toEqual([]);
    await expect(store.remove('redis')).resolves.toEqual({ ok: false, error: 'no probe with id "redis"' });
  });

  it('updates health and latency history from result events', async () => {
    const { api, control } = createFakeApi();
    storeApp(api);
    const store = useProbesStore();
    await store.load();
    await store.save(tcpProbe(), false);
    const result = (at: number, ok: boolean): ProbeResult => ({
      probeId: 'redis', kind: 'tcp', at, outcome: ok ? 'open' : 'refused', ok, latencyMs: ok ? 2 : null,
      message: ok ? 'open' : 'refused', health: ok ? 'up' : 'down', transition: null,
    });
    control.emitProbeResult(result(1000, true));
    control.emitProbeResult(result(2000, false));
    expect(store.probes[0]?.health).toBe('down');
    expect(store.probes[0]?.history.map((h) => [h.at, h.latencyMs])).toEqual([[1000, 2], [2000, null]]);
  });
});

describe('useHistoryStore', () => {
  it('reads the chosen window and clamps it to 1 min … 1 h', async () => {
    const { api, control } = createFakeApi();
    storeApp(api);
    const store = useHistoryStore();
    await store.load();
    await store.setWindow(10);
    await store.setWindow(7_200_000);
    const windows = control.calls.filter((c) => c.method === 'getHistory').map((c) => c.args[0]);
    expect(windows).toEqual([
      { durationMs: 300_000, maxPoints: 600 },
      { durationMs: 60_000, maxPoints: 600 },
      { durationMs: 3_600_000, maxPoints: 600 },
    ]);
    expect(store.history?.samples).toEqual([]);
  });

  it('shows a failed read in words', async () => {
    const { api } = createFakeApi();
    const failing: PortwatchApi = { ...api, getHistory: () => Promise.reject(new Error('history is off')) };
    storeApp(failing);
    const store = useHistoryStore();
    await store.load();
    expect(store.error).toBe('Could not load the history: history is off');
  });
});
