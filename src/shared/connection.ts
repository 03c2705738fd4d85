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
