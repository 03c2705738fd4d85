import { describe, expect, it } from 'vitest';
import { Collector } from '../../../src/main/core/collector';
import type { CollectorDeps } from '../../../src/main/core/collector';
import { SourceError } from '../../../src/main/core/sources';
import type { HostNameResolver, InterfaceCounters, SocketReadResult, SocketSource } from '../../../src/main/core/sources';
import type { Connection } from '../../../src/shared/model';
import { FakeClock } from '../../support/fake-clock';
import { makeConnection } from '../../support/connections';

type Step = Connection[] | Error | 'hang';

/** A socket source that plays back a script of polls (fresh row objects each read). */
function scriptedSource(steps: Step[]): SocketSource & { reads: number } {
  const source = {
    name: 'fake',
    reads: 0,
    read: (): Promise<SocketReadResult> => {
      const step = steps[Math.min(source.reads, steps.length - 1)] as Step;
      source.reads += 1;
      if (step === 'hang') return new Promise(() => undefined);
      if (step instanceof Error) return Promise.reject(step);
      return Promise.resolve({ rows: step.map((r) => ({ ...r })), source: 'fake', notices: [] });
    },
  };
  return source;
}

const listener = makeConnection({ localPort: 8080, state: 'LISTEN', inode: 7, exposure: 'loopback' });
const conn = (port: number, partial: Partial<Connection> = {}): Connection =>
  makeConnection({ localPort: port, remoteAddress: '127.0.0.9', remotePort: 8080, state: 'ESTABLISHED', owners: [{ pid: 9, name: 'client' }], ...partial });

function make(steps: Step[], extra: Partial<CollectorDeps> = {}) {
  const clock = new FakeClock(1_000_000);
  const source = scriptedSource(steps);
  const collector = new Collector({
    clock,
    source,
    hostname: 'testhost',
    settings: { pollIntervalMs: 1000, closedRetentionMs: 3000, reverseDns: false },
    ...extra,
  });
  return { clock, source, collector };
}

