/**
 * The serving side of the RPC layer, for one connection: it validates each frame from the client,
 * runs requests (a bounded number at once, the rest waiting their turn, and none while the client
 * is behind on reading, see budget.ts), drops the reply of a
 * request the client cancelled or of a connection that closed, relays the events the client
 * subscribed to through the connection's send budget (budget.ts), and ends every subscription when
 * the connection closes. Used by `portwatch serve` (ws-session.ts), Electron IPC (ipc-logic.ts) and
 * the collector worker (collector-worker.ts).
 */
import type { Envelope, Unsubscribe } from '../api';
import type { Clock, TimerHandle } from '../clock';
import type { Validated } from '../schemas';
import { SendBudget } from './budget';
import type { BudgetLimits, BudgetStats, HeldEvent } from './budget';
import type { EventKey, EventPolicies, RpcContract, RpcHandlers, RpcSubscribe } from './contract';
import type { ClientFrame } from './frames';
import type { RpcLink } from './link';

/** Options of {@link serveRpc}. */
export interface RpcServerOptions<C> {
  clock: Clock;
  /** Validates a frame from the client (see frame-schema.ts); never throws. */
  validate(frame: unknown): Validated<ClientFrame>;
  /** Validates and runs one request; never rejects (a failure is an error envelope). */
  dispatch(method: string, args: unknown[]): Promise<Envelope<unknown>>;
  /** Subscribes to one of the contract's events. */
  subscribe: RpcSubscribe<C>;
  /** What to do with each event when the client falls behind. */
  policies: EventPolicies<C>;
  /** The send budget; null or absent when the transport cannot tell what is queued (IPC, worker). */
  budget?: BudgetLimits | null;
  /** Requests run at once at most (default 8); more wait their turn. */
  maxInFlight?: number;
  /**
   * Requests waiting for a free slot at most (default 256); more are answered with an error. (Those
   * waiting for the client to catch up are bounded by the budget, which disconnects past it.)
   */
  maxWaiting?: number;
  /** How often held events are retried while the client catches up, ms (default 50). */
  drainCheckMs?: number;
}

/** A running server side of one connection. */
export interface RpcServer<C> {
  /** Counters of the send budget (null without one). */
  budgetStats(): BudgetStats<EventKey<C>> | null;
  /** Requests running now. */
  inFlight(): number;
}

interface Running {
  cancelled: boolean;
}

interface Waiting {
  id: number;
  method: string;
  args: unknown[];
}

