/**
 * Type tests of the RPC layer: `tsc -p tsconfig.tests.json` (part of npm test) fails when an
 * `@ts-expect-error` below stops being an error. They prove that a member missing or mistyped on
 * either side of a contract is a compile error, the collector worker's contract included, and that
 * the worker's contract and PortwatchApi agree where they share members.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EventMethod, EventPayload, PortwatchApi, Unsubscribe } from '../../../src/shared/api';
import { COLLECTOR_MEMBERS } from '../../../src/main/core/collector-api';
import type { CollectorApi } from '../../../src/main/core/collector-api';
import type { CollectorHost } from '../../../src/main/node/collector-host';
import type { History, HistoryWindow, PollStatus, Snapshot } from '../../../src/shared/model';
import { RpcClient } from '../../../src/shared/rpc/client';
import type { EventKey, EventPayloadOf, RequestKey, RpcContract, RpcHandlers, RpcMemberMap, RpcSubscribe } from '../../../src/shared/rpc/contract';
import { FakeClock } from '../../support/fake-clock';

// --- The worker's side: its handlers are typed from CollectorApi. ---
type Handlers = RpcHandlers<CollectorApi>;
const okStatus = {} as PollStatus;
const complete: Handlers = {
  getSnapshot: () => ({}) as Snapshot,
  getHistory: (window) => ({ from: 0, to: window.durationMs, samples: [] }),
  pause: () => okStatus,
  resume: async () => okStatus,
  setOptions: (patch) => ({ ...okStatus, intervalMs: patch.pollIntervalMs ?? 0 }),
  stop: () => undefined,
};
const { stop: _stop, ...withoutStop } = complete;
// @ts-expect-error worker handlers missing a method are a compile error
const missingHandler: Handlers = withoutStop;
// @ts-expect-error a worker handler taking the wrong argument type is rejected
const wrongArgument: Handlers = { ...complete, getHistory: (window: string): History => ({ from: 0, to: window.length, samples: [] }) };
// @ts-expect-error a worker handler resolving to the wrong type is rejected
const wrongResult: Handlers = { ...complete, pause: async (): Promise<Snapshot | null> => null };
// @ts-expect-error a setting the collector does not have is rejected
const unknownSetting: Handlers = { ...complete, setOptions: (patch: { theme: string }) => ({ ...okStatus, source: patch.theme }) };

// --- The member maps that drive the runtime: a missing or an extra name is an error. ---
const { stop: _gone, ...membersWithoutStop } = COLLECTOR_MEMBERS;
// @ts-expect-error a member map missing a member of the contract is a compile error
const missingMember: RpcMemberMap<CollectorApi> = membersWithoutStop;
// @ts-expect-error an extra member is a compile error too
const extraMember = { ...COLLECTOR_MEMBERS, restart: true } as const satisfies RpcMemberMap<CollectorApi>;

// --- The events: a listener of the wrong payload is rejected on the server side. ---
const subscribe: RpcSubscribe<CollectorApi> = (() => () => undefined) as RpcSubscribe<CollectorApi>;
// @ts-expect-error a status listener cannot take a delta
const wrongListener: Unsubscribe = subscribe('onStatus', (delta: Snapshot) => void delta.rows);
// @ts-expect-error there is no such event
const noSuchEvent: Unsubscribe = subscribe('onEverything', () => undefined);

// --- The calling side: the client's api IS the contract. ---
const client = new RpcClient<CollectorApi>({ clock: new FakeClock(0), members: COLLECTOR_MEMBERS, timeoutMs: 0, messages: { lost: (r) => r, timeout: (m) => m } });
const call = (): void => {
  // @ts-expect-error the worker has no such method
  void client.api.getSettings();
  // @ts-expect-error wrong argument type on the calling side
  void client.api.getHistory({ durationMs: 'an hour' });
  // @ts-expect-error a result is not what the contract says
  const _wrong: Promise<Snapshot> = client.api.pause();
};

// --- A contract must be requests returning promises and onX subscriptions. ---
interface NotAContract {
  get(): string;
  onThing(listener: (n: number) => void): void;
}
// @ts-expect-error a request that does not return a promise, and an event without an unsubscribe, are not a contract
const notAContract: RpcContract<NotAContract> = {} as NotAContract;

describe('RPC contract types', () => {
  it('splits members by the on prefix and agrees with PortwatchApi where the worker shares its members', () => {
    expectTypeOf<EventKey<CollectorApi>>().toEqualTypeOf<'onSnapshotDelta' | 'onStatus'>();
    expectTypeOf<RequestKey<CollectorApi>>().toEqualTypeOf<'getSnapshot' | 'getHistory' | 'pause' | 'resume' | 'setOptions' | 'stop'>();
    expectTypeOf<CollectorApi['getSnapshot']>().toEqualTypeOf<PortwatchApi['getSnapshot']>();
    expectTypeOf<CollectorApi['getHistory']>().toEqualTypeOf<(window: HistoryWindow) => Promise<History>>();
    expectTypeOf<CollectorApi['onStatus']>().toEqualTypeOf<PortwatchApi['onStatus']>();
    expectTypeOf<CollectorHost>().toExtend<CollectorApi>();
    // EventPayloadOf (the layer's) and EventPayload (api.ts's) are the same types under two spellings.
    expectTypeOf<{ [K in EventMethod]: EventPayloadOf<PortwatchApi, K> }>().toEqualTypeOf<{ [K in EventMethod]: EventPayload<K> }>();
    expect(Object.keys(COLLECTOR_MEMBERS).sort()).toEqual(['getHistory', 'getSnapshot', 'onSnapshotDelta', 'onStatus', 'pause', 'resume', 'setOptions', 'stop']);
    expect(typeof client.api.getSnapshot).toBe('function');
    expect(
      [missingHandler, wrongArgument, wrongResult, unknownSetting, missingMember, extraMember, wrongListener, noSuchEvent, call, notAContract].length,
    ).toBe(10);
  });
});