describe('Collector', () => {
  it('numbers deltas one by one and sends what changed', async () => {
    const { clock, collector } = make([[listener], [listener, conn(40000)], [listener]]);
    const d1 = await collector.tick();
    expect(d1.seq).toBe(1);
    expect(d1.added.map((r) => r.key)).toEqual([listener.key]);
    expect(d1.status).toMatchObject({ ok: true, source: 'fake', errorKind: null });
    clock.advance(1000);
    const d2 = await collector.tick();
    expect(d2.seq).toBe(2);
    expect(d2.added.map((r) => [r.key, r.change])).toEqual([[conn(40000).key, 'new']]);
    expect(d2.counters).toMatchObject({ total: 2, established: 1, listening: 1, newLastMinute: 1, closedLastMinute: 0 });
    clock.advance(1000);
    const d3 = await collector.tick();
    expect(d3.changed.map((r) => [r.key, r.change])).toEqual([[conn(40000).key, 'closed']]);
    expect(d3.counters).toMatchObject({ total: 1, established: 0, newLastMinute: 1, closedLastMinute: 1 });
    expect(d3.aggregates.byState).toEqual({ LISTEN: 1 });
  });

  it('serves a full snapshot that matches the deltas', async () => {
    const { clock, collector } = make([[listener], [listener, conn(40000)], [listener]]);
    for (let i = 0; i < 3; i += 1) {
      await collector.tick();
      clock.advance(1000);
    }
    const snap = collector.snapshot();
    expect(snap.seq).toBe(3);
    expect(snap.hostname).toBe('testhost');
    expect(snap.rows.map((r) => [r.key, r.change])).toEqual([
      [listener.key, null],
      [conn(40000).key, 'closed'],
    ]);
    expect(snap.counters.closedLastMinute).toBe(1);
  });

  it('removes closed rows after the retention and forgets counts after a minute', async () => {
    const { clock, collector } = make([[listener, conn(40000)], [listener]]);
    await collector.tick();
    clock.advance(1000);
    await collector.tick(); // closed at +1000
    clock.advance(2999);
    expect((await collector.tick()).removedKeys).toEqual([]);
    clock.advance(1);
    expect((await collector.tick()).removedKeys).toEqual([conn(40000).key]);
    // Closed 59 999 ms ago: still inside the minute; 60 000 ms: out.
    clock.advance(56_999);
    expect(collector.snapshot().counters.closedLastMinute).toBe(1);
    clock.advance(1);
    expect(collector.snapshot().counters.closedLastMinute).toBe(0);
  });

  it('turns a failed read into an error status and a history gap, keeping the table', async () => {
    const { clock, collector } = make([[listener], new SourceError('ss is not installed', 'missing-tool'), [listener]]);
    await collector.tick();
    clock.advance(1000);
    const failed = await collector.tick();
    expect(failed.status).toMatchObject({ ok: false, error: 'ss is not installed', errorKind: 'missing-tool' });
    expect(failed.changed).toEqual([]);
    expect(failed.removedKeys).toEqual([]);
    expect(failed.seq).toBe(2);
    expect(collector.snapshot().rows.map((r) => r.change)).toEqual([null]);
    clock.advance(1000);
    expect((await collector.tick()).status.ok).toBe(true);
    const history = collector.history({ durationMs: 60_000 });
    expect(history.samples.map((s) => [s.ok, s.error])).toEqual([
      [true, null],
      [false, 'ss is not installed'],
      [true, null],
    ]);
    expect(history.samples[1]?.byState).toEqual({});
  });

  it('maps a plain error with a code into the status', async () => {
    const { collector } = make([Object.assign(new Error('read /proc/net/tcp'), { code: 'EACCES' })]);
    expect((await collector.tick()).status.errorKind).toBe('permission');
  });

  it('reports the poll loop’s state (set by the poller) in its status, deltas and snapshot', async () => {
    const { clock, collector } = make([[listener]]);
    expect(collector.status()).toMatchObject({ ok: true, polledAt: 0, notices: ['Waiting for the first poll'], intervalMs: 1000, paused: false });
    clock.advance(250);
    const d = await collector.tick();
    expect(d.status).toMatchObject({ ok: true, polledAt: 1_000_250, durationMs: 0, source: 'fake', notices: [] });
    collector.setLoop({ intervalMs: 4000, baseIntervalMs: 1000, paused: true });
    expect(collector.status()).toMatchObject({ intervalMs: 4000, paused: true, notices: ['Polling slowed to every 4 s (set: 1 s): a poll takes 0 ms'] });
    expect(collector.snapshot().status).toEqual(collector.status());
  });

  it('times out a hung read and starts no second read until it settles', async () => {
    const { clock, source, collector } = make(['hang'], { readTimeoutMs: 2000 });
    const pending = collector.tick();
    await clock.advanceAsync(2000);
    const d = await pending;
    expect(d.status).toMatchObject({ ok: false, errorKind: 'timeout', error: 'Reading the socket table (fake) did not finish within 2 s' });
    const next = await collector.tick();
    expect(next.status.error).toBe('The previous read of the socket table (fake) is still running');
    expect(source.reads).toBe(1);
  });

  it('fills remote host names from the resolver cache only when reverse DNS is on', async () => {
    const peeked: string[] = [];
    const resolver: HostNameResolver = {
      peek: (address) => {
        peeked.push(address);
        return 'peer.test';
      },
    };
    const off = make([[listener, conn(40000)]], { resolver });
    expect((await off.collector.tick()).added[1]?.remoteHost).toBeUndefined();
    expect(peeked).toEqual([]);
    const on = make([[listener, conn(40000)]], { resolver, settings: { pollIntervalMs: 1000, closedRetentionMs: 0, reverseDns: true } });
    const d = await on.collector.tick();
    expect(d.added.map((r) => r.remoteHost)).toEqual([undefined, 'peer.test']);
    expect(d.aggregates.byRemoteHost).toEqual([{ address: '127.0.0.9', host: 'peer.test', connections: 1 }]);
    expect(peeked).toEqual(['127.0.0.9']);
  });

  it('records interface throughput, and a stats failure is a notice, not a failed poll', async () => {
    let reads = 0;
    const counters: InterfaceCounters[][] = [[{ name: 'lo', rxBytes: 0, txBytes: 0 }], [{ name: 'lo', rxBytes: 2000, txBytes: 1000 }]];
    const stats = {
      read: async (): Promise<InterfaceCounters[]> => {
        reads += 1;
        if (reads === 3) throw new Error('no /proc/net/dev');
        return counters[reads - 1] ?? [];
      },
    };
    const { clock, collector } = make([[listener]], { stats });
    await collector.tick();
    clock.advance(1000);
    await collector.tick();
    clock.advance(1000);
    const third = await collector.tick();
    expect(third.status.ok).toBe(true);
    expect(third.status.notices).toEqual(['Interface throughput unavailable: no /proc/net/dev']);
    expect(collector.history({ durationMs: 60_000 }).samples.map((s) => s.interfaces)).toEqual([
      [{ name: 'lo', rxBytesPerSec: null, txBytesPerSec: null }],
      [{ name: 'lo', rxBytesPerSec: 2000, txBytesPerSec: 1000 }],
      [],
    ]);
  });

  it('continues the seq after a restart and applies option changes', async () => {
    const { clock, collector } = make([[listener, conn(40000)], [listener]], { initialSeq: 41 });
    expect(collector.snapshot().seq).toBe(41);
    expect((await collector.tick()).seq).toBe(42);
    collector.setOptions({ closedRetentionMs: 0 });
    clock.advance(1000);
    expect((await collector.tick()).removedKeys).toEqual([conn(40000).key]);
    expect(() => collector.setOptions({ pollIntervalMs: 10 })).toThrow('pollIntervalMs must be between 500 and 60000 ms (got 10)');
    expect(collector.options()).toEqual({ pollIntervalMs: 1000, closedRetentionMs: 0, reverseDns: false });
  });

  it('sends small deltas at low churn', async () => {
    const base = Array.from({ length: 1000 }, (_, i) => conn(20000 + i));
    const churned = [...base.slice(10), ...Array.from({ length: 10 }, (_, i) => conn(30000 + i))];
    const { clock, collector } = make([base, churned]);
    await collector.tick();
    clock.advance(1000);
    const d = await collector.tick();
    expect([d.added.length, d.changed.length, d.removedKeys.length]).toEqual([10, 10, 0]);
    expect(JSON.stringify(d).length).toBeLessThan(JSON.stringify(collector.snapshot()).length * 0.05);
  });

  it('finds relays across polls and re-sends the relay’s rows with the forward, marks untouched', async () => {
    const owner = { pid: 77, name: 'relay' };
    const relayListener = makeConnection({ localPort: 9000, state: 'LISTEN', inode: 70, owners: [owner] });
    const inbound = (client: number): Connection =>
      makeConnection({ localPort: 9000, remoteAddress: '127.0.0.1', remotePort: client, state: 'ESTABLISHED', owners: [owner] });
    const outbound = (local: number): Connection =>
      makeConnection({ localPort: local, remoteAddress: '127.0.0.1', remotePort: 5432, state: 'ESTABLISHED', owners: [owner] });
    const { clock, collector } = make([
      [relayListener, inbound(41000), outbound(51000)],
      [relayListener, inbound(41000), outbound(51000), inbound(41001), outbound(51001)],
      [relayListener, inbound(41001), outbound(51001)],
    ]);
    await collector.tick();
    clock.advance(1000);
    await collector.tick();
    clock.advance(1000);
    const d3 = await collector.tick();
    const forward = { kind: 'relay', listenAddress: '127.0.0.1', listenPort: 9000, targetHost: '127.0.0.1', targetPort: 5432, via: 'relay pairs each connection with one to 127.0.0.1:5432' };
    const resent = d3.changed.filter((r) => r.change !== 'closed');
    expect(resent.map((r) => [r.key, r.forward, r.change ?? null])).toEqual([
      [relayListener.key, forward, null],
      // Opened on the previous poll: still marked new; the forward is a detail, not a change.
      [inbound(41001).key, forward, 'new'],
      [outbound(51001).key, forward, 'new'],
    ]);
    expect(collector.snapshot().rows.find((r) => r.key === relayListener.key)?.forward).toEqual(forward);
  });
});
