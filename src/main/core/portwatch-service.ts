/**
 * The one implementation of {@link PortwatchService}: settings and probe persistence, the collector,
 * the probe runner and the transport-specific pieces (export target, process control, capabilities)
 * composed behind the contract. Transports validate arguments first (see `dispatchRequest`).
 */
import type { ApiHandlers, EventMethod, EventPayload, Unsubscribe } from '../../shared/api';
import { formatEndpoint } from '../../shared/net';
import type {
  Capabilities,
  EndProcessRequest,
  EndProcessResult,
  ExportRequest,
  ExportResult,
  History,
  HistoryWindow,
  NatRulesResult,
  PollStatus,
  ProbeResult,
  ProbeSpec,
  ProbeState,
  Settings,
  Snapshot,
  SnapshotDelta,
} from '../../shared/model';
import { validateProbe } from '../../shared/probes';
import { settingsSchema, validate } from '../../shared/schemas';
import type { Validated } from '../../shared/schemas';
import type { PortwatchService, ServiceNotice } from './service';
import type { PersistedState, SettingsStore } from './settings-store';

/** Collector settings the service forwards when the user changes them. */
export interface CollectorOptions {
  pollIntervalMs: number;
  closedRetentionMs: number;
  socketSource: Settings['socketSource'];
  reverseDns: boolean;
  journalEnabled: boolean;
  journalRetentionDays: number;
  journalMaxMb: number;
}

/** What the service needs from the collector (the worker-thread `CollectorHost` implements it). */
export interface CollectorPort {
  getSnapshot(): Promise<Snapshot>;
  getHistory(window: HistoryWindow): Promise<History>;
  pause(): Promise<PollStatus>;
  resume(): Promise<PollStatus>;
  setOptions(options: Partial<CollectorOptions>): unknown;
  onDelta(listener: (delta: SnapshotDelta) => void): Unsubscribe;
  onStatus(listener: (status: PollStatus) => void): Unsubscribe;
  stop(): Promise<void>;
}

/** What the service needs from the probe runner. */
export interface ProbePort {
  setProbes(specs: ProbeSpec[]): Validated<ProbeState[]>;
  upsert(spec: ProbeSpec): Validated<ProbeState>;
  remove(id: string): boolean;
  runNow(id: string): Promise<ProbeResult>;
  list(): ProbeState[];
  onResult(listener: (result: ProbeResult) => void): Unsubscribe;
  stop(): void | Promise<void>;
}

/** Dependencies of {@link createPortwatchService}. */
export interface PortwatchServiceDeps {
  store: SettingsStore;
  /** Builds the collector once the settings are loaded. */
  createCollector(options: CollectorOptions): CollectorPort;
  probes: ProbePort;
  /** Where an export goes: a save dialog (desktop) or a download URL (serve). */
  exporter(request: ExportRequest): Promise<ExportResult>;
  endProcess(request: EndProcessRequest): Promise<EndProcessResult>;
  capabilities: Capabilities;
  /** NAT redirect rules of this machine, or why they cannot be read. */
  natRules(): Promise<NatRulesResult>;
}

type Listener<T> = (value: T) => void;

function collectorOptions(settings: Settings): CollectorOptions {
  return {
    pollIntervalMs: settings.pollIntervalMs,
    closedRetentionMs: settings.closedRetentionMs,
    socketSource: settings.socketSource,
    reverseDns: settings.reverseDns,
    journalEnabled: settings.journalEnabled,
    journalRetentionDays: settings.journalRetentionDays,
    journalMaxMb: settings.journalMaxMb,
  };
}

