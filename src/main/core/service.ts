/**
 * The Portwatch service: everything the API does, independent of the transport. The Electron IPC
 * bridge and the WebSocket server of `portwatch serve` both wrap one of these; each validates the
 * untrusted arguments with `dispatchRequest` before a handler runs.
 */
import type { ApiHandlers, Envelope, EventMethod, EventPayload, PortwatchApi, RequestMethod, RequestResult, Unsubscribe } from '../../shared/api';
import { EVENT_METHODS, isRequestMethod } from '../../shared/api';
import type { Clock } from '../../shared/clock';
import { PORTWATCH_EVENT_POLICIES } from '../../shared/portwatch-rpc';
import type { BudgetLimits } from '../../shared/rpc/budget';
import type { RpcSubscribe } from '../../shared/rpc/contract';
import { clientFrameValidator } from '../../shared/rpc/frame-schema';
import type { RpcLink } from '../../shared/rpc/link';
import { serveRpc } from '../../shared/rpc/server';
import type { RpcServer } from '../../shared/rpc/server';
import type { Notice } from '../../shared/notify-policy';
import { validateArgs } from '../../shared/schemas';

/** A newsworthy event for the shell (tray icon, notifications); defined beside the shared notify policy. */
export type ServiceNotice = Notice;

/** What a transport needs from the service. */
export interface PortwatchService {
  /** Request handlers; arguments must already be validated (use {@link dispatchRequest}). */
  readonly handlers: ApiHandlers;
  /** Subscribes to one of the contract's events. */
  subscribe<K extends EventMethod>(event: K, listener: (payload: EventPayload<K>) => void): Unsubscribe;
  /** Notices for the tray and notifications. */
  onNotice(listener: (notice: ServiceNotice) => void): Unsubscribe;
  /** Stops polling and probing; resolves when everything has shut down. */
  stop(): Promise<void>;
}

/** The longest error message sent back to a client, in characters. */
export const MAX_ERROR_LENGTH = 500;

/**
 * Caps an error message: validation messages may quote the offending value, and a client that sends
 * a megabyte string must not get it echoed back (or shown to the user) whole.
 */
export function boundMessage(message: string): string {
  return message.length <= MAX_ERROR_LENGTH ? message : `${message.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

/**
 * Validates an untrusted request (method name and arguments) and runs its handler. Never throws:
 * every failure, including a handler's, comes back as an error envelope with a (bounded) message
 * for the user. Every transport goes through here.
 */
export async function dispatchRequest(handlers: ApiHandlers, method: unknown, args: unknown): Promise<Envelope<unknown>> {
  if (!isRequestMethod(method)) return { ok: false, error: boundMessage(`unknown method ${JSON.stringify(String(method)).slice(0, 80)}`) };
  const checked = validateArgs(method, args);
  if (!checked.ok) return { ok: false, error: boundMessage(checked.error) };
  try {
    const value = await runHandler(handlers, method, checked.value);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error: boundMessage(error instanceof Error ? error.message : String(error)) };
  }
}

function runHandler<K extends RequestMethod>(handlers: ApiHandlers, method: K, args: Parameters<ApiHandlers[K]>): Promise<RequestResult<K>> {
  const handler = handlers[method] as (...a: Parameters<ApiHandlers[K]>) => RequestResult<K> | Promise<RequestResult<K>>;
  return Promise.resolve(handler(...args));
}

/** Options of {@link servePortwatch}: what differs between transports. */
export interface ServePortwatchOptions {
  clock: Clock;
  /** The connection's send budget (the WebSocket); none where the transport cannot tell (IPC). */
  budget?: BudgetLimits | null;
  /** Requests run at once at most (default 8). */
  maxInFlight?: number;
}

const validateClientFrame = clientFrameValidator(EVENT_METHODS);

/**
 * Serves the service over one RPC link: every frame validated, every request through
 * {@link dispatchRequest}, events through the send budget. The WebSocket of `serve` and Electron
 * IPC both use it.
 */
export function servePortwatch(link: RpcLink, service: PortwatchService, options: ServePortwatchOptions): RpcServer<PortwatchApi> {
  return serveRpc<PortwatchApi>(link, {
    clock: options.clock,
    validate: validateClientFrame,
    dispatch: (method, args) => dispatchRequest(service.handlers, method, args),
    // The same payload types under two spellings (EventPayload vs EventPayloadOf, pinned equal in
    // tests/shared/rpc/contract.types.test.ts); TypeScript cannot see it for a generic event.
    subscribe: service.subscribe as RpcSubscribe<PortwatchApi>,
    policies: PORTWATCH_EVENT_POLICIES,
    budget: options.budget ?? null,
    maxInFlight: options.maxInFlight,
  });
}
