/**
 * The frames of the RPC layer, the same on every transport (the collector worker's MessagePort,
 * Electron IPC, the WebSocket of `portwatch serve`, where they travel as JSON text). Plain,
 * structured-cloneable data only.
 *
 * The client asks (`req`, `cancel`, `sub`), the server answers (`res`, `err`) and pushes events
 * (`evt`); either side may `ping` (the other answers `pong` at once) and may say `bye` with a
 * reason before it closes.
 */

/** Client → server. */
export type ClientFrame =
  /** A request: `m` is the method name, `a` its arguments. */
  | { t: 'req'; id: number; m: string; a: unknown[] }
  /** The client gave up on a request (time-out): the server drops its reply. */
  | { t: 'cancel'; id: number }
  /** Start or stop receiving an event. */
  | { t: 'sub'; ev: string; on: boolean }
  | HeartbeatFrame
  | ByeFrame;

/** Server → client. */
export type ServerFrame =
  | { t: 'res'; id: number; ok: true; v: unknown }
  | { t: 'res'; id: number; ok: false; e: string }
  | { t: 'evt'; ev: string; p: unknown }
  /** A frame the server could not accept (malformed, too fast); the connection stays. */
  | { t: 'err'; e: string; id?: number }
  | HeartbeatFrame
  | ByeFrame;

/** Liveness, both ways: a `ping` is answered by a `pong` with the same `n`. */
export type HeartbeatFrame = { t: 'ping'; n: number } | { t: 'pong'; n: number };

/** "I am closing, and why" (best effort: a peer that stopped reading never sees it). */
export type ByeFrame = { t: 'bye'; reason: string };

/** Any frame. */
export type Frame = ClientFrame | ServerFrame;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a frame from a server, structurally (no schema library: the preload must stay small). A
 * server is trusted to speak the protocol; this only keeps a garbled frame from throwing deep in
 * the client. Returns null for anything that is not a server frame.
 */
export function asServerFrame(value: unknown): ServerFrame | null {
  if (!isRecord(value)) return null;
  switch (value.t) {
    case 'res':
      if (typeof value.id !== 'number') return null;
      if (value.ok === true) return { t: 'res', id: value.id, ok: true, v: value.v };
      return value.ok === false && typeof value.e === 'string' ? { t: 'res', id: value.id, ok: false, e: value.e } : null;
    case 'evt':
      return typeof value.ev === 'string' ? { t: 'evt', ev: value.ev, p: value.p } : null;
    case 'err':
      if (typeof value.e !== 'string') return null;
      return typeof value.id === 'number' ? { t: 'err', e: value.e, id: value.id } : { t: 'err', e: value.e };
    case 'ping':
    case 'pong':
      return typeof value.n === 'number' ? { t: value.t, n: value.n } : null;
    case 'bye':
      return typeof value.reason === 'string' ? { t: 'bye', reason: value.reason } : null;
    default:
      return null;
  }
}

/** The heartbeat frame in `value`, if it is one (either direction). */
export function asHeartbeatFrame(value: unknown): HeartbeatFrame | null {
  if (!isRecord(value) || (value.t !== 'ping' && value.t !== 'pong') || typeof value.n !== 'number') return null;
  return { t: value.t, n: value.n };
}