/** Loads the persisted state and starts collecting and probing. */
export async function createPortwatchService(deps: PortwatchServiceDeps): Promise<PortwatchService & { state(): PersistedState }> {
  const loaded = await deps.store.load();
  let state: PersistedState = loaded.state;
  const serviceNotices: string[] = loaded.notice ? [loaded.notice] : [];
  const collector = deps.createCollector(collectorOptions(state.settings));
  const probesLoaded = deps.probes.setProbes(state.probes);
  if (!probesLoaded.ok) serviceNotices.push(`saved probes could not be loaded: ${probesLoaded.error}`);

  const statusListeners = new Set<Listener<PollStatus>>();
  const deltaListeners = new Set<Listener<SnapshotDelta>>();
  const noticeListeners = new Set<Listener<ServiceNotice>>();
  // Rows present at start are not news; only listeners appearing later are.
  let baselineSeq: number | null = null;

  const decorate = (status: PollStatus): PollStatus =>
    serviceNotices.length === 0 ? status : { ...status, notices: [...status.notices, ...serviceNotices] };

  const notify = (notice: ServiceNotice): void => noticeListeners.forEach((listener) => listener(notice));

  const unsubscribers: Unsubscribe[] = [
    collector.onStatus((status) => {
      const decorated = decorate(status);
      statusListeners.forEach((listener) => listener(decorated));
    }),
    collector.onDelta((delta) => {
      const decorated = { ...delta, status: decorate(delta.status) };
      deltaListeners.forEach((listener) => listener(decorated));
      if (baselineSeq === null) {
        baselineSeq = delta.seq;
        return;
      }
      for (const row of delta.added) {
        if (row.state !== 'LISTEN' && row.state !== 'UNCONN') continue;
        const endpoint = `${row.protocol.toUpperCase()} ${formatEndpoint(row.localAddress, row.localPort)}`;
        const process = row.owners[0]?.name ?? null;
        const at = delta.capturedAt;
        if (row.state === 'LISTEN') notify({ kind: 'new-listener', key: row.key, endpoint, process, at });
        if (row.exposure === 'all-interfaces' || row.exposure === 'specific') notify({ kind: 'newly-exposed', key: row.key, endpoint, process, at });
      }
    }),
    deps.probes.onResult((result) => {
      if (result.transition === null) return;
      const spec = state.probes.find((p) => p.id === result.probeId);
      notify({
        kind: result.transition === 'down' ? 'probe-down' : 'probe-up',
        probeId: result.probeId,
        label: spec?.label || result.probeId,
        message: result.message,
        at: result.at,
      });
    }),
  ];

  /** Persists a new state; the in-memory state changes only once the file is written. */
  const persist = async (next: PersistedState): Promise<void> => {
    await deps.store.save(next);
    state = next;
  };

  const handlers: ApiHandlers = {
    getSnapshot: async () => {
      const snapshot = await collector.getSnapshot();
      return { ...snapshot, status: decorate(snapshot.status) };
    },
    getHistory: (window) => collector.getHistory(window),
    listProbes: () => deps.probes.list(),
    saveProbe: async (input) => {
      const others = state.probes.filter((p) => p.id !== input.id);
      const checked = validateProbe(input, others);
      if (!checked.ok) throw new Error(checked.error);
      const spec = checked.value;
      const exists = state.probes.some((p) => p.id === spec.id);
      const probes = exists ? state.probes.map((p) => (p.id === spec.id ? spec : p)) : [...state.probes, spec];
      await persist({ ...state, probes });
      const applied = deps.probes.upsert(spec);
      if (!applied.ok) throw new Error(applied.error);
      return applied.value;
    },
    deleteProbe: async (id) => {
      if (!state.probes.some((p) => p.id === id)) throw new Error(`no probe with id "${id}"`);
      await persist({ ...state, probes: state.probes.filter((p) => p.id !== id) });
      deps.probes.remove(id);
    },
    runProbe: (id) => {
      if (!state.probes.some((p) => p.id === id)) return Promise.reject(new Error(`no probe with id "${id}"`));
      return deps.probes.runNow(id);
    },
    getSettings: () => state.settings,
    setSettings: async (patch) => {
      const merged = { ...state.settings, ...patch, notifications: patch.notifications ?? state.settings.notifications };
      const checked = validate(settingsSchema, merged);
      if (!checked.ok) throw new Error(checked.error);
      await persist({ ...state, settings: checked.value });
      await collector.setOptions(collectorOptions(checked.value));
      return checked.value;
    },
    exportSnapshot: (request) => deps.exporter(request),
    endProcess: (request) => deps.endProcess(request),
    pause: async () => decorate(await collector.pause()),
    resume: async () => decorate(await collector.resume()),
    getCapabilities: () => deps.capabilities,
    getNatRules: () => deps.natRules(),
  };

  const subscribe = <K extends EventMethod>(event: K, listener: (payload: EventPayload<K>) => void): Unsubscribe => {
    switch (event) {
      case 'onSnapshotDelta': {
        const l = listener as Listener<SnapshotDelta>;
        deltaListeners.add(l);
        return () => deltaListeners.delete(l);
      }
      case 'onStatus': {
        const l = listener as Listener<PollStatus>;
        statusListeners.add(l);
        return () => statusListeners.delete(l);
      }
      case 'onProbeResult':
        return deps.probes.onResult(listener as Listener<ProbeResult>);
    }
    throw new Error(`unknown event ${String(event)}`);
  };

  return {
    handlers,
    subscribe,
    onNotice: (listener) => {
      noticeListeners.add(listener);
      return () => noticeListeners.delete(listener);
    },
    state: () => state,
    stop: async () => {
      unsubscribers.forEach((unsubscribe) => unsubscribe());
      await deps.probes.stop();
      await collector.stop();
    },
  };
}
