/**
 * The send-budget policy on its own (SendBudget), then end to end through the RPC layer: a client
 * that falls behind loses deltas, sees the seq gap and re-syncs to the same table; it gets only the
 * latest status; and past the hard cap it is disconnected with the reason.
 */
import { describe, expect, it } from 'vitest';
import { servePortwatch } from '../../../src/main/core/service';
import { createPortwatchClient } from '../../../src/shared/portwatch-rpc';
import { SendBudget } from '../../../src/shared/rpc/budget';
import type { EventPolicy } from '../../../src/shared/rpc/contract';
import type { PollStatus, ProbeResult } from '../../../src/shared/model';
import { startSnapshotSync } from '../../../src/shared/snapshot-sync';
import { makeConnection } from '../../support/connections';
import { createFakeApi } from '../../support/fake-api';
import { FakeClock, flushPromises } from '../../support/fake-clock';
import { linkPair } from '../../support/rpc-pair';
import { serviceFromApi } from '../../support/service-from-api';

type Ev = 'onSnapshotDelta' | 'onStatus' | 'onProbeResult';
const POLICIES: Record<Ev, EventPolicy> = { onSnapshotDelta: 'resync', onStatus: 'latest', onProbeResult: { keep: 2 } };
const LIMITS = { softBytes: 1000, hardBytes: 5000, maxWaitingRequests: 2 };
const names = (sent: { event: Ev; payload: unknown }[]): string[] => sent.map(({ event, payload }) => `${event}:${String(payload)}`);

describe('SendBudget', () => {
  it('sends everything at once while the queue is within the soft budget', () => {
    const budget = new SendBudget<Ev>(POLICIES, LIMITS);
    expect(names(budget.offerEvent('onSnapshotDelta', 1, 0))).toEqual(['onSnapshotDelta:1']);
    expect(names(budget.offerEvent('onStatus', 's', 1000))).toEqual(['onStatus:s']);
    expect(budget.stats()).toEqual({ dropped: { onSnapshotDelta: 0, onStatus: 0, onProbeResult: 0 }, held: 0 });
  });

  it('drops deltas over the soft budget and sends the next one once the queue drains (a seq gap)', () => {
    const budget = new SendBudget<Ev>(POLICIES, LIMITS);
    expect(budget.offerEvent('onSnapshotDelta', 2, 1001)).toEqual([]);
    expect(budget.offerEvent('onSnapshotDelta', 3, 4000)).toEqual([]);
    expect(budget.hasHeld()).toBe(false);
    expect(names(budget.offerEvent('onSnapshotDelta', 4, 10))).toEqual(['onSnapshotDelta:4']);
    expect(budget.stats().dropped.onSnapshotDelta).toBe(2);
  });

  it('keeps only the latest status while behind, and sends it when the queue drains', () => {
    const budget = new SendBudget<Ev>(POLICIES, LIMITS);
    for (const s of ['a', 'b', 'c']) expect(budget.offerEvent('onStatus', s, 2000)).toEqual([]);
    expect(budget.stats()).toMatchObject({ held: 1, dropped: { onStatus: 2 } });
    expect(budget.drain(1500)).toEqual([]);
    expect(names(budget.drain(900))).toEqual(['onStatus:c']);
    expect(budget.hasHeld()).toBe(false);
  });

  it('keeps a bounded number of other events, the newest, in order with the rest', () => {
    const budget = new SendBudget<Ev>(POLICIES, LIMITS);
    budget.offerEvent('onProbeResult', 'p1', 2000);
    budget.offerEvent('onStatus', 's1', 2000);
    budget.offerEvent('onProbeResult', 'p2', 2000);
    budget.offerEvent('onProbeResult', 'p3', 2000);
    budget.offerEvent('onStatus', 's2', 2000);
    expect(budget.stats()).toMatchObject({ held: 3, dropped: { onProbeResult: 1, onStatus: 1 } });
    // Held events go out first, then the one that found the queue drained.
    expect(names(budget.offerEvent('onSnapshotDelta', 9, 0))).toEqual(['onProbeResult:p2', 'onProbeResult:p3', 'onStatus:s2', 'onSnapshotDelta:9']);
  });

  it('forgets the held events of an unsubscribed event, and everything on close', () => {
    const budget = new SendBudget<Ev>(POLICIES, LIMITS);
    budget.offerEvent('onProbeResult', 'p1', 2000);
    budget.offerEvent('onStatus', 's1', 2000);
    budget.discard('onProbeResult');
    expect(names(budget.drain(0))).toEqual(['onStatus:s1']);
    budget.offerEvent('onStatus', 's2', 2000);
    budget.clear();
    expect(budget.drain(0)).toEqual([]);
  });

  it('lets replies out up to the hard cap, then names the overflow', () => {
    const budget = new SendBudget<Ev>(POLICIES, LIMITS);
    expect(budget.offerReply(0)).toBeNull();
    expect(budget.offerReply(5000)).toBeNull();
    expect(budget.offerReply(5001 + 300 * 1024)).toBe('it stopped reading: 305 KiB are waiting for it, over the 5 KiB limit');
  });

  it('lets requests wait while the peer is behind, up to the bound, then names the overflow', () => {
    const budget = new SendBudget<Ev>(POLICIES, LIMITS);
    expect(budget.mayRun(1000)).toBe(true);
    expect(budget.mayRun(1001)).toBe(false);
    expect(budget.offerRequest(5000, 0)).toBeNull();
    expect(budget.offerRequest(5000, 1)).toBeNull();
    expect(budget.offerRequest(300 * 1024, 2)).toBe('it stopped reading: 3 requests are waiting behind 300 KiB it has not read, over the limit of 2');
    // Within the soft budget a request waits only for a free slot: never an overflow.
    expect(budget.offerRequest(0, 50)).toBeNull();
  });

  it('refuses nonsense limits and policies', () => {
    expect(() => new SendBudget<Ev>(POLICIES, { softBytes: 10, hardBytes: 5, maxWaitingRequests: 1 })).toThrow('send budget: need 0 ≤ softBytes ≤ hardBytes (got 10, 5)');
    expect(() => new SendBudget<Ev>(POLICIES, { ...LIMITS, maxWaitingRequests: 1.5 })).toThrow('send budget: maxWaitingRequests must be a whole number ≥ 0 (got 1.5)');
    expect(() => new SendBudget<Ev>({ ...POLICIES, onProbeResult: { keep: 0 } }, LIMITS)).toThrow('send budget: onProbeResult must keep at least 1 event (got 0)');
  });
});

