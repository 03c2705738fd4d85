import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSsInfo, type SsSocket } from '../../../src/main/core/tcp-info';
import { annotateTraffic, TrafficMeter, trafficByPort, trafficByProcess, trafficTotals } from '../../../src/main/core/traffic';
import type { Connection, TrafficInfo } from '../../../src/shared/model';
import { makeSsSocket, rowOfSsSocket } from '../../support/connections';

const FIXTURES = join(__dirname, '../../fixtures/linux');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'latin1');
const meta = JSON.parse(fixture('ss-info.meta.json')) as {
  capturedAt: [number, number];
  transfer: { port: number; clientPort: number; clientToServer: number; serverToClient: number; clientToServerBetweenCaptures: number };
};

/** A socket with counters, for rate arithmetic. */
const sock = (inode: number, sent: number | null, received: number | null, over: Partial<SsSocket> = {}): SsSocket =>
  makeSsSocket({ inode, localPort: 40000 + inode, sent, received, ...over });
const rowOf = rowOfSsSocket;

describe('TrafficMeter on two recorded samples 1 s apart', () => {
  const [t1, t2] = meta.capturedAt;
  const one = parseSsInfo(fixture('ss-tuine-1.txt')).sockets;
  const two = parseSsInfo(fixture('ss-tuine-2.txt')).sockets;

  it('gives the receiving end of the transfer its real rate, and null rates on the first sample', () => {
    const meter = new TrafficMeter();
    const { port, clientPort, clientToServerBetweenCaptures: bytes } = meta.transfer;
    const server = one.find((s) => s.localPort === port && s.remotePort === clientPort) as SsSocket;
    const serverRow = rowOf(server);
    expect(meter.sample(one, t1).trafficOf(serverRow)).toMatchObject({ sendRate: null, recvRate: null, bytesReceived: meta.transfer.clientToServer });
    const second = meter.sample(two, t2).trafficOf(serverRow) as TrafficInfo;
    expect(second.recvRate).toBeCloseTo((bytes * 1000) / (t2 - t1), 6);
    expect(second.sendRate).toBe(0);
    const client = two.find((s) => s.localPort === clientPort && s.remotePort === port) as SsSocket;
    expect(meter.sample(two, t2 + 1000).trafficOf(rowOf(client))).toMatchObject({ sendRate: 0, recvRate: 0, bytesSent: meta.transfer.clientToServer + bytes + 1 });
  });

  it('gives UDP rows and rows without a record null ("not available"), never 0', () => {
    const sample = new TrafficMeter().sample(two, t2);
    const udp = two.find((s) => s.protocol === 'udp') as SsSocket;
    expect(sample.trafficOf(rowOf(udp))).toBeNull();
    expect(sample.trafficOf(rowOf(sock(999_999, 1, 1)))).toBeNull();
  });
});

describe('TrafficMeter rates', () => {
  it('is null when the counter went backwards (a new socket on a reused key), then counts again', () => {
    const meter = new TrafficMeter();
    meter.sample([sock(1, 5000, 100)], 0);
    const reset = meter.sample([sock(1, 10, 200)], 1000).trafficOf(rowOf(sock(1, 0, 0)));
    expect([reset?.sendRate, reset?.recvRate]).toEqual([null, 100]);
    const after = meter.sample([sock(1, 2010, 200)], 2000).trafficOf(rowOf(sock(1, 0, 0)));
    expect([after?.sendRate, after?.recvRate]).toEqual([2000, 0]);
  });

  it('is null for no or negative elapsed time', () => {
    const meter = new TrafficMeter();
    meter.sample([sock(1, 0, 0)], 1000);
    expect(meter.sample([sock(1, 500, 500)], 1000).trafficOf(rowOf(sock(1, 0, 0)))?.sendRate).toBeNull();
    expect(meter.sample([sock(1, 900, 900)], 500).trafficOf(rowOf(sock(1, 0, 0)))?.recvRate).toBeNull();
  });

  it('treats a gap (failed read) as unknown: no rate across it', () => {
    const meter = new TrafficMeter();
    meter.sample([sock(1, 0, 0)], 0);
    meter.gap();
    expect(meter.sample([sock(1, 3000, 0)], 3000).trafficOf(rowOf(sock(1, 0, 0)))?.sendRate).toBeNull();
    expect(meter.sample([sock(1, 4000, 0)], 4000).trafficOf(rowOf(sock(1, 0, 0)))?.sendRate).toBe(1000);
  });

  it('keeps null counters null (a kernel without them) and rates null', () => {
    const meter = new TrafficMeter();
    meter.sample([sock(1, null, null)], 0);
    expect(meter.sample([sock(1, null, null)], 1000).trafficOf(rowOf(sock(1, null, null)))).toMatchObject({ bytesSent: null, sendRate: null, recvRate: null, rttMs: 0.5 });
  });

  it('forgets sockets that are gone', () => {
    const meter = new TrafficMeter();
    meter.sample([sock(1, 0, 0)], 0);
    meter.sample([sock(2, 0, 0)], 1000);
    expect(meter.sample([sock(1, 100, 0)], 2000).trafficOf(rowOf(sock(1, 0, 0)))?.sendRate).toBeNull();
  });
});

