/**
 * `PortwatchApi`: the one contract between the renderer and whatever serves it (Electron IPC, the
 * WebSocket of `portwatch serve`, or a test fake). Everything else is checked against it.
 */
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
} from './model';

/** Stops a subscription. */
export type Unsubscribe = () => void;

/**
 * The Portwatch API. Request methods return promises (rejected with an `Error` whose message is
 * meant for the user); `onX` subscriptions return an unsubscribe function.
 *
 * A client subscribes to deltas first, then fetches the snapshot, applies only deltas with a higher
 * seq, and re-fetches the snapshot when it sees a gap (see `SnapshotSync`).
 */
export interface PortwatchApi {
  getSnapshot(): Promise<Snapshot>;
  getHistory(window: HistoryWindow): Promise<History>;
  listProbes(): Promise<ProbeState[]>;
  /** Creates or replaces (by id) a probe; rejects with a message naming the bad field. */
  saveProbe(spec: ProbeSpec): Promise<ProbeState>;
  deleteProbe(id: string): Promise<void>;
  runProbe(id: string): Promise<ProbeResult>;
  getSettings(): Promise<Settings>;
  setSettings(patch: Partial<Settings>): Promise<Settings>;
  exportSnapshot(request: ExportRequest): Promise<ExportResult>;
  endProcess(request: EndProcessRequest): Promise<EndProcessResult>;
  pause(): Promise<PollStatus>;
  resume(): Promise<PollStatus>;
  getCapabilities(): Promise<Capabilities>;
  /** NAT redirect rules (nftables/iptables), or why they could not be read; never rejects for that. */
  getNatRules(): Promise<NatRulesResult>;
  onSnapshotDelta(listener: (delta: SnapshotDelta) => void): Unsubscribe;
  onProbeResult(listener: (result: ProbeResult) => void): Unsubscribe;
  onStatus(listener: (status: PollStatus) => void): Unsubscribe;
}

/** Names of the API's members. */
export type ApiMethod = keyof PortwatchApi;

/** The subscription members (`onX`). */
export type EventMethod = {
  [K in ApiMethod]: K extends `on${string}` ? K : never;
}[ApiMethod];

/** The request/response members. */
export type RequestMethod = Exclude<ApiMethod, EventMethod>;

/** The payload an event subscription delivers. */
export type EventPayload<K extends EventMethod> = Parameters<Parameters<PortwatchApi[K]>[0]>[0];

/** The resolved value of a request. */
export type RequestResult<K extends RequestMethod> = Awaited<ReturnType<PortwatchApi[K]>>;

/**
 * Server-side handlers, typed from the contract: every request method, same arguments, same result
 * (sync or async). Arguments arrive already validated against `ARG_SCHEMAS`.
 */
export type ApiHandlers = {
  [K in RequestMethod]: (...args: Parameters<PortwatchApi[K]>) => RequestResult<K> | Promise<RequestResult<K>>;
};

/**
 * Channel names, keyed by the contract's method names. `satisfies Record<ApiMethod, string>` makes a
 * missing channel a compile error, and the object literal makes an extra one an error too.
 */
export const CHANNELS = {
  getSnapshot: 'portwatch:getSnapshot',
  getHistory: 'portwatch:getHistory',
  listProbes: 'portwatch:listProbes',
  saveProbe: 'portwatch:saveProbe',
  deleteProbe: 'portwatch:deleteProbe',
  runProbe: 'portwatch:runProbe',
  getSettings: 'portwatch:getSettings',
  setSettings: 'portwatch:setSettings',
  exportSnapshot: 'portwatch:exportSnapshot',
  endProcess: 'portwatch:endProcess',
  pause: 'portwatch:pause',
  resume: 'portwatch:resume',
  getCapabilities: 'portwatch:getCapabilities',
  getNatRules: 'portwatch:getNatRules',
  onSnapshotDelta: 'portwatch:event:snapshotDelta',
  onProbeResult: 'portwatch:event:probeResult',
  onStatus: 'portwatch:event:status',
} as const satisfies Record<ApiMethod, string>;

/** Request methods, derived from the channel map so the list cannot drift from the contract. */
export const REQUEST_METHODS: readonly RequestMethod[] = (Object.keys(CHANNELS) as ApiMethod[]).filter(
  (name): name is RequestMethod => !name.startsWith('on'),
);

/** Event methods, derived from the channel map. */
export const EVENT_METHODS: readonly EventMethod[] = (Object.keys(CHANNELS) as ApiMethod[]).filter(
  (name): name is EventMethod => name.startsWith('on'),
);

/** True for a request method name (narrowing an untrusted string). */
export function isRequestMethod(name: unknown): name is RequestMethod {
  return typeof name === 'string' && (REQUEST_METHODS as readonly string[]).includes(name);
}

/**
 * What a transport carries back for a request: the value, or the error's message. Transports unwrap
 * it and reject with `new Error(error)`, so the user sees our message, not the transport's wrapper
 * (Electron prefixes rejected `invoke` errors with "Error invoking remote method").
 */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: string };

/** Unwraps an envelope, throwing its error message. */
export function unwrapEnvelope<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.value;
  throw new Error(envelope.error);
}
