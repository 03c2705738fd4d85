/**
 * `PortwatchApi` over the WebSocket of `portwatch serve`: the RPC layer's client (src/shared/rpc)
 * over JSON text frames, plus the link's state for the UI (a {@link ConnectionMonitor}).
 *
 * Requests made while the socket is down wait for it (bounded, each with its time-out); a dropped
 * connection rejects what was in flight, and a new one re-subscribes, so the stores' gap detection
 * re-fetches. The heartbeat (both ways) finds a dead server or a dead network within its window.
 *
 * States: `connecting` → `connected` → (the connection drops) `reconnecting` (attempt 1, 2, …).
 * After a failed attempt the client asks `diagnose` (the serve helper checks the server with a
 * fetch; a browser's WebSocket hides the HTTP status of a refused handshake):
 * - `refused`: the server no longer takes our credential (it restarted with a new token):
 *   `disconnected` with its reason and action, and no more retries.
 * - `unreachable`: `disconnected` (the server is not running or cannot be reached), but retries go
 *   on with back-off in the background, so a blip still ends `connected`.
 * - `reachable`: the drop was transient: retry at once (then with back-off if it keeps failing).
 * Without `diagnose`, every failure counts as unreachable.
 */
import type { PortwatchApi } from '../../shared/api';
import type { Clock, TimerHandle } from '../../shared/clock';
import type { ConnectionMonitor, ConnectionState, LinkDiagnosis } from '../../shared/connection';
import { createPortwatchClient } from '../../shared/portwatch-rpc';
import { RpcLink } from '../../shared/rpc/link';
import type { HeartbeatOptions } from '../../shared/rpc/link';

/** Minimal WebSocket surface, so tests can pass a fake or Node's `ws`. */
export interface SocketLike {
  readonly readyState: number;
  /** Bytes queued and not yet sent (browsers and `ws` both have it). */
  readonly bufferedAmount?: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

/** Options of {@link createWebSocketApi}. */
export interface WebSocketApiOptions {
  /** Creates a socket (default: the browser's WebSocket). The serve helper passes its subprotocols here. */
  connect?: (url: string) => SocketLike;
  /** Why an attempt failed (see the module comment); without it, failures count as unreachable. */
  diagnose?: () => Promise<LinkDiagnosis>;
  /** Request time-out, ms (default 30 s). */
  timeoutMs?: number;
  /** Default {@link CLIENT_HEARTBEAT}; null turns it off. */
  heartbeat?: HeartbeatOptions | null;
  /** How long an attempt may take to open, ms (default 10 s: a frozen server accepts TCP but never answers). */
  connectTimeoutMs?: number;
  /** Back-off between attempts, ms (default 250 doubling to 10 000). */
  retryDelayMs?: { initial: number; max: number };
  /** Default: the browser's timers. */
  clock?: Clock;
}

/** The client, its link state, and how to stop it. */
export interface WebSocketApi {
  api: PortwatchApi;
  monitor: ConnectionMonitor;
  /** Closes the socket and stops reconnecting, for good. */
  close(): void;
}

/** The client's heartbeat: the server is gone after 20 s without a frame (pings every ~7 s). */
export const CLIENT_HEARTBEAT: HeartbeatOptions = { deadAfterMs: 20_000 };

/** What the UI says while the server cannot be reached. */
export const UNREACHABLE = {
  reason: 'The Portwatch server is not running or cannot be reached',
  action: 'Start `portwatch serve` again and open the URL it prints',
} as const;

const OPEN = 1;

/** The browser's timers as a Clock. */
export const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as ReturnType<typeof setTimeout>),
};

function describeClose(event: unknown): string {
  const { code, reason } = (typeof event === 'object' && event !== null ? event : {}) as { code?: unknown; reason?: unknown };
  const said = typeof reason === 'string' ? reason : reason instanceof Uint8Array ? new TextDecoder().decode(reason) : '';
  if (said !== '') return `the server closed the connection: ${said}`;
  return typeof code === 'number' ? `the connection closed (code ${code})` : 'the connection closed';
}

