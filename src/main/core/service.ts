/**
 * The Portwatch service: everything the API does, independent of the transport. The Electron IPC
 * bridge and the WebSocket server of `portwatch serve` both wrap one of these; each validates the
 * untrusted arguments with `dispatchRequest` before a handler runs.
 */
import type { ApiHandlers, Envelope, EventMethod, EventPayload, RequestMethod, RequestResult, Unsubscribe } from '../../shared/api';
import { isRequestMethod } from '../../shared/api';
import { validateArgs } from '../../shared/schemas';

/** A newsworthy event for the shell (tray icon, notifications). */
export type ServiceNotice =
  | { kind: 'probe-down' | 'probe-up'; probeId: string; label: string; message: string; at: number }
  | { kind: 'new-listener' | 'newly-exposed'; key: string; endpoint: string; process: string | null; at: number }
  /** A socket health signal appeared (already rate-limited and filtered by Settings.health.notify). */
  | { kind: 'health'; id: string; title: string; message: string; at: number };

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
