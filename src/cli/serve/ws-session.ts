/**
 * One WebSocket client of `portwatch serve`: its frames in, replies and events out. The HTTP side
 * (authentication, Host/Origin checks, the upgrade) lives in server.ts; this module only speaks the
 * protocol of src/shared/ws-protocol.ts to a connection that was already let in.
 */
import type { RawData, WebSocket } from 'ws';
import type { EventMethod, Unsubscribe } from '../../shared/api';
import { validate } from '../../shared/schemas';
import { clientFrameSchema } from '../../shared/ws-protocol';
import type { ServerFrame } from '../../shared/ws-protocol';
import type { PortwatchService } from '../../main/core/service';
import { dispatchRequest } from '../../main/core/service';

/** Options of {@link attachWsSession}. */
export interface WsSessionOptions {
  service: PortwatchService;
  /** Requests per second the client may make (burst twice that). */
  maxRequestsPerSecond: number;
}

/** Serves the API to one authenticated WebSocket until it closes. */
export function attachWsSession(ws: WebSocket, options: WsSessionOptions): void {
  const rate = options.maxRequestsPerSecond;
  const subscriptions = new Map<EventMethod, Unsubscribe>();
  let tokens = rate * 2;
  let lastRefill = Date.now();
  let strikes = 0;

  const write = (frame: ServerFrame): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };

  const allow = (): boolean => {
    const now = Date.now();
    tokens = Math.min(rate * 2, tokens + ((now - lastRefill) / 1000) * rate);
    lastRefill = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (!allow()) {
      strikes += 1;
      write({ t: 'err', e: 'too many requests: slow down' });
      // A client that keeps flooding is cut off rather than served at our expense.
      if (strikes > rate * 4) ws.close(1008, 'rate limit');
      return;
    }
    let parsed: unknown;
    try {
      if (isBinary) throw new Error('binary frames are not accepted');
      parsed = JSON.parse(String(data));
    } catch (error) {
      write({ t: 'err', e: `malformed frame: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    const frame = validate(clientFrameSchema, parsed);
    if (!frame.ok) {
      const id = typeof parsed === 'object' && parsed !== null && typeof (parsed as { id?: unknown }).id === 'number' ? (parsed as { id: number }).id : undefined;
      write(id === undefined ? { t: 'err', e: `malformed frame: ${frame.error}` } : { t: 'err', e: `malformed frame: ${frame.error}`, id });
      return;
    }
    const message = frame.value;
    if (message.t === 'sub') {
      const existing = subscriptions.get(message.ev);
      if (message.on && !existing) subscriptions.set(message.ev, subscribeEvent(options.service, message.ev, write));
      if (!message.on && existing) {
        existing();
        subscriptions.delete(message.ev);
      }
      return;
    }
    void dispatchRequest(options.service.handlers, message.m, message.a).then((envelope) => {
      write(envelope.ok ? { t: 'res', id: message.id, ok: true, v: envelope.value } : { t: 'res', id: message.id, ok: false, e: envelope.error });
    });
  });
  ws.on('close', () => {
    subscriptions.forEach((unsubscribe) => unsubscribe());
    subscriptions.clear();
  });
  ws.on('error', () => ws.terminate());
}

function subscribeEvent(service: PortwatchService, event: EventMethod, write: (frame: ServerFrame) => void): Unsubscribe {
  switch (event) {
    case 'onSnapshotDelta':
      return service.subscribe('onSnapshotDelta', (p) => write({ t: 'evt', ev: 'onSnapshotDelta', p }));
    case 'onProbeResult':
      return service.subscribe('onProbeResult', (p) => write({ t: 'evt', ev: 'onProbeResult', p }));
    case 'onStatus':
      return service.subscribe('onStatus', (p) => write({ t: 'evt', ev: 'onStatus', p }));
  }
}
