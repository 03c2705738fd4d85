/**
 * The one implementation of {@link PortwatchService}: settings and probe persistence, the collector,
 * the probe runner and the transport-specific pieces (export target, process control, capabilities)
 * composed behind the contract. Transports validate arguments first (see `dispatchRequest`).
 */
import type { ApiHandlers, EventMethod, EventPayload, Unsubscribe } from '../../shared/api';
import type {
  Capabilities,
  EndProcessRequest,
  EndProcessResult,
  ExportRequest,
  ExportResult,
  NatRulesResult,
  PollStatus,
  ProbeResult,
  ProbeSpec,
  ProbeState,
  Snapshot,
  SnapshotDelta,
} from '../../shared/model';
import { noticeFromProbeResult, noticesFromDelta } from '../../shared/notify-policy';
import { placeProbe } from '../../shared/probes';
import { settingsSchema, validate } from '../../shared/schemas';
import type { CollectorApi, CollectorSettings } from './collector-api';
import { collectorSettings } from './collector-api';
import { withNotices } from './poll-status';
import type { PortwatchService, ServiceNotice } from './service';
import { HealthNotifier } from './health';
import { DEFAULT_HEALTH_SETTINGS } from '../../shared/defaults';
import type { PersistedState, SettingsStore, StateChange } from './settings-store';


/**
 * What the service needs from the probe runner. The runner does not own the probe list: it follows
 * the service's (the settings store's) list through {@link setProbes} after every change.
 */
export interface ProbePort {
  /** Runs exactly these probes from now on; unchanged ones keep their health and history. */
  setProbes(specs: readonly ProbeSpec[]): unknown;
  runNow(id: string): Promise<ProbeResult>;
  list(): ProbeState[];
  onResult(listener: (result: ProbeResult) => void): Unsubscribe;
  stop(): void | Promise<void>;
}

/** Dependencies of {@link createPortwatchService}. */
export interface PortwatchServiceDeps {
  store: SettingsStore;
  /** Builds the collector once the settings are loaded. */
  createCollector(settings: CollectorSettings): CollectorApi;
  probes: ProbePort;
  /** Where an export goes: a save dialog (desktop) or a download URL (serve). */
  exporter(request: ExportRequest): Promise<ExportResult>;
  endProcess(request: EndProcessRequest): Promise<EndProcessResult>;
  capabilities: Capabilities;
  /** NAT redirect rules of this machine, or why they cannot be read. */
  natRules(): Promise<NatRulesResult>;
}

