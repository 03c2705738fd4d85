/**
 * The link state of Electron IPC: always connected. The renderer and the main process are one
 * application: if main exits, the window goes with it, and a reload re-runs the preload, which
 * connects again at once; there is no network in between to drop, so there is nothing to detect
 * with a heartbeat. (A main process that hangs shows as requests timing out, with a message.)
 */
import type { ConnectionMonitor, ConnectionState } from '../../shared/connection';

const CONNECTED: ConnectionState = { kind: 'connected', transport: 'ipc' };

/** The monitor for the preload's bridge. */
export function ipcMonitor(): ConnectionMonitor {
  return { current: () => CONNECTED, onChange: () => () => undefined };
}
