/**
 * The transport seam: the one place that decides how the renderer reaches Portwatch. main.ts calls
 * {@link pickTransport} and provides the result; nothing else reads `window.portwatch`.
 */
import type { PortwatchApi } from '../../shared/api';
import { serveConnect, serveDiagnose, takeServeToken } from './serve-link';
import type { ConnectionMonitor } from '../../shared/connection';
import { ipcMonitor } from './ipc-monitor';
import { createWebSocketApi } from './ws-client';

/** The marker `portwatch serve` puts in the page it serves. */
export const SERVE_MARKER = 'meta[name="portwatch-transport"][content="websocket"]';

/** The API and the state of the link that carries it. */
export interface Transport {
  api: PortwatchApi;
  monitor: ConnectionMonitor;
}

function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/**
 * The API to use: the preload's bridge inside Electron; the WebSocket of `portwatch serve` when the
 * page came from it; otherwise none (the app then says no service is connected).
 */
export function pickTransport(): Transport | null {
  if (window.portwatch) return { api: window.portwatch, monitor: ipcMonitor() };
  if (document.querySelector(SERVE_MARKER) && (location.protocol === 'http:' || location.protocol === 'https:')) {
    // The token came in the fragment: kept for this tab, out of the address bar and history.
    const token = takeServeToken({ location, history, storage: sessionStorageOrNull() });
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const { api, monitor } = createWebSocketApi(`${scheme}//${location.host}/ws`, { connect: serveConnect(token), diagnose: serveDiagnose(token) });
    return { api, monitor };
  }
  return null;
}
