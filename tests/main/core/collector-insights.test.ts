/** The collector with SocketInsights: traffic on rows and in aggregates, health in deltas and snapshots. */
import { describe, expect, it } from 'vitest';
import { Collector } from '../../../src/main/core/collector';
import { SocketInsights } from '../../../src/main/core/socket-insights';
import type { SocketReadResult, SocketSource } from '../../../src/main/core/sources';
import type { SsSocket, TcpInfoRead, TcpInfoSource } from '../../../src/main/core/tcp-info';
import type { Connection } from '../../../src/shared/model';
import { makeConnection, makeSsSocket } from '../../support/connections';
import { FakeClock } from '../../support/fake-clock';

const server = (port: number, partial: Partial<Connection> = {}): Connection =>
  makeConnection({ localPort: 8080, remoteAddress: '127.0.0.1', remotePort: port, state: 'ESTABLISHED', inode: port, owners: [{ pid: 5, name: 'srv' }], ...partial });
const listener = makeConnection({ localPort: 8080, state: 'LISTEN', inode: 1, owners: [{ pid: 5, name: 'srv' }] });
const udp = makeConnection({ protocol: 'udp', localPort: 5353, state: 'UNCONN', inode: 2 });

const ss = (inode: number, sent: number, over: Partial<SsSocket> = {}): SsSocket => makeSsSocket({ inode, localPort: 8080, remotePort: inode, sent, ...over });

const table = (rows: Connection[]): SocketSource => ({
  name: 'fake',
  read: async (): Promise<SocketReadResult> => ({ rows: rows.map((r) => ({ ...r })), source: 'fake', notices: [] }),
});

function counters(reads: Array<SsSocket[] | Error>): TcpInfoSource {
  return {
    read: async (): Promise<TcpInfoRead> => {
      const next = reads.shift() ?? [];
      if (next instanceof Error) throw next;
      return { sockets: next, notices: [] };
    },
  };
}

function make(rows: Connection[], reads: Array<SsSocket[] | Error>, settings: { trafficEnabled?: boolean; health?: { closeWaitPerProcess: number; synSentAfterMs: number; acceptQueueRatio: number; ephemeralPortsRatio: number; notify: boolean } } = {}): { clock: FakeClock; collector: Collector } {
  const clock = new FakeClock(1_000_000);
  const collector = new Collector({
    clock,
    source: table(rows),
    hostname: 'h',
    settings: { pollIntervalMs: 1000, closedRetentionMs: 0, reverseDns: false, ...settings },
    insights: new SocketInsights({ tcpInfo: counters(reads) }),
  });
  return { clock, collector };
}

describe('Collector with socket insights', () => {
  it('puts traffic on rows, re-sends a row whose counters moved (unmarked), and sums per process and port', async () => {
    const { clock, collector } = make([listener, server(40001), server(40002), udp], [[ss(1, 0, { state: 'LISTEN', remoteAddress: null, remotePort: null }), ss(40001, 0), ss(40002, 0)], [ss(1, 0, { state: 'LISTEN', remoteAddress: null, remotePort: null }), ss(40001, 5000), ss(40002, 0)]]);
    const d1 = await collector.tick();
    expect(d1.added.find((r) => r.inode === 40001)?.traffic).toMatchObject({ bytesSent: 0, sendRate: null });
    expect(d1.added.find((r) => r.protocol === 'udp')?.traffic).toBeNull();
    clock.advance(1000);
    const d2 = await collector.tick();
    // Both connections got their first rate (null → a number); only 40001 moved bytes.
    const moved = d2.changed.find((r) => r.inode === 40001);
    expect(moved).toMatchObject({ change: null, traffic: { bytesSent: 5000, sendRate: 5000 } });
    expect(d2.changed.find((r) => r.inode === 40002)?.traffic?.sendRate).toBe(0);
    expect(d2.aggregates.trafficByProcess?.[0]).toMatchObject({ pid: 5, name: 'srv', sendRate: 5000, measured: 2 });
    expect(d2.aggregates.trafficByPort?.[0]).toMatchObject({ protocol: 'tcp', port: 8080, side: 'local', sendRate: 5000 });
    expect(collector.snapshot().rows.find((r) => r.inode === 40001)?.traffic?.sendRate).toBe(5000);
    clock.advance(1000);
    // Nothing moved this time (the source repeats its last answer: [] → no counters): rows re-sent without traffic.
    const d3 = await collector.tick();
    expect(d3.changed.every((r) => r.protocol === 'udp' || r.traffic === null)).toBe(true);
  });

  it('reports health in deltas and snapshots, with the table first-seen time for stuck connections', async () => {
    const stuck = makeConnection({ localPort: 50000, remoteAddress: '127.0.0.1', remotePort: 9, state: 'SYN_SENT', inode: 3, owners: [{ pid: 7, name: 'cli' }] });
    const { clock, collector } = make([stuck], [[], [], []], { trafficEnabled: true, health: { closeWaitPerProcess: 10, synSentAfterMs: 2000, acceptQueueRatio: 1, ephemeralPortsRatio: 0.7, notify: true } });
    expect((await collector.tick()).health).toEqual([]);
    clock.advance(1000);
    expect((await collector.tick()).health).toEqual([]);
    clock.advance(1000);
    const d3 = await collector.tick();
    expect(d3.health?.map((s) => [s.id, s.firstSeen, s.value])).toEqual([['syn-sent:127.0.0.1:9', 1_002_000, 2000]]);
    expect(d3.changed.map((r) => [r.key, r.health, r.change])).toEqual([[stuck.key, ['syn-sent'], null]]);
    expect(collector.snapshot().health?.[0]?.id).toBe('syn-sent:127.0.0.1:9');
  });

  it('never reads counters when traffic is off', async () => {
    let reads = 0;
    const clock = new FakeClock(0);
    const collector = new Collector({
      clock,
      source: table([server(40001)]),
      hostname: 'h',
      settings: { pollIntervalMs: 1000, closedRetentionMs: 0, reverseDns: false, trafficEnabled: false },
      insights: new SocketInsights({ tcpInfo: { read: async () => ((reads += 1), { sockets: [], notices: [] }) } }),
    });
    const d = await collector.tick();
    expect(reads).toBe(0);
    expect(d.added[0]).not.toHaveProperty('traffic');
    expect(d.aggregates.trafficByProcess).toBeUndefined();
  });

  it('keeps polling the table when the counters fail, with a notice', async () => {
    const { collector } = make([server(40001)], [new Error('boom')]);
    const d = await collector.tick();
    expect(d.status.ok).toBe(true);
    expect(d.added).toHaveLength(1);
    expect(d.added[0]).not.toHaveProperty('traffic');
    expect(d.status.notices).toEqual(['Per-connection traffic unavailable: boom']);
  });
});