describe('traffic sums', () => {
  const alice = { pid: 10, name: 'alice' };
  const bob = { pid: 20, name: 'bob' };
  const listener = rowOf(sock(100, 0, 0, { state: 'LISTEN', localPort: 8080, remoteAddress: null, remotePort: null }), { owners: [alice], ownerVisibility: 'visible' });
  const served = (inode: number, sent: number, recv: number): Connection =>
    rowOf(sock(inode, 0, 0, { localPort: 8080, remotePort: 50000 + inode }), {
      owners: [alice],
      ownerVisibility: 'visible',
      traffic: { bytesSent: sent * 10, bytesReceived: recv * 10, sendRate: sent, recvRate: recv, rttMs: 1, rttVarMs: 0, retransmits: 0, sendQueue: 0, recvQueue: 0 },
    });
  const client = rowOf(sock(3, 0, 0), {
    owners: [bob],
    ownerVisibility: 'visible',
    traffic: { bytesSent: 70, bytesReceived: 30, sendRate: 7, recvRate: 3, rttMs: 1, rttVarMs: 0, retransmits: 0, sendQueue: 0, recvQueue: 0 },
  });
  const fresh = rowOf(sock(4, 0, 0), {
    owners: [bob],
    ownerVisibility: 'visible',
    traffic: { bytesSent: 5, bytesReceived: 5, sendRate: null, recvRate: null, rttMs: null, rttVarMs: null, retransmits: 0, sendQueue: 0, recvQueue: 0 },
  });
  const udp: Connection = { ...rowOf(sock(5, 0, 0, { protocol: 'udp' })), owners: [bob], ownerVisibility: 'visible', traffic: null };
  const hidden = rowOf(sock(6, 0, 0), {
    ownerVisibility: 'hidden',
    ownerHint: { label: 'unit nginx.service (from cgroup)', source: 'cgroup', confidence: 'high' },
    traffic: { bytesSent: 1, bytesReceived: 2, sendRate: 100, recvRate: 0, rttMs: 1, rttVarMs: 0, retransmits: 0, sendQueue: 0, recvQueue: 0 },
  });
  const closed = { ...served(7, 1000, 1000), change: 'closed' as const };
  const rows = [listener, served(1, 100, 10), served(2, 50, 5), client, fresh, udp, hidden, closed];

  it('sums rates per process, busiest first, unknown rates left out and counted as unmeasured', () => {
    expect(trafficByProcess(rows)).toEqual([
      { pid: 10, name: 'alice', sendRate: 150, recvRate: 15, bytesSent: 1500, bytesReceived: 150, measured: 2, unmeasured: 0 },
      { pid: null, name: 'unit nginx.service (from cgroup)', sendRate: 100, recvRate: 0, bytesSent: 1, bytesReceived: 2, measured: 1, unmeasured: 0 },
      { pid: 20, name: 'bob', sendRate: 7, recvRate: 3, bytesSent: 75, bytesReceived: 35, measured: 1, unmeasured: 2 },
    ]);
  });

  it('sums per port: served connections under the local port, client ones under the remote port', () => {
    const byPort = trafficByPort(rows);
    expect(byPort[0]).toEqual({ protocol: 'tcp', port: 8080, side: 'local', sendRate: 150, recvRate: 15, bytesSent: 1500, bytesReceived: 150, measured: 2, unmeasured: 0 });
    expect(byPort[1]).toEqual({ protocol: 'tcp', port: 8080, side: 'remote', sendRate: 107, recvRate: 3, bytesSent: 76, bytesReceived: 37, measured: 2, unmeasured: 1 });
    expect(byPort.find((p) => p.protocol === 'udp')).toEqual({ protocol: 'udp', port: 8080, side: 'remote', sendRate: null, recvRate: null, bytesSent: null, bytesReceived: null, measured: 0, unmeasured: 1 });
    expect(trafficByPort(rows, 1)).toHaveLength(1);
  });

  it('totals say null, not 0, when nothing was measured', () => {
    expect(trafficTotals([udp])).toEqual({ sendRate: null, recvRate: null, bytesSent: null, bytesReceived: null, measured: 0, unmeasured: 1 });
    expect(trafficTotals([listener])).toEqual({ sendRate: null, recvRate: null, bytesSent: null, bytesReceived: null, measured: 0, unmeasured: 0 });
  });

  it('annotateTraffic sets traffic on every row: counters for TCP, null for UDP', () => {
    const meter = new TrafficMeter();
    const a = sock(1, 10, 20);
    const u = sock(2, null, null, { protocol: 'udp', tcp: null });
    const table = [rowOf(a), rowOf(u)];
    annotateTraffic(table, meter.sample([a, u], 0));
    expect(table[0]?.traffic).toEqual({ bytesSent: 10, bytesReceived: 20, sendRate: null, recvRate: null, rttMs: 0.5, rttVarMs: 0.25, retransmits: 0, sendQueue: 0, recvQueue: 0 });
    expect(table[1]?.traffic).toBeNull();
  });
});
