import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_SETTINGS, DEFAULT_SETTINGS } from '../../../src/shared/defaults';
import type { HealthSignal, PollStatus, ProbeResult, ProbeSpec, ProbeState, SnapshotDelta } from '../../../src/shared/model';
import { LIMITS } from '../../../src/shared/schemas';
import type { CollectorSettings } from '../../../src/main/core/collector-api';
import type { ProbePort } from '../../../src/main/core/portwatch-service';
import { createPortwatchService } from '../../../src/main/core/portwatch-service';
import type { ServiceNotice } from '../../../src/main/core/service';
import { dispatchRequest } from '../../../src/main/core/service';
import type { PersistedState } from '../../../src/main/core/settings-store';
import { addedDelta, makeConnection, okStatus } from '../../support/connections';
import { fakeCollector } from '../../support/fake-collector';
import { MemorySettingsStore } from '../../support/memory-store';

function fakeProbes(): ProbePort & { specs: ProbeSpec[]; emit(r: ProbeResult): void } {
  const listeners = new Set<(r: ProbeResult) => void>();
  const state = (spec: ProbeSpec): ProbeState => ({ spec, health: 'unknown', lastResult: null, history: [] });
  const port = {
    specs: [] as ProbeSpec[],
    setProbes: (specs: readonly ProbeSpec[]) => {
      port.specs = [...specs];
    },
    runNow: async (id: string): Promise<ProbeResult> => ({ probeId: id, kind: 'tcp', at: 1, outcome: 'open', ok: true, latencyMs: 1, message: 'open', health: 'up', transition: null }),
    list: () => port.specs.map(state),
    onResult: (l: (r: ProbeResult) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    stop: () => undefined,
    emit: (r: ProbeResult) => listeners.forEach((l) => l(r)),
  };
  return port;
}

const probe: ProbeSpec = { kind: 'tcp', id: 'web', label: 'Web', host: '127.0.0.1', port: 8080, intervalMs: 10_000, timeoutMs: 2_000, enabled: true, downAfter: 3, upAfter: 1 };

async function setup(initial?: Partial<PersistedState>, notice: string | null = null) {
  const store = new MemorySettingsStore(initial, notice);
  const collector = fakeCollector();
  const probes = fakeProbes();
  const created: CollectorSettings[] = [];
  const service = await createPortwatchService({
    store,
    createCollector: (options) => {
      created.push(options);
      return collector;
    },
    probes,
    exporter: async () => ({ kind: 'cancelled' }),
    endProcess: async (r) => ({ ok: false, message: `refused ${r.pid}` }),
    natRules: async () => ({ readable: false as const, reason: 'test: no packet filter here' }),
    capabilities: { transport: 'ipc', nativeSaveDialog: true, tray: true, platform: 'linux', version: '1' },
  });
  return { service, store, collector, probes, created };
}

const delta = (seq: number, added = [makeConnection()]): SnapshotDelta => addedDelta(seq, added);

describe('createPortwatchService', () => {
  it('starts the collector with the stored settings and the probe runner with the stored probes', async () => {
    const { created, probes } = await setup({ settings: { ...DEFAULT_SETTINGS, pollIntervalMs: 2000 }, probes: [probe] });
    expect(created).toEqual([
      { pollIntervalMs: 2000, closedRetentionMs: DEFAULT_SETTINGS.closedRetentionMs, socketSource: 'auto', reverseDns: false, journalEnabled: true, journalRetentionDays: 7, journalMaxMb: 1024 },
    ]);
    expect(probes.specs).toEqual([probe]);
  });

  it('persists settings, then applies them to the collector', async () => {
    const { service, store, collector } = await setup();
    const result = await dispatchRequest(service.handlers, 'setSettings', [{ pollIntervalMs: 5000 }]);
    expect(result).toMatchObject({ ok: true, value: { pollIntervalMs: 5000 } });
    expect(store.saved.at(-1)?.settings.pollIntervalMs).toBe(5000);
    expect(collector.options.at(-1)).toMatchObject({ pollIntervalMs: 5000 });
  });

  it('passes the journal settings to the collector (which records the journal)', async () => {
    const { service, collector } = await setup();
    await dispatchRequest(service.handlers, 'setSettings', [{ journalEnabled: false, journalRetentionDays: 30 }]);
    expect(collector.options.at(-1)).toMatchObject({ journalEnabled: false, journalRetentionDays: 30, journalMaxMb: 1024 });
  });

  it('changes nothing when the settings file cannot be written', async () => {
    const { service, store, collector } = await setup();
    store.failNext = 'cannot write settings.json: permission denied';
    const result = await dispatchRequest(service.handlers, 'setSettings', [{ pollIntervalMs: 5000 }]);
    expect(result).toEqual({ ok: false, error: 'cannot write settings.json: permission denied' });
    expect(await service.handlers.getSettings()).toEqual(DEFAULT_SETTINGS);
    expect(collector.options).toEqual([]);
  });

  it('saves a valid probe to the store and the runner; a failed save leaves both untouched', async () => {
    const { service, store, probes } = await setup();
    expect(await dispatchRequest(service.handlers, 'saveProbe', [probe])).toMatchObject({ ok: true });
    expect(store.saved.at(-1)?.probes).toEqual([probe]);
    store.failNext = 'disk full';
    const second = { ...probe, id: 'db', port: 5432 };
    expect(await dispatchRequest(service.handlers, 'saveProbe', [second])).toEqual({ ok: false, error: 'disk full' });
    expect(probes.specs.map((p) => p.id)).toEqual(['web']);
    expect(await dispatchRequest(service.handlers, 'deleteProbe', ['nope'])).toEqual({ ok: false, error: 'no probe with id "nope"' });
    expect(await dispatchRequest(service.handlers, 'deleteProbe', ['web'])).toEqual({ ok: true, value: undefined });
    expect(probes.specs).toEqual([]);
  });

  it('loses no change when 30 probe saves and 3 settings changes overlap', async () => {
    const { service, store, probes } = await setup();
    store.writeDelayMs = 1;
    const saves = Array.from({ length: 30 }, (_, i) => dispatchRequest(service.handlers, 'saveProbe', [{ ...probe, id: `p${i}`, port: 1000 + i }]));
    const patches = [{ pollIntervalMs: 2000 }, { theme: 'dark' as const }, { reverseDns: true }].map((patch) => dispatchRequest(service.handlers, 'setSettings', [patch]));
    const results = await Promise.all([...saves, ...patches]);
    expect(results.every((r) => r.ok)).toBe(true);
    const stored = store.document();
    expect(stored.probes.map((p) => p.id)).toEqual(Array.from({ length: 30 }, (_, i) => `p${i}`));
    expect(stored.settings).toMatchObject({ pollIntervalMs: 2000, theme: 'dark', reverseDns: true });
    expect(probes.specs.map((p) => p.id)).toEqual(stored.probes.map((p) => p.id));
    expect(await service.handlers.getSettings()).toEqual(stored.settings);
  });

  it('follows a change another process made: settings, the probe list, the runner and the collector', async () => {
    const { service, store, probes, collector } = await setup({ probes: [probe] });
    store.external((doc) => ({ ...doc, settings: { ...doc.settings, pollIntervalMs: 4000 }, probes: [...doc.probes, { ...probe, id: 'db', port: 5432 }] }));
    expect((await service.handlers.getSettings()).pollIntervalMs).toBe(4000);
    expect((await service.handlers.listProbes()).map((p) => p.spec.id)).toEqual(['web', 'db']);
    expect(probes.specs.map((p) => p.id)).toEqual(['web', 'db']);
    await Promise.resolve();
    expect(collector.options.at(-1)).toMatchObject({ pollIntervalMs: 4000 });
    // A later change of ours builds on it instead of overwriting it.
    await dispatchRequest(service.handlers, 'setSettings', [{ theme: 'light' }]);
    expect(store.document().settings).toMatchObject({ pollIntervalMs: 4000, theme: 'light' });
    expect(store.document().probes.map((p) => p.id)).toEqual(['web', 'db']);
  });

  it('refuses a probe beyond the maximum, checked against the newest list', async () => {
    const full = Array.from({ length: LIMITS.maxProbes }, (_, i) => ({ ...probe, id: `p${i}` }));
    const { service, store } = await setup({ probes: full.slice(0, -1) });
    store.external((doc) => ({ ...doc, probes: full }));
    expect(await dispatchRequest(service.handlers, 'saveProbe', [{ ...probe, id: 'one-more' }])).toEqual({ ok: false, error: `at most ${LIMITS.maxProbes} probes can be defined` });
    expect(await dispatchRequest(service.handlers, 'saveProbe', [{ ...probe, id: 'p0', port: 81 }])).toMatchObject({ ok: true, value: { spec: { id: 'p0', port: 81 } } });
    expect(store.document().probes).toHaveLength(LIMITS.maxProbes);
  });

  it('carries the settings-file notice in every status', async () => {
    const { service, collector } = await setup({}, 'settings.json was corrupt; moved aside, defaults loaded');
    const statuses: PollStatus[] = [];
    service.subscribe('onStatus', (s) => statuses.push(s));
    collector.emitStatus(okStatus());
    expect(statuses[0]?.notices).toEqual(['settings.json was corrupt; moved aside, defaults loaded']);
    expect((await service.handlers.getSnapshot()).status.notices).toHaveLength(1);
  });

  it('announces listeners that appear after the first delta, and exposure beyond loopback', async () => {
    const { service, collector } = await setup();
    const notices: ServiceNotice[] = [];
    service.onNotice((n) => notices.push(n));
    collector.emit(delta(1, [makeConnection({ localPort: 1 })]));
    expect(notices).toEqual([]);
    collector.emit(delta(2, [makeConnection({ localPort: 8443, localAddress: '0.0.0.0', exposure: 'all-interfaces', owners: [{ pid: 7, name: 'caddy' }] })]));
    expect(notices.map((n) => n.kind)).toEqual(['new-listener', 'newly-exposed']);
    expect(notices[0]).toMatchObject({ endpoint: 'TCP 0.0.0.0:8443', process: 'caddy' });
  });

  it('announces newly exposed sockets exactly: not loopback ones, not connected ones, and UDP too', async () => {
    const { service, collector } = await setup();
    const notices: ServiceNotice[] = [];
    service.onNotice((n) => notices.push(n));
    collector.emit(delta(1, []));
    collector.emit(
      delta(2, [
        makeConnection({ localPort: 3000, localAddress: '127.0.0.1', exposure: 'loopback' }),
        makeConnection({ localPort: 5432, localAddress: '192.168.1.5', exposure: 'specific', owners: [{ pid: 8, name: 'postgres' }] }),
        makeConnection({ protocol: 'udp', localPort: 5353, localAddress: '0.0.0.0', state: 'UNCONN', exposure: 'all-interfaces', owners: [{ pid: 9, name: 'avahi' }] }),
        makeConnection({ localPort: 40_000, localAddress: '10.0.0.2', remoteAddress: '10.0.0.9', remotePort: 443, state: 'ESTABLISHED' }),
      ]),
    );
    expect(notices.map((n) => ('endpoint' in n ? `${n.kind} ${n.endpoint} ${n.process ?? '-'}` : n.kind))).toEqual([
      'new-listener TCP 127.0.0.1:3000 node',
      'new-listener TCP 192.168.1.5:5432 postgres',
      'newly-exposed TCP 192.168.1.5:5432 postgres',
      'newly-exposed UDP 0.0.0.0:5353 avahi',
    ]);
    expect(notices.every((n) => n.at === 2000)).toBe(true);
  });

  it('answers getNatRules from its natRules dependency', async () => {
    const { service } = await setup();
    expect(await dispatchRequest(service.handlers, 'getNatRules', [])).toEqual({ ok: true, value: { readable: false, reason: 'test: no packet filter here' } });
  });

  it('turns probe transitions into notices', async () => {
    const { service, probes } = await setup({ probes: [probe] });
    const notices: ServiceNotice[] = [];
    service.onNotice((n) => notices.push(n));
    probes.emit({ probeId: 'web', kind: 'tcp', at: 5, outcome: 'refused', ok: false, latencyMs: null, message: 'connection refused', health: 'down', transition: 'down' });
    probes.emit({ probeId: 'web', kind: 'tcp', at: 6, outcome: 'refused', ok: false, latencyMs: null, message: 'connection refused', health: 'down', transition: null });
    expect(notices).toEqual([{ kind: 'probe-down', probeId: 'web', label: 'Web', message: 'connection refused', at: 5 }]);
  });

  it('notifies health signals when they first appear (firstSeen = the poll), rate-limited, and not when muted', async () => {
    const signal = (id: string, firstSeen: number, lastSeen: number): HealthSignal => ({
      id,
      kind: 'close-wait',
      severity: 'warning',
      title: `title ${id}`,
      explanation: `why ${id}`,
      rowKeys: [],
      processes: [],
      value: 10,
      threshold: 10,
      firstSeen,
      lastSeen,
    });
    const { service, collector } = await setup();
    const notices: ServiceNotice[] = [];
    service.onNotice((n) => notices.push(n));
    collector.emit({ ...delta(1, []), health: [signal('a', 1000, 1000)] });
    collector.emit({ ...delta(2, []), health: [signal('a', 1000, 2000), signal('b', 2000, 2000)] });
    expect(notices).toEqual([
      { kind: 'health', id: 'a', title: 'title a', message: 'why a', at: 1000 },
      { kind: 'health', id: 'b', title: 'title b', message: 'why b', at: 2000 },
    ]);
    const muted = await setup({ settings: { ...DEFAULT_SETTINGS, health: { ...DEFAULT_HEALTH_SETTINGS, notify: false } } });
    const none: ServiceNotice[] = [];
    muted.service.onNotice((n) => none.push(n));
    muted.collector.emit({ ...delta(1, []), health: [signal('a', 1000, 1000)] });
    expect(none).toEqual([]);
  });

  it('passes traffic and health settings to the collector', async () => {
    const health = { ...DEFAULT_HEALTH_SETTINGS, closeWaitPerProcess: 3 };
    const { created, collector, service } = await setup({ settings: { ...DEFAULT_SETTINGS, trafficEnabled: false, health } });
    expect(created[0]).toMatchObject({ trafficEnabled: false, health });
    await service.handlers.setSettings({ trafficEnabled: true });
    expect(collector.options.at(-1)).toMatchObject({ trafficEnabled: true, health });
  });
});
