/**
 * `PortwatchApi` over the WebSocket of `portwatch serve` (see src/shared/ws-protocol.ts). Requests
 * wait for the socket to open; a dropped connection rejects what is in flight and reconnects with
 * back-off, and a fresh connection re-subscribes, so the stores' gap detection re-fetches.
 */
import type { EventMethod, EventPayload, PortwatchApi, RequestMethod, RequestResult, Unsubscribe } from '../../shared/api';
import type { LinkDiagnosis } from '../../shared/connection';
import type { ClientFrame, ServerFrame } from '../../shared/ws-protocol';

/** Minimal WebSocket surface, so tests can pass a fake or Node's `ws`. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

/** Options of {@link createWebSocketApi}. */
export interface WebSocketApiOptions {
  /** Creates a socket (default: the browser's WebSocket). */
  connect?: (url: string) => SocketLike;
  /** Request time-out, ms. */
  timeoutMs?: number;
  /** Called when the connection drops or comes back, for a status line. */
  onConnectionChange?: (connected: boolean) => void;
  /** Asked why a connection failed; a refused credential is final, so retrying stops. */
  diagnose?: () => Promise<LinkDiagnosis>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const OPEN = 1;

/** Creates the API client for a `ws://host/ws` URL. */
export function createWebSocketApi(url: string, options: WebSocketApiOptions = {}): PortwatchApi {
  const connect = options.connect ?? ((target: string): SocketLike => new WebSocket(target) as unknown as SocketLike);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventMethod, Set<(payload: never) => void>>();
  const queue: string[] = [];
  let nextId = 1;
  let socket: SocketLike | null = null;
  let retryMs = 250;

  const sendFrame = (frame: ClientFrame): void => {
    const text = JSON.stringify(frame);
    if (socket && socket.readyState === OPEN) socket.send(text);
    else queue.push(text);
  };

  const open = (): void => {
    const ws = connect(url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      options.onConnectionChange?.(true);
      for (const event of listeners.keys()) ws.send(JSON.stringify({ t: 'sub', ev: event, on: true } satisfies ClientFrame));
      for (const text of queue.splice(0)) ws.send(text);
    };
    ws.onmessage = (message) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(message.data)) as ServerFrame;
      } catch {
        return;
      }
      if (frame.t === 'res') {
        const entry = pending.get(frame.id);
        if (!entry) return;
        pending.delete(frame.id);
        clearTimeout(entry.timer);
        if (frame.ok) entry.resolve(frame.v);
        else entry.reject(new Error(frame.e));
      } else if (frame.t === 'evt') {
        listeners.get(frame.ev)?.forEach((listener) => (listener as (payload: unknown) => void)(frame.p));
      } else if (frame.t === 'err' && frame.id !== undefined) {
        const entry = pending.get(frame.id);
        if (!entry) return;
        pending.delete(frame.id);
        clearTimeout(entry.timer);
        entry.reject(new Error(frame.e));
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      options.onConnectionChange?.(false);
      for (const [id, entry] of pending) {
        clearTimeout(entry.timer);
        entry.reject(new Error('the connection to portwatch serve was lost'));
        pending.delete(id);
      }
      const retry = (): void => {
        setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, 10_000);
      };
      if (!options.diagnose) return retry();
      options.diagnose().then((diagnosis) => {
        if (diagnosis.kind !== 'refused') retry();
      }, retry);
    };
    ws.onerror = () => undefined;
  };

  const request = <K extends RequestMethod>(method: K, ...args: Parameters<PortwatchApi[K]>): Promise<RequestResult<K>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method}: no answer from portwatch serve within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      sendFrame({ t: 'req', id, m: method, a: args });
    });

  const subscribe = <K extends EventMethod>(event: K, listener: (payload: EventPayload<K>) => void): Unsubscribe => {
    let set = listeners.get(event);
    if (!set) {
      set = new Set();
      listeners.set(event, set);
      sendFrame({ t: 'sub', ev: event, on: true });
    }
    set.add(listener as (payload: never) => void);
    return () => {
      const current = listeners.get(event);
      if (!current?.delete(listener as (payload: never) => void) || current.size > 0) return;
      listeners.delete(event);
      sendFrame({ t: 'sub', ev: event, on: false });
    };
  };

  open();
  // Arguments pass through untouched: the server validates them, and a caller's mistake (an extra
  // or malformed argument) must come back as its error, not be silently dropped here.
  return {
    getSnapshot: (...args) => request('getSnapshot', ...args),
    getHistory: (...args) => request('getHistory', ...args),
    listProbes: (...args) => request('listProbes', ...args),
    saveProbe: (...args) => request('saveProbe', ...args),
    deleteProbe: (...args) => request('deleteProbe', ...args),
    runProbe: (...args) => request('runProbe', ...args),
    getSettings: (...args) => request('getSettings', ...args),
    setSettings: (...args) => request('setSettings', ...args),
    exportSnapshot: (...args) => request('exportSnapshot', ...args),
    endProcess: (...args) => request('endProcess', ...args),
    pause: (...args) => request('pause', ...args),
    resume: (...args) => request('resume', ...args),
    getCapabilities: (...args) => request('getCapabilities', ...args),
    getNatRules: (...args) => request('getNatRules', ...args),
    onSnapshotDelta: (listener) => subscribe('onSnapshotDelta', listener),
    onProbeResult: (listener) => subscribe('onProbeResult', listener),
    onStatus: (listener) => subscribe('onStatus', listener),
  };
}
