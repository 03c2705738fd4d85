/**
 * The send budget of one connection: how much we let a peer owe us (bytes we queued to it that it
 * has not read yet), and what happens when it falls behind. A pure policy, unit-tested on its own;
 * the server side of the RPC layer (server.ts) asks it before every send and every request.
 *
 * - At or under `softBytes` queued, everything goes out at once and requests run at once.
 * - Over `softBytes`, events are held back or dropped by their {@link EventPolicy}: snapshot deltas
 *   are dropped (the receiver sees a seq gap and re-fetches the snapshot once it catches up, see
 *   src/shared/snapshot-sync.ts), only the latest status is kept, probe results are kept up to a
 *   bound. New requests wait, not yet run (a reply nobody reads is not worth computing, and an
 *   unrun request costs a few bytes where its reply may cost megabytes). What waits goes out or
 *   runs, in order, once the queue is back under `softBytes`.
 * - The hard cap: a peer with more than `maxWaitingRequests` requests waiting behind its unread
 *   bytes, or with more than `hardBytes` queued when a reply is due, asks faster than it reads. It
 *   is disconnected with a reason. (One large reply on a drained connection, a 20 000-row snapshot
 *   of ~13 MB, always goes out.)
 *
 * Events never trip the hard cap: they cost nothing while dropped or held (held ones are bounded),
 * and a peer that reads nothing and asks nothing is caught by the heartbeat.
 */
import type { EventPolicy } from './contract';

/** The limits of one connection. */
export interface BudgetLimits {
  /** Over this many bytes queued to the peer, events are held back or dropped and requests wait. */
  softBytes: number;
  /** A reply due while more than this many bytes are queued disconnects the peer. */
  hardBytes: number;
  /** More requests than this waiting behind unread bytes disconnects the peer. */
  maxWaitingRequests: number;
}

/** An event held back for the peer. */
export interface HeldEvent<E extends string> {
  event: E;
  payload: unknown;
}

/** Counters, for diagnostics and tests. */
export interface BudgetStats<E extends string> {
  /** Events dropped (policy `resync`) or pushed out of a full hold (`latest`, `keep`), per event. */
  dropped: Record<E, number>;
  /** Events held back now. */
  held: number;
}

const kib = (bytes: number): string => `${Math.round(bytes / 1024)} KiB`;

/** The send budget; see the module comment. */
export class SendBudget<E extends string> {
  private readonly policies: Record<E, EventPolicy>;
  private readonly limits: BudgetLimits;
  private readonly held: HeldEvent<E>[] = [];
  private readonly dropped: Record<E, number>;

  constructor(policies: Record<E, EventPolicy>, limits: BudgetLimits) {
    if (!(limits.softBytes >= 0) || !(limits.hardBytes >= limits.softBytes)) {
      throw new RangeError(`send budget: need 0 ≤ softBytes ≤ hardBytes (got ${limits.softBytes}, ${limits.hardBytes})`);
    }
    if (!(Number.isInteger(limits.maxWaitingRequests) && limits.maxWaitingRequests >= 0)) {
      throw new RangeError(`send budget: maxWaitingRequests must be a whole number ≥ 0 (got ${String(limits.maxWaitingRequests)})`);
    }
    for (const [event, policy] of Object.entries(policies) as [E, EventPolicy][]) {
      if (typeof policy === 'object' && !(Number.isInteger(policy.keep) && policy.keep >= 1)) {
        throw new RangeError(`send budget: ${event} must keep at least 1 event (got ${String(policy.keep)})`);
      }
    }
    this.policies = policies;
    this.limits = limits;
    this.dropped = Object.fromEntries(Object.keys(policies).map((event) => [event, 0])) as Record<E, number>;
  }

  /**
   * An event is due. Returns the events to send now, in order (the held ones first, when the queue
   * has room again, then this one); an event not returned was held back or dropped.
   */
  offerEvent(event: E, payload: unknown, buffered: number): HeldEvent<E>[] {
    if (buffered <= this.limits.softBytes) {
      const now = this.held.splice(0);
      now.push({ event, payload });
      return now;
    }
    const policy = this.policies[event];
    if (policy === 'resync') {
      this.dropped[event] += 1;
      return [];
    }
    const limit = policy === 'latest' ? 1 : policy.keep;
    const same = this.held.filter((item) => item.event === event);
    if (same.length >= limit) {
      const oldest = same[0] as HeldEvent<E>;
      this.held.splice(this.held.indexOf(oldest), 1);
      this.dropped[event] += 1;
    }
    this.held.push({ event, payload });
    return [];
  }

  /**
   * A reply is due. Null: send it. A string: the peer is past the hard cap; disconnect it with
   * that reason.
   */
  offerReply(buffered: number): string | null {
    if (buffered <= this.limits.hardBytes) return null;
    return `it stopped reading: ${kib(buffered)} are waiting for it, over the ${kib(this.limits.hardBytes)} limit`;
  }

  /** True when a request may run now (the peer is within the soft budget). */
  mayRun(buffered: number): boolean {
    return buffered <= this.limits.softBytes;
  }

  /**
   * A request arrives while `waiting` others wait: may it wait for the peer to catch up? Null: yes
   * (or it need not). A string: the peer is past the hard cap; disconnect it with that reason.
   */
  offerRequest(buffered: number, waiting: number): string | null {
    if (buffered <= this.limits.softBytes || waiting < this.limits.maxWaitingRequests) return null;
    return `it stopped reading: ${waiting + 1} requests are waiting behind ${kib(buffered)} it has not read, over the limit of ${this.limits.maxWaitingRequests}`;
  }

  /** The held events to send now (all of them once the queue is back under `softBytes`). */
  drain(buffered: number): HeldEvent<E>[] {
    return buffered <= this.limits.softBytes ? this.held.splice(0) : [];
  }

  /** True while events are held back (the caller checks the queue again later). */
  hasHeld(): boolean {
    return this.held.length > 0;
  }

  /** Forgets the held events of one kind (the peer unsubscribed). */
  discard(event: E): void {
    for (let i = this.held.length - 1; i >= 0; i -= 1) if (this.held[i]?.event === event) this.held.splice(i, 1);
  }

  /** Forgets everything held (the connection closed). */
  clear(): void {
    this.held.length = 0;
  }

  /** Counters so far. */
  stats(): BudgetStats<E> {
    return { dropped: { ...this.dropped }, held: this.held.length };
  }
}
