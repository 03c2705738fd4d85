/**
 * One live connection of the RPC layer, over any transport: it sends frames through a
 * {@link FrameSink}, takes the frames the transport receives, answers pings, runs the heartbeat, and
 * closes exactly once, with a reason. The client and the server sides (client.ts, server.ts) each
 * drive a link; the transport adapters (ws-session.ts, ws-client.ts, collector-host.ts,
 * collector-worker.ts, ipc.ts, the preload) only move frames.
 *
 * Heartbeat: every third of `deadAfterMs` the link sends a ping; any frame from the peer (a pong,
 * a reply, an event) proves it alive. When nothing has come for `deadAfterMs`, the peer is declared
 * dead and the link closes, so a dead peer is found between `deadAfterMs` and 4/3 of it after its
 * last frame. Pings are answered where frames arrive (not on a timer), so a peer whose timers are
 * throttled (a background tab) still answers. A check that fires late (our own thread was busy)
 * gives no verdict: the peer's frames may be queued behind it.
 */
import type { Unsubscribe } from '../api';
import type { Clock, TimerHandle } from '../clock';
import type { Frame } from './frames';
import { asHeartbeatFrame } from './frames';

/** Where a link's frames go: the transport. */
export interface FrameSink {
  /** Sends one frame (the transport encodes it). May throw if the transport is gone. */
  send(frame: Frame): void;
  /** Bytes handed to the transport and not yet taken by the peer; 0 when the transport cannot tell. */
  buffered(): number;
  /** Ends the connection (a `bye` with the reason has already been sent). */
  close(reason: string): void;
}

/** Heartbeat settings; see the module comment. */
export interface HeartbeatOptions {
  /** The peer is declared dead after this long without a frame from it, ms. */
  deadAfterMs: number;
}

/** Options of a {@link RpcLink}. */
export interface LinkOptions {
  clock: Clock;
  /** Null: no heartbeat (a transport that cannot fail that way). */
  heartbeat?: HeartbeatOptions | null;
  /** Who is at the other end, for messages ("the server", "the collector"). */
  peer: string;
}

/** How a link ended. */
export interface LinkClosed {
  /** In words, for the user. */
  reason: string;
  /** True when the peer closed (a `bye`, or the transport dropped), false when we did. */
  byPeer: boolean;
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** A live connection; see the module comment. */
export class RpcLink {
  private readonly sink: FrameSink;
  private readonly clock: Clock;
  private readonly peer: string;
  private heartbeat: HeartbeatOptions | null;
  private timer: TimerHandle | null = null;
  /** When the pending heartbeat check is due, epoch ms. */
  private dueAt = 0;
  private lastHeard: number;
  private nextPing = 1;
  private ended: LinkClosed | null = null;
  private handler: (frame: unknown) => void = () => undefined;
  private readonly closeListeners = new Set<(closed: LinkClosed) => void>();

  constructor(sink: FrameSink, options: LinkOptions) {
    this.sink = sink;
    this.clock = options.clock;
    this.peer = options.peer;
    this.heartbeat = options.heartbeat ?? null;
    this.lastHeard = this.clock.now();
    this.arm();
  }

  /** Null while open; how it ended once closed. */
  get closed(): LinkClosed | null {
    return this.ended;
  }

  /** Sets who reads the link's frames (heartbeat and `bye` frames never reach it). */
  onFrame(handler: (frame: unknown) => void): void {
    this.handler = handler;
  }

  /** Called once when the link closes, either way. */
  onClose(listener: (closed: LinkClosed) => void): Unsubscribe {
    if (this.ended !== null) {
      listener(this.ended);
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** The transport received a frame (already parsed, not yet validated). */
  receive(frame: unknown): void {
    if (this.ended !== null) return;
    this.lastHeard = this.clock.now();
    const beat = asHeartbeatFrame(frame);
    if (beat !== null) {
      if (beat.t === 'ping') this.send({ t: 'pong', n: beat.n });
      return;
    }
    if (typeof frame === 'object' && frame !== null && (frame as { t?: unknown }).t === 'bye') {
      const said = (frame as { reason?: unknown }).reason;
      const reason = typeof said === 'string' && said !== '' ? said.slice(0, 500) : 'no reason given';
      this.finish({ reason: `${this.peer} closed the connection: ${reason}`, byPeer: true }, true);
      return;
    }
    this.handler(frame);
  }

  /** Sends a frame; false once closed. A transport that throws closes the link. */
  send(frame: Frame): boolean {
    if (this.ended !== null) return false;
    try {
      this.sink.send(frame);
      return true;
    } catch (error) {
      this.finish({ reason: `the connection to ${this.peer} failed: ${error instanceof Error ? error.message : String(error)}`, byPeer: true }, true);
      return false;
    }
  }

  /** Bytes queued to the peer and not yet taken (0 when the transport cannot tell). */
  buffered(): number {
    return this.ended === null ? this.sink.buffered() : 0;
  }

  /** Closes the link: tells the peer why (best effort), ends the transport, notifies once. */
  close(reason: string): void {
    if (this.ended !== null) return;
    try {
      this.sink.send({ t: 'bye', reason });
    } catch {
      // The transport is already gone: nothing to tell.
    }
    this.finish({ reason, byPeer: false }, true);
  }

  /** The transport reports that the connection ended (the peer went away). */
  lost(reason: string): void {
    this.finish({ reason, byPeer: true }, false);
  }

  /** Changes (or turns off) the heartbeat; the silence so far still counts. */
  setHeartbeat(heartbeat: HeartbeatOptions | null): void {
    this.heartbeat = heartbeat;
    this.arm();
  }

  private arm(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.heartbeat === null || this.ended !== null) return;
    const every = this.period();
    this.dueAt = this.clock.now() + every;
    this.timer = this.clock.setTimeout(() => this.beat(), every);
  }

  private period(): number {
    return Math.max(1, Math.floor((this.heartbeat?.deadAfterMs ?? 0) / 3));
  }

  private beat(): void {
    this.timer = null;
    if (this.heartbeat === null || this.ended !== null) return;
    const now = this.clock.now();
    const silentFor = now - this.lastHeard;
    // A check that runs late means our own thread was busy (a long task, a suspended tab): what the
    // peer sent meanwhile may still wait in our queue, behind this timer. Judge at the next check.
    const late = now - this.dueAt > this.period() / 2;
    if (silentFor >= this.heartbeat.deadAfterMs && !late) {
      this.close(`no answer from ${this.peer} for ${seconds(this.heartbeat.deadAfterMs)}`);
      return;
    }
    this.send({ t: 'ping', n: this.nextPing++ });
    this.arm();
  }

  private finish(closed: LinkClosed, closeSink: boolean): void {
    if (this.ended !== null) return;
    this.ended = closed;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (closeSink) {
      try {
        this.sink.close(closed.reason);
      } catch {
        // Already closed.
      }
    }
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of listeners) listener(closed);
  }
}
