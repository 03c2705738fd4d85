/**
 * The state of the link between a UI and Portwatch (IPC, or the WebSocket of `portwatch serve`),
 * shown truthfully in the header, the status bar, the tab title and the tray. Separate from
 * `PollStatus`: the link can be up while the collector is failing, and down while it is fine.
 */
import type { Unsubscribe } from './api';

/** How the link stands. */
export type ConnectionState =
  /** Opening for the first time. */
  | { kind: 'connecting' }
  /** Up: requests are answered and heartbeats come back. */
  | { kind: 'connected'; transport: 'ipc' | 'websocket' }
  /** Lost; trying again (attempt counts from 1; nextRetryAt is epoch ms). */
  | { kind: 'reconnecting'; attempt: number; nextRetryAt: number; reason: string }
  /** Given up, or refused for good: `reason` says why, `action` what the user can do. */
  | { kind: 'disconnected'; reason: string; action: string };

/** Watches the link; provided to the renderer beside the `PortwatchApi`. */
export interface ConnectionMonitor {
  /** The state now. */
  current(): ConnectionState;
  /** Called on every change of state (not on every heartbeat). */
  onChange(listener: (state: ConnectionState) => void): Unsubscribe;
}

/**
 * What a failed connection attempt means, as far as the transport can tell (a browser's WebSocket
 * hides the HTTP status of a refused handshake, so the client asks separately).
 */
export type LinkDiagnosis =
  /** Nothing answers (the server stopped, or the network is down): keep retrying. */
  | { kind: 'unreachable'; reason: string }
  /** The server answers but no longer accepts our credential (it restarted with a new token): final. */
  | { kind: 'refused'; reason: string; action: string }
  /** The server answers and accepts the credential: the drop was transient, retry at once. */
  | { kind: 'reachable' };