/** A PortwatchApi client and a served fake service, joined by a link pair with a budget. */
function servedFake(limits = { softBytes: 1000, hardBytes: 100_000, maxWaitingRequests: 4 }, snapshotGate: Promise<void> = Promise.resolve()) {
  const clock = new FakeClock(0);
  const { api: fake, control } = createFakeApi([makeConnection({ localPort: 1000 })]);
  const pair = linkPair(clock);
  const service = serviceFromApi(fake);
  const handlers = { ...service.handlers, getSnapshot: async () => (await snapshotGate, fake.getSnapshot()) };
  const server = servePortwatch(pair.server, { ...service, handlers }, { clock, budget: limits });
  const client = createPortwatchClient({ clock, peer: 'the test server', timeoutMs: 0 });
  client.attach(pair.client);
  return { clock, fake, control, pair, server, api: client.api };
}

describe('the send budget through the RPC layer', () => {
  it('a client that falls behind loses deltas, sees the gap and re-syncs to the same table', async () => {
    const { control, pair, server, api, fake } = servedFake();
    const sync = startSnapshotSync(api, () => undefined);
    await sync.ready;
    await flushPromises();
    control.add([makeConnection({ localPort: 1001 })]);
    await flushPromises();
    expect(sync.current()?.seq).toBe(2);

    pair.serverBuffered = 50_000; // the client stopped reading
    control.add([makeConnection({ localPort: 1002 })]);
    control.remove([makeConnection({ localPort: 1000 }).key]);
    await flushPromises();
    expect(server.budgetStats()?.dropped.onSnapshotDelta).toBe(2);
    expect(sync.current()?.seq).toBe(2);

    pair.serverBuffered = 0; // it caught up
    control.add([makeConnection({ localPort: 1003 })]);
    await flushPromises();
    await flushPromises();
    expect(sync.resyncs()).toBe(1);
    const table = sync.current();
    const truth = await fake.getSnapshot();
    expect(table?.seq).toBe(truth.seq);
    expect([...(table?.rows.keys() ?? [])].sort()).toEqual(truth.rows.map((r) => r.key).sort());
    sync.stop();
  });

  it('a client that falls behind gets only the latest status once it catches up', async () => {
    const { clock, pair, api, fake } = servedFake();
    const seen: PollStatus[] = [];
    api.onStatus((status) => seen.push(status));
    await flushPromises();
    pair.serverBuffered = 5000;
    await fake.pause();
    await fake.resume();
    await fake.pause();
    await flushPromises();
    expect(seen).toEqual([]);
    pair.serverBuffered = 0;
    await clock.advanceAsync(50);
    await flushPromises();
    expect(seen.map((s) => s.paused)).toEqual([true]);
  });

  it('keeps probe results up to the bound while behind, dropping the oldest', async () => {
    const { clock, pair, api, control } = servedFake();
    const seen: number[] = [];
    api.onProbeResult((result) => seen.push(result.at));
    await flushPromises();
    pair.serverBuffered = 5000;
    const result = (at: number): ProbeResult => ({ probeId: 'p', kind: 'tcp', at, outcome: 'open', ok: true, latencyMs: 1, message: 'open', health: 'up', transition: null });
    for (let at = 1; at <= 70; at += 1) control.emitProbeResult(result(at));
    pair.serverBuffered = 0;
    await clock.advanceAsync(50);
    await flushPromises();
    expect(seen).toEqual(Array.from({ length: 64 }, (_, i) => i + 7));
  });

  it('holds a lagging client’s requests unrun, runs them in order once it catches up, and cuts it off past the bound', async () => {
    const { clock, pair, api, control } = servedFake({ softBytes: 1000, hardBytes: 100_000, maxWaitingRequests: 2 });
    pair.serverBuffered = 2000;
    const first = api.getSettings();
    const second = api.listProbes();
    await flushPromises();
    expect(control.calls).toEqual([]);
    pair.serverBuffered = 0;
    await clock.advanceAsync(50);
    expect(control.calls.map((c) => c.method)).toEqual(['getSettings', 'listProbes']);
    await expect(first).resolves.toMatchObject({ pollIntervalMs: 1000 });
    await expect(second).resolves.toEqual([]);

    pair.serverBuffered = 2000;
    const lost = [api.getSnapshot(), api.getSnapshot(), api.getSnapshot()].map((p) => p.catch((error: Error) => error.message));
    await flushPromises();
    expect(await Promise.all(lost)).toEqual(
      Array(3).fill('the connection to the test server was lost (the server closed the connection: the client was disconnected: it stopped reading: 3 requests are waiting behind 2 KiB it has not read, over the limit of 2)'),
    );
    expect(control.calls.map((c) => c.method)).toEqual(['getSettings', 'listProbes']);
  });

  it('disconnects a client past the hard cap, with the reason, and the client’s request fails with it', async () => {
    let open: () => void = () => undefined;
    const { pair, api, server } = servedFake({ softBytes: 1000, hardBytes: 4096, maxWaitingRequests: 4 }, new Promise((resolve) => (open = resolve)));
    expect((await api.getSettings()).pollIntervalMs).toBe(1000);
    // The request starts while the client reads; by the time its reply is due, 4 KiB + 1 wait unread.
    const snapshot = api.getSnapshot();
    await flushPromises();
    expect(server.inFlight()).toBe(1);
    pair.serverBuffered = 4097;
    open();
    await expect(snapshot).rejects.toThrow(
      'the connection to the test server was lost (the server closed the connection: the client was disconnected: it stopped reading: 4 KiB are waiting for it, over the 4 KiB limit)',
    );
    expect(pair.server.closed).toEqual({ reason: 'the client was disconnected: it stopped reading: 4 KiB are waiting for it, over the 4 KiB limit', byPeer: false });
  });
});