/** Serves a contract on one link until it closes. */
export function serveRpc<C extends RpcContract<C>>(link: RpcLink, options: RpcServerOptions<C>): RpcServer<C> {
  const maxInFlight = options.maxInFlight ?? 8;
  const maxWaiting = options.maxWaiting ?? 256;
  const drainCheckMs = options.drainCheckMs ?? 50;
  const budget = options.budget ? new SendBudget<EventKey<C>>(options.policies, options.budget) : null;
  const subscriptions = new Map<EventKey<C>, Unsubscribe>();
  const running = new Map<number, Running>();
  const waiting: Waiting[] = [];
  let drainTimer: TimerHandle | null = null;

  const sendEvents = (events: HeldEvent<EventKey<C>>[]): void => {
    for (const { event, payload } of events) link.send({ t: 'evt', ev: event, p: payload });
  };

  /** While something waits for the client to catch up, look again every `drainCheckMs`. */
  const scheduleDrain = (): void => {
    if (drainTimer !== null || budget === null || link.closed !== null) return;
    if (!budget.hasHeld() && !(waiting.length > 0 && running.size < maxInFlight)) return;
    drainTimer = options.clock.setTimeout(() => {
      drainTimer = null;
      if (link.closed !== null) return;
      sendEvents(budget.drain(link.buffered()));
      pump();
      scheduleDrain();
    }, drainCheckMs);
  };

  const emit = (event: EventKey<C>, payload: unknown): void => {
    if (link.closed !== null || !subscriptions.has(event)) return;
    if (budget === null) {
      link.send({ t: 'evt', ev: event, p: payload });
      return;
    }
    sendEvents(budget.offerEvent(event, payload, link.buffered()));
    scheduleDrain();
  };

  const reply = (id: number, envelope: Envelope<unknown>): void => {
    const overflow = budget?.offerReply(link.buffered()) ?? null;
    if (overflow !== null) {
      link.close(`the client was disconnected: ${overflow}`);
      return;
    }
    link.send(envelope.ok ? { t: 'res', id, ok: true, v: envelope.value } : { t: 'res', id, ok: false, e: envelope.error });
  };

  /** A request may start: a slot is free and the client reads what it asked for so far. */
  const canStart = (): boolean => running.size < maxInFlight && (budget === null || budget.mayRun(link.buffered()));

  const start = (request: Waiting): void => {
    const entry: Running = { cancelled: false };
    running.set(request.id, entry);
    void options.dispatch(request.method, request.args).then((envelope) => {
      running.delete(request.id);
      if (!entry.cancelled && link.closed === null) reply(request.id, envelope);
      pump();
    });
  };

  /** Starts what waits, in order, as far as slots and the budget allow. */
  function pump(): void {
    while (link.closed === null && waiting.length > 0 && canStart()) start(waiting.shift() as Waiting);
    if (waiting.length > 0) scheduleDrain();
  }

  const onRequest = (request: Waiting): void => {
    if (running.has(request.id) || waiting.some((w) => w.id === request.id)) {
      link.send({ t: 'err', e: `request id ${request.id} is already in use`, id: request.id });
      return;
    }
    if (waiting.length === 0 && canStart()) {
      start(request);
      return;
    }
    const overflow = budget?.offerRequest(link.buffered(), waiting.length) ?? null;
    if (overflow !== null) {
      link.close(`the client was disconnected: ${overflow}`);
      return;
    }
    if (waiting.length >= maxWaiting) {
      link.send({ t: 'res', id: request.id, ok: false, e: `too many requests waiting (${maxWaiting}): slow down` });
      return;
    }
    waiting.push(request);
    scheduleDrain();
  };

  const onCancel = (id: number): void => {
    const entry = running.get(id);
    if (entry !== undefined) entry.cancelled = true;
    const at = waiting.findIndex((w) => w.id === id);
    if (at >= 0) waiting.splice(at, 1);
  };

  const onSubscription = (event: EventKey<C>, on: boolean): void => {
    const existing = subscriptions.get(event);
    if (on && existing === undefined) {
      subscriptions.set(
        event,
        options.subscribe(event, (payload) => emit(event, payload)),
      );
    } else if (!on && existing !== undefined) {
      existing();
      subscriptions.delete(event);
      budget?.discard(event);
    }
  };

  link.onFrame((raw) => {
    const checked = options.validate(raw);
    if (!checked.ok) {
      const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : undefined;
      const e = `malformed frame: ${checked.error}`;
      link.send(id === undefined ? { t: 'err', e } : { t: 'err', e, id });
      return;
    }
    const frame = checked.value;
    switch (frame.t) {
      case 'req':
        onRequest({ id: frame.id, method: frame.m, args: frame.a });
        return;
      case 'cancel':
        onCancel(frame.id);
        return;
      case 'sub':
        // The schema accepted only the contract's event names.
        onSubscription(frame.ev as EventKey<C>, frame.on);
        return;
      default:
        // ping, pong and bye are the link's business and never reach here.
        return;
    }
  });

  link.onClose(() => {
    for (const unsubscribe of subscriptions.values()) unsubscribe();
    subscriptions.clear();
    for (const entry of running.values()) entry.cancelled = true;
    waiting.length = 0;
    budget?.clear();
    if (drainTimer !== null) options.clock.clearTimeout(drainTimer);
    drainTimer = null;
  });

  return {
    budgetStats: () => budget?.stats() ?? null,
    inFlight: () => running.size,
  };
}

/**
 * A dispatcher for trusted handlers (the collector worker's host is our own code): the method must
 * be one of the handlers, and a handler's failure comes back as its message. Untrusted clients go
 * through `dispatchRequest` instead, which also validates the arguments.
 */
export function handlerDispatcher<C>(handlers: RpcHandlers<C>): (method: string, args: unknown[]) => Promise<Envelope<unknown>> {
  const table = handlers as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined>;
  return async (method, args) => {
    const handler = Object.hasOwn(table, method) ? table[method] : undefined;
    if (typeof handler !== 'function') return { ok: false, error: `unknown method ${JSON.stringify(method).slice(0, 80)}` };
    try {
      return { ok: true, value: await handler(...args) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  };
}
