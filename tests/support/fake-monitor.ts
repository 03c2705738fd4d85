/** A scripted `ConnectionMonitor`: a test sets the link's state and listeners hear it, as from a transport. */
import type { ConnectionMonitor, ConnectionState } from '../../src/shared/connection';

/** A fake monitor and the function that changes its state. */
export interface FakeMonitor {
  monitor: ConnectionMonitor;
  set(state: ConnectionState): void;
  /** How many listeners are subscribed now. */
  listeners(): number;
}

/** Creates a monitor in `initial` state (default: connected over websocket). */
export function createFakeMonitor(initial: ConnectionState = { kind: 'connected', transport: 'websocket' }): FakeMonitor {
  let state = initial;
  const listeners = new Set<(state: ConnectionState) => void>();
  return {
    monitor: {
      current: () => state,
      onChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    set: (next) => {
      state = next;
      listeners.forEach((listener) => listener(next));
    },
    listeners: () => listeners.size,
  };
}
