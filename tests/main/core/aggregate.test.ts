import { describe, expect, it } from 'vitest';
import { EventWindow, LiveAggregates, NO_VISIBLE_OWNER, makeCounters, summarize } from '../../../src/main/core/aggregate';
import { ConnectionTable } from '../../../src/main/core/diff';
import { makeConnection } from '../../support/connections';
import type { Connection, ServiceInfo } from '../../../src/shared/model';

const http: ServiceInfo = { name: 'http-alt', description: 'HTTP Alternate', port: 8080, portClass: 'registered', side: 'local' };

function table(): Connection[] {
  const server = { pid: 1, name: 'server' };
  const client = { pid: 2, name: 'client' };
  return [
    makeConnection({ localAddress: '0.0.0.0', localPort: 8080, state: 'LISTEN', owners: [server], service: http, exposure: 'all-interfaces' }),
    // Accepted by the listener on 8080.
    makeConnection({ localPort: 8080, remoteAddress: '127.0.0.1', remotePort: 40001, state: 'ESTABLISHED', owners: [server] }),
    makeConnection({ localPort: 8080, remoteAddress: '127.0.0.1', remotePort: 40002, state: 'ESTABLISHED', owners: [server] }),
    // The client ends: ephemeral local ports, not services.
    makeConnection({ localPort: 40001, remoteAddress: '127.0.0.1', remotePort: 8080, state: 'ESTABLISHED', owners: [client], remoteHost: 'localhost' }),
    makeConnection({ localPort: 40002, remoteAddress: '127.0.0.1', remotePort: 8080, state: 'TIME_WAIT', owners: [], ownerVisibility: 'none' }),
    makeConnection({ protocol: 'udp', localAddress: '127.0.0.53', localPort: 53, state: 'UNCONN', owners: [], ownerVisibility: 'hidden', exposure: 'loopback' }),
    // Closed rows count nowhere.
    makeConnection({ localPort: 9999, state: 'LISTEN', change: 'closed' }),
  ];
}

describe('summarize', () => {
  it('lists only listening ports, with the connections their listeners accepted', () => {
    const { aggregates } = summarize(table());
    expect(aggregates.byPort).toEqual([
      { protocol: 'tcp', port: 8080, service: http, exposure: 'all-interfaces', listeners: 1, connections: 2, processes: ['server'] },
      { protocol: 'udp', port: 53, service: null, exposure: 'loopback', listeners: 1, connections: 0, processes: [] },
    ]);
  });

  it('groups by process, with ownerless and hidden sockets under pid null', () => {
    const { aggregates } = summarize(table());
    expect(aggregates.byProcess).toEqual([
      { pid: 1, name: 'server', total: 3, listening: 1, established: 2, udp: 0 },
      { pid: null, name: NO_VISIBLE_OWNER, total: 2, listening: 0, established: 0, udp: 1 },
      { pid: 2, name: 'client', total: 1, listening: 0, established: 1, udp: 0 },
    ]);
  });

  it('counts connections per remote address with its resolved name, and rows per state', () => {
    const { aggregates, totals } = summarize(table());
    expect(aggregates.byRemoteHost).toEqual([{ address: '127.0.0.1', host: 'localhost', connections: 4 }]);
    expect(aggregates.byState).toEqual({ LISTEN: 1, ESTABLISHED: 3, TIME_WAIT: 1, UNCONN: 1 });
    expect(totals).toEqual({ total: 6, established: 3, listening: 1, udp: 1 });
  });

  it('caps each list at the limit, largest first', () => {
    const rows = [1, 2, 3].flatMap((n) =>
      Array.from({ length: n }, (_, i) => makeConnection({ localPort: 1000 + n, remoteAddress: `127.0.0.${n}`, remotePort: 50000 + i, state: 'ESTABLISHED', owners: [{ pid: n, name: `p${n}` }] })),
    );
    const { aggregates } = summarize(rows, { limit: 2 });
    expect(aggregates.byProcess.map((p) => p.pid)).toEqual([3, 2]);
    expect(aggregates.byRemoteHost.map((r) => [r.address, r.connections])).toEqual([
      ['127.0.0.3', 3],
      ['127.0.0.2', 2],
    ]);
    expect(aggregates.byState).toEqual({ ESTABLISHED: 6 });
  });
});

describe('EventWindow', () => {
  it('counts events of the last minute only', () => {
    const w = new EventWindow();
    w.record(0, 3);
    w.record(30_000, 2);
    w.record(40_000, 0);
    expect(w.count(59_999)).toBe(5);
    expect(w.count(60_000)).toBe(2);
    expect(w.count(90_000)).toBe(0);
  });

  it('stays bounded over many polls', () => {
    const w = new EventWindow(1000);
    for (let t = 0; t < 10_000; t += 10) w.record(t, 1);
    expect(w.count(9_990)).toBe(100);
  });

  it('builds counters from totals and the windows', () => {
    expect(makeCounters({ total: 6, established: 3, listening: 1, udp: 1 }, 4, 2)).toEqual({
      total: 6,
      established: 3,
      listening: 1,
      udp: 1,
      newLastMinute: 4,
      closedLastMinute: 2,
    });
  });
});

describe('LiveAggregates', () => {
  it('kept row by row through churn, equals a fresh summary of the live rows', () => {
    // A fixed pseudo-random walk: rows appear, change state or owner, lose their owner, close.
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const live = new LiveAggregates({ limit: 5 });
    const table = new ConnectionTable({ closedRetentionMs: 3000, observer: live });
    const states = ['ESTABLISHED', 'TIME_WAIT', 'CLOSE_WAIT'] as const;
    let current = new Map<string, Connection>();
    for (let tick = 0; tick < 40; tick += 1) {
      const next = new Map<string, Connection>();
      for (const row of current.values()) {
        const r = rand(10);
        if (r === 0) continue; // closes
        if (r === 1) next.set(row.key, { ...row, state: states[rand(3)] as Connection['state'], owners: [], ownerVisibility: 'none' });
        else if (r === 2) next.set(row.key, { ...row, owners: [{ pid: 100 + rand(4), name: `p${rand(4)}` }] });
        else next.set(row.key, { ...row });
      }
      for (let i = 0; i < 6; i += 1) {
        const listenerRow = rand(4) === 0;
        const row = listenerRow
          ? makeConnection({ localPort: 7000 + rand(3), state: 'LISTEN', inode: rand(1000) + 1, exposure: rand(2) === 0 ? 'loopback' : 'all-interfaces' })
          : makeConnection({ localPort: 7000 + rand(3), remoteAddress: `127.0.0.${rand(6) + 1}`, remotePort: 40000 + rand(500), state: 'ESTABLISHED', owners: [{ pid: 100 + rand(4), name: `p${rand(4)}` }], remoteHost: rand(2) === 0 ? 'h.test' : undefined });
        next.set(row.key, row);
      }
      table.apply([...next.values()].map((r) => ({ ...r })), tick * 1000);
      current = next;
      const fresh = summarize(table.rows(), { limit: 5 });
      expect(live.aggregates()).toEqual(fresh.aggregates);
      expect(live.tableTotals()).toEqual(fresh.totals);
    }
    expect(live.tableTotals().total).toBeGreaterThan(20);
  });

  it('returns the same object while nothing changes', () => {
    const live = new LiveAggregates();
    live.add(makeConnection());
    const a = live.aggregates();
    expect(live.aggregates()).toBe(a);
    live.remove(makeConnection());
    expect(live.aggregates()).toEqual({ byPort: [], byProcess: [], byRemoteHost: [], byState: {} });
  });
});