function sameState(a: ConnectionState, b: ConnectionState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Creates the API client for a `ws://host/ws` URL; see the module comment. */
export function createWebSocketApi(url: string, options: WebSocketApiOptions = {}): WebSocketApi {
  const connect = options.connect ?? ((target: string): SocketLike => new WebSocket(target) as unknown as SocketLike);
  const clock = options.clock ?? browserClock;
  const heartbeat = options.heartbeat === undefined ? CLIENT_HEARTBEAT : options.heartbeat;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const retry = options.retryDelayMs ?? { initial: 250, max: 10_000 };
  const client = createPortwatchClient({ clock, peer: 'portwatch serve', timeoutMs: options.timeoutMs ?? 30_000 });

  let state: ConnectionState = { kind: 'connecting' };
  const listeners = new Set<(state: ConnectionState) => void>();
  let socket: SocketLike | null = null;
  /** Failed attempts since the last connection. */
  let failures = 0;
  let lastDiagnosis: LinkDiagnosis['kind'] | null = null;
  let retryTimer: TimerHandle | null = null;
  let connectTimer: TimerHandle | null = null;
  let stopped = false;

  const setState = (next: ConnectionState): void => {
    if (sameState(state, next)) return;
    state = next;
    for (const listener of [...listeners]) listener(next);
  };

  const backoff = (attempt: number): number => Math.min(retry.max, retry.initial * 2 ** Math.max(0, attempt - 1));

  const scheduleRetry = (delayMs: number): void => {
    if (retryTimer !== null) clock.clearTimeout(retryTimer);
    retryTimer = clock.setTimeout(() => {
      retryTimer = null;
      open();
    }, delayMs);
  };

  /** A live connection ended: try again soon. */
  const dropped = (reason: string): void => {
    if (stopped) return;
    const delay = retry.initial;
    setState({ kind: 'reconnecting', attempt: 1, nextRetryAt: clock.now() + delay, reason: `Connection lost: ${reason}` });
    scheduleRetry(delay);
  };

  /** An attempt failed before it opened: ask why, then decide. */
  const attemptFailed = async (reason: string): Promise<void> => {
    failures += 1;
    let diagnosis: LinkDiagnosis;
    try {
      diagnosis = options.diagnose ? await options.diagnose() : { kind: 'unreachable', reason };
    } catch (error) {
      diagnosis = { kind: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
    }
    if (stopped || socket !== null) return;
    const previous = lastDiagnosis;
    lastDiagnosis = diagnosis.kind;
    switch (diagnosis.kind) {
      case 'refused':
        client.refuse(`${diagnosis.reason}. ${diagnosis.action}`);
        setState({ kind: 'disconnected', reason: diagnosis.reason, action: diagnosis.action });
        return;
      case 'unreachable':
        setState({ kind: 'disconnected', reason: UNREACHABLE.reason, action: UNREACHABLE.action });
        scheduleRetry(backoff(failures));
        return;
      case 'reachable': {
        // At once the first time; a server that answers fetches but keeps failing the WebSocket
        // must not be hammered.
        const delay = previous === 'reachable' ? backoff(failures) : 0;
        setState({ kind: 'reconnecting', attempt: failures + 1, nextRetryAt: clock.now() + delay, reason });
        scheduleRetry(delay);
        return;
      }
    }
  };

  const opened = (ws: SocketLike): void => {
    if (connectTimer !== null) clock.clearTimeout(connectTimer);
    connectTimer = null;
    failures = 0;
    lastDiagnosis = null;
    const link = new RpcLink(
      {
        send: (frame) => ws.send(JSON.stringify(frame)),
        buffered: () => ws.bufferedAmount ?? 0,
        close: () => ws.close(1000),
      },
      { clock, heartbeat, peer: 'portwatch serve' },
    );
    ws.onmessage = (message) => {
      let frame: unknown;
      try {
        frame = JSON.parse(String(message.data));
      } catch {
        return;
      }
      link.receive(frame);
    };
    ws.onclose = (event) => link.lost(describeClose(event));
    link.onClose((closed) => {
      if (socket !== ws) return;
      socket = null;
      dropped(closed.reason);
    });
    client.refuse(null);
    client.attach(link);
    setState({ kind: 'connected', transport: 'websocket' });
  };

  const open = (): void => {
    if (stopped) return;
    let ws: SocketLike;
    try {
      ws = connect(url);
    } catch (error) {
      void attemptFailed(error instanceof Error ? error.message : String(error));
      return;
    }
    socket = ws;
    const fail = (reason: string): void => {
      if (socket !== ws) return;
      socket = null;
      if (connectTimer !== null) clock.clearTimeout(connectTimer);
      connectTimer = null;
      ws.onopen = null;
      ws.onclose = null;
      ws.onmessage = null;
      void attemptFailed(reason);
    };
    connectTimer = clock.setTimeout(() => {
      connectTimer = null;
      fail(`no answer within ${Math.round(connectTimeoutMs / 1000)} s`);
      try {
        ws.close();
      } catch {
        // Closing a socket that never opened may throw; it is abandoned either way.
      }
    }, connectTimeoutMs);
    ws.onopen = () => {
      if (socket === ws) opened(ws);
    };
    ws.onclose = (event) => fail(describeClose(event));
    ws.onerror = () => undefined;
    if (ws.readyState === OPEN) opened(ws);
  };

  open();
  return {
    api: client.api,
    monitor: {
      current: () => state,
      onChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    close: () => {
      if (stopped) return;
      stopped = true;
      if (retryTimer !== null) clock.clearTimeout(retryTimer);
      if (connectTimer !== null) clock.clearTimeout(connectTimer);
      client.refuse('the connection to portwatch serve was closed');
      const ws = socket;
      socket = null;
      client.current?.close('closed by the page');
      try {
        ws?.close(1000);
      } catch {
        // Already closed.
      }
      setState({ kind: 'disconnected', reason: 'The connection was closed', action: 'Reload the page to connect again' });
    },
  };
}
