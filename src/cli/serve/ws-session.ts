/**
 * One WebSocket client of `portwatch serve`: the RPC layer (src/shared/rpc) over a connection that
 * server.ts already let in (authentication, Host/Origin checks and the upgrade live there). Here:
 * JSON text frames, the request rate limit, and the WebSocket's side of the send budget (what `ws`
 * still holds for the client, `bufferedAmount`) and of closing with a reason.
 */
import type { RawData, WebSocket } from 'ws';
import type { Clock } from '../../shared/clock';
import type { BudgetLimits } from '../../shared/rpc/budget';
import type { Frame } from '../../shared/rpc/frames';
import { RpcLink } from '../../shared/rpc/link';
import type { HeartbeatOptions } from '../../shared/rpc/link';
import type { RpcServer } from '../../shared/rpc/server';
import type { PortwatchApi } from '../../shared/api';
import { MAX_CLOSE_REASON_BYTES, WS_CLOSE } from '../../shared/ws-protocol';
import type { PortwatchService } from '../../main/core/service';
import { servePortwatch } from '../../main/core/service';
import { systemClock } from '../../main/node/system-clock';

/**
 * The send budget of one browser client. Soft: 1 MiB queued is about five deltas at 1 % churn of
 * 20 000 rows (~200 KiB each, docs/performance.md "Bridge"), so a client that reads never loses
 * one. Hard: a client with 32 requests waiting behind unread bytes, or 16 MiB unread when a reply
 * is due, is not reading; 16 MiB still lets a whole 20 000-row snapshot (~13 MB) out to a client
 * that reads. What a stalled client can make serve hold: the soft budget plus the replies already
 * running for it when it stopped (at most {@link SERVE_MAX_IN_FLIGHT}).
 */
export const SERVE_BUDGET: BudgetLimits = { softBytes: 1024 * 1024, hardBytes: 16 * 1024 * 1024, maxWaitingRequests: 32 };

/** Requests of one browser client running at once (the UI rarely has more than two). */
export const SERVE_MAX_IN_FLIGHT = 4;

/**
 * The heartbeat with a browser client: a client silent for 20 s (no pong, no request) is gone (a
 * sleeping laptop, a dropped network, a client that stopped reading); pings go every ~7 s.
 */
export const SERVE_HEARTBEAT: HeartbeatOptions = { deadAfterMs: 20_000 };

/** After a close frame, how long a client gets to finish the closing handshake, ms. */
const CLOSE_GRACE_MS = 2_000;

/** Options of {@link attachWsSession}. */
export interface WsSessionOptions {
  service: PortwatchService;
  /** Requests per second the client may make (burst twice that). */
  maxRequestsPerSecond: number;
  /** Default {@link SERVE_BUDGET}. */
  budget?: BudgetLimits;
  /** Default {@link SERVE_HEARTBEAT}; null turns it off. */
  heartbeat?: HeartbeatOptions | null;
  clock?: Clock;
  /** Told when the server disconnects the client, and why (default: a line on stderr). */
  onDisconnect?: (reason: string) => void;
}

/** A served client. */
export interface WsSession {
  link: RpcLink;
  server: RpcServer<PortwatchApi>;
}

/** Payloads from this size up are sent as a shared buffer (see {@link sendFrame}), bytes. */
const SHARED_PAYLOAD_BYTES = 16 * 1024;

/**
 * The JSON of each large payload, with the frame's closing brace, encoded once. Event payloads are
 * the same object for every client (the service hands one delta to all its listeners), and so is
 * the snapshot of one seq (the collector host shares it): every client's queue references the one
 * buffer instead of a copy of its own. Small payloads keep their text.
 */
const encodedTails = new WeakMap<object, Buffer | string>();

function tailOf(payload: object): Buffer | string {
  let tail = encodedTails.get(payload);
  if (tail === undefined) {
    const text = `${JSON.stringify(payload)}}`;
    tail = text.length >= SHARED_PAYLOAD_BYTES ? Buffer.from(text) : text;
    encodedTails.set(payload, tail);
  }
  return tail;
}

/**
 * Sends one frame as JSON text. An event or a reply carrying a large payload goes as two fragments
 * of one message: its own head (`{"t":"res","id":7,"ok":true,"v":`), then the shared buffer;
 * `ws` queues a Buffer without copying it, and the client sees one message.
 */
export function sendFrame(ws: WebSocket, frame: Frame): void {
  const payload = frame.t === 'evt' ? frame.p : frame.t === 'res' && frame.ok ? frame.v : undefined;
  if (typeof payload !== 'object' || payload === null) {
    ws.send(JSON.stringify(frame));
    return;
  }
  const head = frame.t === 'evt' ? `{"t":"evt","ev":${JSON.stringify(frame.ev)},"p":` : `{"t":"res","id":${(frame as { id: number }).id},"ok":true,"v":`;
  const tail = tailOf(payload);
  if (typeof tail === 'string') {
    ws.send(head + tail);
    return;
  }
  ws.send(head, { fin: false });
  ws.send(tail, { binary: false, fin: true });
}

/** A close reason cut to what a close frame can carry. */
function closeReason(reason: string): string {
  let cut = reason;
  while (Buffer.byteLength(cut) > MAX_CLOSE_REASON_BYTES) cut = cut.slice(0, -2);
  return cut;
}

/** Serves the API to one authenticated WebSocket until it closes. */
export function attachWsSession(ws: WebSocket, options: WsSessionOptions): WsSession {
  const clock = options.clock ?? systemClock;
  const rate = options.maxRequestsPerSecond;
  const onDisconnect = options.onDisconnect ?? ((reason: string) => console.warn(`portwatch serve: disconnected a client: ${reason}`));
  let tokens = rate * 2;
  let lastRefill = clock.now();
  let strikes = 0;

  const link = new RpcLink(
    {
      send: (frame) => {
        if (ws.readyState === ws.OPEN) sendFrame(ws, frame);
      },
      buffered: () => ws.bufferedAmount,
      close: (reason) => {
        ws.close(WS_CLOSE.policy, closeReason(reason));
        // A client that stopped reading never answers the close frame: do not hold its backlog.
        setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
      },
    },
    { clock, heartbeat: options.heartbeat === undefined ? SERVE_HEARTBEAT : options.heartbeat, peer: 'the client' },
  );
  const server = servePortwatch(link, options.service, { clock, budget: options.budget ?? SERVE_BUDGET, maxInFlight: SERVE_MAX_IN_FLIGHT });
  link.onClose((closed) => {
    if (!closed.byPeer) onDisconnect(closed.reason);
  });

  const allow = (): boolean => {
    const now = clock.now();
    tokens = Math.min(rate * 2, tokens + ((now - lastRefill) / 1000) * rate);
    lastRefill = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (!allow()) {
      strikes += 1;
      link.send({ t: 'err', e: 'too many requests: slow down' });
      // A client that keeps flooding is cut off rather than served at our expense.
      if (strikes > rate * 4) link.close('it kept sending too many requests (rate limit)');
      return;
    }
    let parsed: unknown;
    try {
      if (isBinary) throw new Error('binary frames are not accepted');
      parsed = JSON.parse(String(data));
    } catch (error) {
      link.send({ t: 'err', e: `malformed frame: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    link.receive(parsed);
  });
  ws.on('close', (code: number) => link.lost(`the client closed the connection (code ${code})`));
  ws.on('error', () => ws.terminate());
  return { link, server };
}
