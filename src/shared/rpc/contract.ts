/**
 * What a contract served over the RPC layer looks like, as types. A contract is an interface whose
 * members are either requests (`name(...args): Promise<Result>`) or events (`onName(listener):
 * Unsubscribe`), told apart by the `on` prefix. `PortwatchApi` is one; the collector worker's
 * `CollectorApi` is another. Both ends are typed from the same interface, so a member missing or
 * mistyped on either side is a compile error (see tests/shared/rpc/contract.types.test.ts).
 *
 * The layer (this folder) is ours rather than a library such as birpc 4.2.0. birpc gives ids,
 * time-outs and typed calls, which are the small part here; what the three transports lacked is
 * what it leaves out: events with a subscribe/unsubscribe protocol and a drop policy per event, a
 * send budget driven by what the transport still holds (`bufferedAmount`), requests that wait unrun
 * while a peer is behind, a heartbeat both ways, closing with a reason, and one frame format whose
 * server side is validated by our schema library. On birpc these would wrap its `post` and re-parse
 * its frames; as one module of our own (~950 lines, comments included) they share one wire format and
 * nothing on the preload's path needs a dependency.
 */
import type { Unsubscribe } from '../api';

/** The member names that are events (`onX`). */
export type EventKey<C> = { [K in keyof C]: K extends `on${string}` ? K : never }[keyof C] & string;

/** The member names that are requests. */
export type RequestKey<C> = Exclude<keyof C, EventKey<C>> & string;

/** The payload an event delivers. */
export type EventPayloadOf<C, K extends EventKey<C>> = C[K] extends (listener: (payload: infer P) => void) => Unsubscribe ? P : never;

/** A request's arguments. */
export type RequestArgs<C, K extends RequestKey<C>> = C[K] extends (...args: infer A) => Promise<unknown> ? A : never;

/** A request's resolved value. */
export type RequestResultOf<C, K extends RequestKey<C>> = C[K] extends (...args: never[]) => Promise<infer R> ? R : never;

/**
 * The shape every contract must have: requests return promises, events take one listener and
 * return an unsubscribe function. `C extends RpcContract<C>` rejects anything else at compile time.
 */
export type RpcContract<C> = {
  [K in keyof C]: K extends `on${string}` ? EventShape<C[K]> : (...args: never[]) => Promise<unknown>;
};

/** An event member as it must be: its own listener type if it has one, else one nothing satisfies. */
type EventShape<F> = F extends (listener: (payload: infer P) => void) => Unsubscribe
  ? (listener: (payload: P) => void) => Unsubscribe
  : (listener: (payload: never) => void) => Unsubscribe;

/** The server side of a contract: one handler per request, same arguments, same result (sync or async). */
export type RpcHandlers<C> = {
  [K in RequestKey<C>]: (...args: RequestArgs<C, K>) => RequestResultOf<C, K> | Promise<RequestResultOf<C, K>>;
};

/** Subscribes the server side to one of the contract's events. */
export type RpcSubscribe<C> = <K extends EventKey<C>>(event: K, listener: (payload: EventPayloadOf<C, K>) => void) => Unsubscribe;

/**
 * Every member name of a contract, as a runtime map (the values do not matter: `CHANNELS` is
 * `PortwatchApi`'s): `satisfies RpcMemberMap<C>` on an object literal makes a missing or an extra
 * name a compile error, so the runtime list cannot drift from the interface.
 */
export type RpcMemberMap<C> = Record<keyof C, unknown>;

/**
 * What to do with an event when the peer falls behind (its send budget is spent):
 * - `resync`: drop it. Only for sequenced events whose receiver re-fetches the whole state when it
 *   sees a gap (snapshot deltas).
 * - `latest`: keep only the newest one held back (a status: only the latest matters).
 * - `{ keep: n }`: hold up to n, dropping the oldest beyond that.
 */
export type EventPolicy = 'resync' | 'latest' | { keep: number };

/** One policy per event of the contract (a missing event is a compile error). */
export type EventPolicies<C> = Record<EventKey<C>, EventPolicy>;

/** The names of a member map, split into requests and events by the `on` prefix. */
export function splitMembers<C>(members: RpcMemberMap<C>): { requests: RequestKey<C>[]; events: EventKey<C>[] } {
  const names = Object.keys(members);
  return {
    requests: names.filter((name) => !name.startsWith('on')) as RequestKey<C>[],
    events: names.filter((name) => name.startsWith('on')) as EventKey<C>[],
  };
}
