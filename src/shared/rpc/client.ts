/**
 * The calling side of the RPC layer: it turns a contract (an interface of requests and `onX` events)
 * into an object of that type whose calls travel over a {@link RpcLink}. It outlives its links: a
 * transport that reconnects (the WebSocket client) or restarts its peer (the collector host)
 * attaches a new link, and the client re-subscribes its events and sends the requests that waited.
 *
 * Once, for every transport: request ids, time-outs (the server is told to drop the reply), a
 * bounded queue for requests made while no link is up, rejection of the requests in flight when a
 * link closes (with the reason in words), and `sub` frames only for the first listener of an event
 * and after the last one leaves.
 */
import type { Unsubscribe } from '../api';
import type { Clock, TimerHandle } from '../clock';
import type { EventKey, RequestKey, RpcContract, RpcMemberMap } from './contract';
import { splitMembers } from './contract';
import { asServerFrame } from './frames';
import type { LinkClosed, RpcLink } from './link';

/** The words a client fails with. */
export interface RpcClientMessages {
  /** A request was in flight when the connection closed. */
  lost(reason: string): string;
  /** A request got no answer in time. */
  timeout(method: string, ms: number): string;
}

/** Options of a {@link RpcClient}. */
export interface RpcClientOptions<C extends RpcContract<C>> {
  clock: Clock;
  /** Every member of the contract (see `RpcMemberMap`). */
  members: RpcMemberMap<C>;
  /** Time-out of one request, ms (0: none). */
  timeoutMs: number;
  /** Per-method time-outs that differ, ms (0: none). */
  methodTimeoutMs?: Partial<Record<RequestKey<C>, number>>;
  /** Requests made while no link is up wait for one, at most this many (default 100). */
  maxQueued?: number;
  messages: RpcClientMessages;
}

interface Pending {
  method: string;
  args: unknown[];
  sent: boolean;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: TimerHandle | null;
}

type Listener = (payload: unknown) => void;

/** The calling side; see the module comment. */
export class RpcClient<C extends RpcContract<C>> {
  /** The contract, callable. */
  readonly api: C;
  private readonly options: RpcClientOptions<C>;
  private readonly maxQueued: number;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<EventKey<C>, Set<Listener>>();
  private link: RpcLink | null = null;
  private nextId = 1;
  private refusal: string | null = null;

  constructor(options: RpcClientOptions<C>) {
    this.options = options;
    this.maxQueued = options.maxQueued ?? 100;
    const { requests, events } = splitMembers(options.members);
    const api: Record<string, unknown> = {};
    for (const name of requests) api[name] = (...args: unknown[]) => this.request(name, args);
    for (const name of events) api[name] = (listener: Listener) => this.subscribe(name, listener);
    // Built from the member map, which `satisfies RpcMemberMap<C>` keeps complete and exact.
    this.api = api as C;
  }

  /** The link in use, or null. */
  get current(): RpcLink | null {
    return this.link;
  }

  /** Starts using a (new) link: re-subscribes and sends the requests that waited. */
  attach(link: RpcLink): void {
    if (this.link !== null && this.link !== link) this.link.close('replaced by a new connection');
    this.link = link;
    link.onFrame((frame) => this.receive(frame));
    link.onClose((closed) => this.detached(link, closed));
    for (const event of this.listeners.keys()) link.send({ t: 'sub', ev: event, on: true });
    for (const [id, entry] of this.pending) {
      if (entry.sent) continue;
      entry.sent = link.send({ t: 'req', id, m: entry.method, a: entry.args });
    }
  }

  /**
   * From now on, requests fail at once with `reason` (the link was refused for good), and those
   * waiting fail too. `null` lets requests wait for a link again.
   */
  refuse(reason: string | null): void {
    this.refusal = reason;
    if (reason === null) return;
    for (const [id, entry] of this.pending) if (!entry.sent) this.settle(id, entry, new Error(reason));
  }

  private request(method: RequestKey<C>, args: unknown[]): Promise<unknown> {
    if (this.refusal !== null) return Promise.reject(new Error(this.refusal));
    const queued = [...this.pending.values()].filter((entry) => !entry.sent).length;
    if ((this.link === null || this.link.closed !== null) && queued >= this.maxQueued) {
      return Promise.reject(new Error(`${method}: too many requests are waiting for the connection`));
    }
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const entry: Pending = { method, args, sent: false, resolve, reject, timer: null };
      this.pending.set(id, entry);
      const timeoutMs = this.options.methodTimeoutMs?.[method] ?? this.options.timeoutMs;
      if (timeoutMs > 0) {
        entry.timer = this.options.clock.setTimeout(() => {
          entry.timer = null;
          // Tell the server to drop the reply; it may still arrive and is ignored here.
          if (entry.sent) this.link?.send({ t: 'cancel', id });
          this.settle(id, entry, new Error(this.options.messages.timeout(method, timeoutMs)));
        }, timeoutMs);
      }
      if (this.link !== null && this.link.closed === null) entry.sent = this.link.send({ t: 'req', id, m: method, a: args });
    });
  }

  private subscribe(event: EventKey<C>, listener: Listener): Unsubscribe {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
      this.link?.send({ t: 'sub', ev: event, on: true });
    }
    // The same function subscribed twice is two subscriptions, each with its own unsubscribe.
    const own: Listener = (payload) => listener(payload);
    set.add(own);
    return () => {
      const current = this.listeners.get(event);
      if (current === undefined || !current.delete(own) || current.size > 0) return;
      this.listeners.delete(event);
      this.link?.send({ t: 'sub', ev: event, on: false });
    };
  }

  private receive(raw: unknown): void {
    const frame = asServerFrame(raw);
    if (frame === null) return;
    if (frame.t === 'res') {
      const entry = this.pending.get(frame.id);
      if (entry === undefined) return;
      if (frame.ok) this.settle(frame.id, entry, null, frame.v);
      else this.settle(frame.id, entry, new Error(frame.e));
    } else if (frame.t === 'err' && frame.id !== undefined) {
      const entry = this.pending.get(frame.id);
      if (entry !== undefined) this.settle(frame.id, entry, new Error(frame.e));
    } else if (frame.t === 'evt') {
      const set = this.listeners.get(frame.ev as EventKey<C>);
      if (set === undefined) return;
      for (const listener of [...set]) {
        try {
          listener(frame.p);
        } catch (error) {
          // One listener's bug must not starve the others.
          console.error(`a ${frame.ev} listener threw:`, error);
        }
      }
    }
  }

  private detached(link: RpcLink, closed: LinkClosed): void {
    if (this.link !== link) return;
    this.link = null;
    const message = this.options.messages.lost(closed.reason);
    for (const [id, entry] of this.pending) if (entry.sent) this.settle(id, entry, new Error(message));
  }

  private settle(id: number, entry: Pending, error: Error | null, value?: unknown): void {
    this.pending.delete(id);
    if (entry.timer !== null) this.options.clock.clearTimeout(entry.timer);
    entry.timer = null;
    if (error !== null) entry.reject(error);
    else entry.resolve(value);
  }
}
