/**
 * A fake `PortwatchApi` that behaves like the real service at the contract's level: it validates
 * every argument with the contract's schemas, keeps settings and probes, and emits sequenced deltas
 * that a test scripts through `control`.
 */
import type { PortwatchApi, RequestMethod, Unsubscribe } from '../../src/shared/api';
import { DEFAULT_SETTINGS } from '../../src/shared/defaults';
import type { Connection, History, NatRulesResult, PollStatus, ProbeResult, ProbeState, Settings, Snapshot, SnapshotDelta } from '../../src/shared/model';
import { validateArgs } from '../../src/shared/schemas';
import { countersOf, emptyAggregates, makeConnection, okStatus } from './connections';

/** What a test can make the fake do. */
export interface FakeControl {
  /** Adds rows and emits the delta. */
  add(rows: Connection[]): SnapshotDelta;
  /** Replaces rows (by key) and emits the delta. */
  change(rows: Connection[]): SnapshotDelta;
  /** Removes rows and emits the delta. */
  remove(keys: string[]): SnapshotDelta;
  /** Advances seq without emitting, so the next delta shows a gap. */
  dropNextDelta(): void;
  emitProbeResult(result: ProbeResult): void;
  /** Every request made, in order, with its (validated) arguments. */
  calls: Array<{ method: RequestMethod; args: unknown[] }>;
  rows(): Connection[];
  /** Sets what `getNatRules` answers (default: readable, no rules, source `fake`). */
  setNatRules(result: NatRulesResult): void;
  /** Changes the collector's status and emits it (as `onStatus` does after a poll). */
  setStatus(patch: Partial<PollStatus>): PollStatus;
}

type Listeners<T> = Set<(value: T) => void>;

/** Creates a fake API and its control. */
export function createFakeApi(initialRows: Connection[] = [makeConnection()]): { api: PortwatchApi; control: FakeControl } {
  const rows = new Map(initialRows.map((r) => [r.key, r]));
  let seq = 1;
  let dropNext = false;
  let status: PollStatus = okStatus();
  let settings: Settings = structuredClone(DEFAULT_SETTINGS);
  const probes = new Map<string, ProbeState>();
  const deltaListeners: Listeners<SnapshotDelta> = new Set();
  const probeListeners: Listeners<ProbeResult> = new Set();
  const statusListeners: Listeners<PollStatus> = new Set();
  const calls: FakeControl['calls'] = [];
  let natRules: NatRulesResult = { readable: true, rules: [], source: 'fake' };

  const snapshot = (): Snapshot => ({
    seq,
    capturedAt: Date.now(),
    hostname: 'fakehost',
    status,
    rows: [...rows.values()],
    aggregates: emptyAggregates(),
    counters: countersOf([...rows.values()]),
  });

  const emit = (added: Connection[], changed: Connection[], removedKeys: string[]): SnapshotDelta => {
    seq += 1;
    const delta: SnapshotDelta = {
      seq,
      capturedAt: Date.now(),
      added,
      changed,
      removedKeys,
      aggregates: emptyAggregates(),
      counters: countersOf([...rows.values()]),
      status,
    };
    if (dropNext) {
      dropNext = false;
      return delta;
    }
    // Deliver asynchronously, like every real transport.
    queueMicrotask(() => deltaListeners.forEach((listener) => listener(structuredClone(delta))));
    return delta;
  };

  const setStatus = (patch: Partial<PollStatus>): PollStatus => {
    status = { ...status, ...patch };
    queueMicrotask(() => statusListeners.forEach((listener) => listener(status)));
    return status;
  };

  /** Validates like a real transport and rejects with the contract's message. */
  const request = async <K extends RequestMethod, T>(method: K, args: unknown[], run: (...valid: Parameters<PortwatchApi[K]>) => T): Promise<Awaited<T>> => {
    const checked = validateArgs(method, args);
    if (!checked.ok) throw new Error(checked.error);
    calls.push({ method, args: checked.value });
    return structuredClone(await run(...checked.value));
  };

  const subscribe = <T>(set: Listeners<T>, listener: (value: T) => void): Unsubscribe => {
    set.add(listener);
    return () => set.delete(listener);
  };

  const api: PortwatchApi = {
    getSnapshot: (...args) => request('getSnapshot', args, snapshot),
    getHistory: (...args) =>
      request('getHistory', args, (window): History => {
        const to = Date.now();
        return { from: to - window.durationMs, to, samples: [] };
      }),
    listProbes: (...args) => request('listProbes', args, () => [...probes.values()]),
    saveProbe: (...args) =>
      request('saveProbe', args, (spec) => {
        const state: ProbeState = { spec, health: 'unknown', lastResult: null, history: [] };
        probes.set(spec.id, state);
        return state;
      }),
    deleteProbe: (...args) =>
      request('deleteProbe', args, (id) => {
        if (!probes.delete(id)) throw new Error(`no probe with id "${id}"`);
      }),
    runProbe: (...args) =>
      request('runProbe', args, (id): ProbeResult => {
        const probe = probes.get(id);
        if (!probe) throw new Error(`no probe with id "${id}"`);
        const result: ProbeResult = {
          probeId: id,
          kind: probe.spec.kind,
          at: Date.now(),
          outcome: 'open',
          ok: true,
          latencyMs: 1,
          message: 'fake: open',
          health: 'up',
          transition: probe.health === 'up' ? null : 'up',
        };
        probe.health = 'up';
        probe.lastResult = result;
        queueMicrotask(() => probeListeners.forEach((listener) => listener(result)));
        return result;
      }),
    getSettings: (...args) => request('getSettings', args, () => settings),
    setSettings: (...args) =>
      request('setSettings', args, (patch) => {
        settings = { ...settings, ...patch };
        return settings;
      }),
    exportSnapshot: (...args) => request('exportSnapshot', args, (req) => ({ kind: 'download' as const, url: `/export.${req.format}` })),
    endProcess: (...args) => request('endProcess', args, (req) => ({ ok: false, message: `fake: will not end process ${req.pid}` })),
    pause: (...args) => request('pause', args, () => setStatus({ paused: true })),
    resume: (...args) => request('resume', args, () => setStatus({ paused: false })),
    getCapabilities: (...args) =>
      request('getCapabilities', args, () => ({ transport: 'fake' as const, nativeSaveDialog: false, tray: false, platform: 'linux', version: '0.0.0-fake' })),
    getNatRules: (...args) => request('getNatRules', args, () => natRules),
    onSnapshotDelta: (listener) => subscribe(deltaListeners, listener),
    onProbeResult: (listener) => subscribe(probeListeners, listener),
    onStatus: (listener) => subscribe(statusListeners, listener),
  };

  const control: FakeControl = {
    add: (added) => {
      added.forEach((r) => rows.set(r.key, r));
      return emit(added, [], []);
    },
    change: (changed) => {
      changed.forEach((r) => rows.set(r.key, r));
      return emit([], changed, []);
    },
    remove: (keys) => {
      keys.forEach((k) => rows.delete(k));
      return emit([], [], keys);
    },
    dropNextDelta: () => {
      dropNext = true;
    },
    emitProbeResult: (result) => probeListeners.forEach((listener) => listener(result)),
    calls,
    rows: () => [...rows.values()],
    setNatRules: (result) => {
      natRules = result;
    },
    setStatus,
  };
  return { api, control };
}