type Listener<T> = (value: T) => void;

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Loads the persisted state and starts collecting and probing.
 *
 * The settings store owns the settings and the probe list. Every mutation (setSettings, saveProbe,
 * deleteProbe; the desktop shell's window bounds too) is a change function run by
 * `store.update`: one queue, a re-read of the newest document (another process's edits included),
 * then an atomic write. The service never writes a copy it read earlier, so no update is lost. Each
 * newer document, ours or another process's, reaches `adopt`, the one place that moves the
 * service's state, the probe runner and the collector options forward.
 */
export async function createPortwatchService(deps: PortwatchServiceDeps): Promise<PortwatchService & { state(): PersistedState }> {
  const loaded = await deps.store.load();
  let state: PersistedState = loaded.state;
  const serviceNotices: string[] = loaded.notice ? [loaded.notice] : [];
  const collector = deps.createCollector(collectorSettings(state.settings));
  deps.probes.setProbes(state.probes);
  // The collector's answer to the newest options; setSettings reports its failure to its caller.
  let optionsApplied: Promise<unknown> = Promise.resolve();

  const adopt = (next: PersistedState): void => {
    const previous = state;
    state = next;
    if (!sameJson(previous.probes, next.probes)) deps.probes.setProbes(next.probes);
    const options = collectorSettings(next.settings);
    if (!sameJson(collectorSettings(previous.settings), options)) {
      const applied = Promise.resolve().then(() => collector.setOptions(options));
      // Handled here so a change from another process (nobody awaiting it) is no unhandled rejection.
      applied.catch(() => undefined);
      optionsApplied = applied;
    }
  };

  /**
   * Runs one change through the store's queue; resolves once it is on disk. The store has announced
   * it by then (onChange, inside its queue, so in order with other processes' changes): adopting it
   * here again could put an older document over a newer one.
   */
  const mutate = (change: StateChange): Promise<PersistedState> => deps.store.update(change);

  const statusListeners = new Set<Listener<PollStatus>>();
  const deltaListeners = new Set<Listener<SnapshotDelta>>();
  const noticeListeners = new Set<Listener<ServiceNotice>>();
  // Rows present at start are not news; only listeners appearing later are.
  let baselineSeq: number | null = null;
  const healthNotifier = new HealthNotifier();

  const decorate = (status: PollStatus): PollStatus => withNotices(status, serviceNotices);
  // The collector shares one snapshot object per seq among callers; so does this, decorated once.
  const decoratedSnapshots = new WeakMap<Snapshot, Snapshot>();

  const notify = (notice: ServiceNotice): void => noticeListeners.forEach((listener) => listener(notice));

  const unsubscribers: Unsubscribe[] = [
    deps.store.onChange(adopt),
    collector.onStatus((status) => {
      const decorated = decorate(status);
      statusListeners.forEach((listener) => listener(decorated));
    }),
    collector.onSnapshotDelta((delta) => {
      const decorated = { ...delta, status: decorate(delta.status) };
      deltaListeners.forEach((listener) => listener(decorated));
      // A signal first seen in this poll is new; the notifier rate-limits them.
      const raised = (delta.health ?? []).filter((signal) => signal.firstSeen === delta.capturedAt);
      for (const n of healthNotifier.decide(raised, delta.capturedAt, state.settings.health?.notify ?? DEFAULT_HEALTH_SETTINGS.notify)) {
        notify({ kind: 'health', id: n.id, title: n.title, message: n.body, at: delta.capturedAt });
      }
      if (baselineSeq === null) {
        baselineSeq = delta.seq;
        return;
      }
      noticesFromDelta(delta).forEach(notify);
    }),
    deps.probes.onResult((result) => {
      const notice = noticeFromProbeResult(result, state.probes.find((p) => p.id === result.probeId)?.label);
      if (notice) notify(notice);
    }),
  ];

  const probeState = (spec: ProbeSpec): ProbeState =>
    deps.probes.list().find((p) => p.spec.id === spec.id) ?? { spec, health: 'unknown', lastResult: null, history: [] };

  // Handlers get arguments already validated where they entered (dispatchRequest and the probe
  // schema); what is checked here is what depends on the current list: its maximum, ids present.
  const handlers: ApiHandlers = {
    getSnapshot: async () => {
      const snapshot = await collector.getSnapshot();
      let decorated = decoratedSnapshots.get(snapshot);
      if (decorated === undefined) {
        decorated = { ...snapshot, status: decorate(snapshot.status) };
        decoratedSnapshots.set(snapshot, decorated);
      }
      return decorated;
    },
    getHistory: (window) => collector.getHistory(window),
    listProbes: () => deps.probes.list(),
    saveProbe: async (spec) => {
      const next = await mutate((current) => {
        const placed = placeProbe(spec, current.probes, { replace: true });
        if (!placed.ok) throw new Error(placed.error);
        return { ...current, probes: placed.value };
      });
      return probeState(next.probes.find((p) => p.id === spec.id) ?? spec);
    },
    deleteProbe: async (id) => {
      await mutate((current) => {
        if (!current.probes.some((p) => p.id === id)) throw new Error(`no probe with id "${id}"`);
        return { ...current, probes: current.probes.filter((p) => p.id !== id) };
      });
    },
    runProbe: (id) => {
      if (!state.probes.some((p) => p.id === id)) return Promise.reject(new Error(`no probe with id "${id}"`));
      return deps.probes.runNow(id);
    },
    getSettings: () => state.settings,
    setSettings: async (patch) => {
      const next = await mutate((current) => {
        // Only the patched fields change: a field another writer changed meanwhile keeps its value.
        const merged = { ...current.settings, ...patch, notifications: patch.notifications ?? current.settings.notifications };
        const checked = validate(settingsSchema, merged);
        if (!checked.ok) throw new Error(checked.error);
        return { ...current, settings: checked.value };
      });
      await optionsApplied;
      return next.settings;
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
