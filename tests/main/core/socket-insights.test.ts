import { describe, expect, it } from 'vitest';
import { SocketInsights, type InsightsResult, type InsightsSettings } from '../../../src/main/core/socket-insights';
import { SourceError } from '../../../src/main/core/sources';
import type { SsSocket, TcpInfoRead, TcpInfoSource } from '../../../src/main/core/tcp-info';
import type { Connection } from '../../../src/shared/model';
import { makeSsSocket, rowOfSsSocket } from '../../support/connections';

const sock = (inode: number, sent: number, over: Partial<SsSocket> = {}): SsSocket =>
  makeSsSocket({ inode, localPort: 5000 + inode, remotePort: 80, uid: 33, cgroup: '/system.slice/web.service', sent, ...over });
const rowOf = (s: SsSocket, over: Partial<Connection> = {}): Connection => rowOfSsSocket(s, { owners: [{ pid: 1, name: 'web' }], ownerVisibility: 'visible', ...over });

/** A source answering from a queue of reads (an Error rejects). */
function source(reads: Array<TcpInfoRead | Error>): TcpInfoSource & { calls: number } {
  const s = {
    calls: 0,
    read: async (): Promise<TcpInfoRead> => {
      s.calls += 1;
      const next = reads.shift();
      if (next === undefined) throw new Error('no more reads');
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return s;
}

/** One poll: read (if due), then annotate. */
async function step(insights: SocketInsights, rows: Connection[], at: number, settings: InsightsSettings, firstSeenOf?: (key: string) => number | undefined): Promise<InsightsResult> {
  await insights.refresh(at, settings);
  return insights.enrich(rows, at, settings, firstSeenOf);
}

describe('SocketInsights', () => {
  it('annotates traffic, names hidden owners, and sums per process and port', async () => {
    const a = sock(1, 100);
    const hidden = sock(2, 50);
    const insights = new SocketInsights({ tcpInfo: source([{ sockets: [a, hidden], notices: ['n1'] }]), owners: { userName: (uid) => (uid === 33 ? 'www-data' : null), containerName: () => null } });
    const rows = [rowOf(a), rowOf(hidden, { owners: [], ownerVisibility: 'hidden' })];
    const result = await step(insights, rows, 1000, { traffic: true });
    expect(rows[0]?.traffic).toMatchObject({ bytesSent: 100, sendRate: null });
    expect(rows[1]?.ownerHint).toMatchObject({ label: 'unit web.service (from cgroup)', user: 'www-data' });
    expect(result.notices).toEqual(['n1']);
    expect(result.trafficByProcess?.map((p) => p.name)).toEqual(['web', 'unit web.service (from cgroup)']);
    expect(result.trafficByPort).toHaveLength(1);
  });

  it('treats a failed read as a gap: no counters, a notice, and no rate across it', async () => {
    const src = source([{ sockets: [sock(1, 0)], notices: [] }, new SourceError('Per-connection traffic needs the `ss` tool of iproute2, which is not installed.', 'missing-tool'), { sockets: [sock(1, 3000)], notices: [] }, { sockets: [sock(1, 4000)], notices: [] }]);
    const insights = new SocketInsights({ tcpInfo: src });
    const enrich = async (at: number): Promise<{ row: Connection; notices: string[]; byProcess: unknown }> => {
      const row = rowOf(sock(1, 0));
      const r = await step(insights, [row], at, { traffic: true });
      return { row, notices: r.notices, byProcess: r.trafficByProcess };
    };
    await enrich(0);
    const gap = await enrich(1000);
    expect(gap.row.traffic).toBeUndefined();
    expect(gap.byProcess).toBeUndefined();
    expect(gap.notices).toEqual(['Per-connection traffic needs the `ss` tool of iproute2, which is not installed.']);
    expect((await enrich(2000)).row.traffic?.sendRate).toBeNull();
    expect((await enrich(3000)).row.traffic?.sendRate).toBe(1000);
  });

  it('reads ss no more often than minReadIntervalMs, reusing the last sample in between', async () => {
    const src = source([{ sockets: [sock(1, 0)], notices: [] }, { sockets: [sock(1, 5000)], notices: [] }]);
    const insights = new SocketInsights({ tcpInfo: src });
    const settings = { traffic: true, minReadIntervalMs: 5000 };
    await step(insights, [rowOf(sock(1, 0))], 0, settings);
    const between = rowOf(sock(1, 0));
    await step(insights, [between], 1000, settings);
    expect(src.calls).toBe(1);
    expect(between.traffic?.bytesSent).toBe(0);
    const due = rowOf(sock(1, 0));
    await step(insights, [due], 5000, settings);
    expect(src.calls).toBe(2);
    expect(due.traffic?.sendRate).toBe(1000);
  });

  it('does not read ss at all when traffic is off, and starts rates over when switched on again', async () => {
    const src = source([{ sockets: [sock(1, 0)], notices: [] }, { sockets: [sock(1, 9000)], notices: [] }]);
    const insights = new SocketInsights({ tcpInfo: src });
    await step(insights, [rowOf(sock(1, 0))], 0, { traffic: true });
    const off = rowOf(sock(1, 0));
    const result = await step(insights, [off], 1000, { traffic: false });
    expect(src.calls).toBe(1);
    expect(off.traffic).toBeUndefined();
    expect(result.trafficByProcess).toBeUndefined();
    const on = rowOf(sock(1, 0));
    await step(insights, [on], 2000, { traffic: true });
    expect(on.traffic?.sendRate).toBeNull();
  });

  it('raises health signals with the table first-seen times; a new one has firstSeen = now', async () => {
    const insights = new SocketInsights({ tcpInfo: null });
    const stuck = (): Connection => rowOf(sock(1, 0, { state: 'SYN_SENT' }));
    const firstSeen = (): number => 0;
    const early = await step(insights, [stuck()], 1000, { traffic: true }, firstSeen);
    expect(early.health).toEqual([]);
    const late = await step(insights, [stuck()], 6000, { traffic: true }, firstSeen);
    expect(late.health.map((s) => [s.id, s.firstSeen])).toEqual([['syn-sent:127.0.0.1:80', 6000]]);
    const again = await step(insights, [stuck()], 7000, { traffic: true }, firstSeen);
    expect(again.health[0]?.firstSeen).toBe(6000);
    expect(again.health[0]?.lastSeen).toBe(7000);
  });

  it('names the container of a docker-proxy row when the lookup lists it', async () => {
    const proxy = rowOf(sock(1, 0, { state: 'LISTEN', remoteAddress: null, remotePort: null }), {
      forward: { kind: 'docker-proxy', listenAddress: '0.0.0.0', listenPort: 8080, targetHost: '172.17.0.2', targetPort: 80, via: 'docker-proxy' },
    });
    const insights = new SocketInsights({
      tcpInfo: null,
      owners: { userName: () => null, containerName: () => null, containers: () => [{ runtime: 'docker', id: 'a'.repeat(64), name: 'web', addresses: ['172.17.0.2'] }] },
    });
    await step(insights, [proxy], 0, { traffic: false });
    expect(proxy.forward?.targetContainer).toBe('web');
  });
});

describe('SocketInsights read budget', () => {
  it('spaces reads by their cost (10 % of a core by default) and says so', async () => {
    let wall = 0;
    const slow: TcpInfoSource & { calls: number } = {
      calls: 0,
      read: async () => {
        slow.calls += 1;
        wall += 400; // each read takes 400 ms
        return { sockets: [sock(1, slow.calls * 1000)], notices: [] };
      },
    };
    const insights = new SocketInsights({ tcpInfo: slow, clock: () => wall });
    const settings = { traffic: true };
    const first = await step(insights, [rowOf(sock(1, 0))], 0, settings);
    expect(first.notices).toEqual(['Traffic is read every 4.0 s: one read takes 400 ms at this table size (kept under 10 % of a core).']);
    await step(insights, [rowOf(sock(1, 0))], 1000, settings);
    await step(insights, [rowOf(sock(1, 0))], 3999, settings);
    expect(slow.calls).toBe(1);
    const due = rowOf(sock(1, 0));
    await step(insights, [due], 4000, settings);
    expect(slow.calls).toBe(2);
    expect(due.traffic?.sendRate).toBe(250);
    const cheap = new SocketInsights({ tcpInfo: source([{ sockets: [], notices: [] }]), clock: () => 0, budget: 0.5 });
    expect((await step(cheap, [], 0, settings)).notices).toEqual([]);
  });
});
