/**
 * Traffic, owner hints and socket health on real loopback sockets, read through the real `ss` and
 * /proc: transfers of known size between two processes, and each health signal provoked for real.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SocketInsights, type InsightsResult, type InsightsSettings } from '../../../src/main/core/socket-insights';
import type { TcpInfoSource } from '../../../src/main/core/tcp-info';
import { createOwnerLookup } from '../../../src/main/node/owner-lookup';
import { createSocketSource } from '../../../src/main/node/socket-source';
import { createSsInfoSource, runSs } from '../../../src/main/node/ss-info';
import type { Connection } from '../../../src/shared/model';
import { startCloseWaitServer, startListener, startStoppedListener, startTransfer } from '../../support/socket-peers.mjs';

const MB = 1024 * 1024;
const asRoot = process.getuid?.() === 0;
const canDropPrivileges = asRoot && spawnSync('setpriv', ['--version']).status === 0;
/** With tcp_abort_on_overflow = 1 a full accept queue answers RST instead of dropping SYNs: no SYN_SENT. */
const dropsSyns = ((): boolean => {
  try {
    return readFileSync('/proc/sys/net/ipv4/tcp_abort_on_overflow', 'latin1').trim() === '0';
  } catch {
    return false;
  }
})();

/** ss run as user nobody (setpriv), through the adapter's own runner. */
const ssAsNobody = (): TcpInfoSource =>
  createSsInfoSource({ run: (file, args, timeoutMs) => runSs('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', file, ...args], timeoutMs) });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function poll(insights: SocketInsights, settings: InsightsSettings = { traffic: true }, firstSeen?: Map<string, number>): Promise<{ rows: Connection[]; now: number; result: InsightsResult }> {
  const { rows } = await createSocketSource({ kind: 'linux-proc' }).read();
  const now = Date.now();
  if (firstSeen) for (const r of rows) if (!firstSeen.has(r.key)) firstSeen.set(r.key, now);
  await insights.refresh(now, settings);
  const result = insights.enrich(rows, now, settings, firstSeen ? (key) => firstSeen.get(key) : undefined);
  return { rows, now, result };
}

/** Asserts a byte count within 5 % of what was moved. */
function near(actual: number | null | undefined, expected: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected) / expected).toBeLessThanOrEqual(0.05);
}

describe.runIf(process.platform === 'linux')('traffic of real loopback transfers (5 MB one way, 1 MB the other)', () => {
  const check = async (tcpInfo: TcpInfoSource): Promise<void> => {
    const t = await startTransfer({ clientToServer: 5 * MB, serverToClient: 1 * MB });
    cleanups.push(t.stop);
    expect(t.received).toEqual({ byServer: 5 * MB, byClient: 1 * MB });
    const insights = new SocketInsights({ tcpInfo });
    const first = await poll(insights);
    const client = first.rows.find((r) => r.localPort === t.clientPort && r.remotePort === t.port);
    const server = first.rows.find((r) => r.localPort === t.port && r.remotePort === t.clientPort);
    near(client?.traffic?.bytesSent, 5 * MB);
    near(client?.traffic?.bytesReceived, 1 * MB);
    near(server?.traffic?.bytesSent, 1 * MB);
    near(server?.traffic?.bytesReceived, 5 * MB);
    // First sample: rates are unknown, not zero.
    expect([client?.traffic?.sendRate, client?.traffic?.recvRate]).toEqual([null, null]);

    // Per process: each process holds one end (the server also its listener, which moves nothing).
    const byPid = new Map((first.result.trafficByProcess ?? []).map((p) => [p.pid, p]));
    near(byPid.get(t.clientPid)?.bytesSent, 5 * MB);
    near(byPid.get(t.clientPid)?.bytesReceived, 1 * MB);
    near(byPid.get(t.serverPid)?.bytesSent, 1 * MB);
    near(byPid.get(t.serverPid)?.bytesReceived, 5 * MB);

    // 2 MB more between two samples: the rate times the elapsed time is what moved.
    await t.more(2 * MB);
    const second = await poll(insights);
    const elapsed = second.now - first.now;
    const c2 = second.rows.find((r) => r.localPort === t.clientPort && r.remotePort === t.port);
    const s2 = second.rows.find((r) => r.localPort === t.port && r.remotePort === t.clientPort);
    near(c2?.traffic?.bytesSent, 7 * MB);
    near(s2?.traffic?.bytesReceived, 7 * MB);
    expect(c2?.traffic?.sendRate).not.toBeNull();
    expect(c2?.traffic?.sendRate ?? 0).toBeGreaterThan(0);
    // The rate over the span between the two samples is the 2 MB that moved in it.
    near(((c2?.traffic?.sendRate ?? 0) * elapsed) / 1000, 2 * MB);
    near(((s2?.traffic?.recvRate ?? 0) * elapsed) / 1000, 2 * MB);
    expect(c2?.traffic?.recvRate).toBe(0);
    const port = second.result.trafficByPort?.find((p) => p.port === t.port && p.side === 'local');
    near(port?.bytesReceived, 7 * MB);
  };

  it('reads them through ss as this user', async () => {
    await check(createSsInfoSource());
  });

  it.runIf(canDropPrivileges)('reads the same through ss run as user nobody (no root needed)', async () => {
    await check(ssAsNobody());
  });

  it('marks UDP rows "not available" (null), never 0', async () => {
    const { rows } = await poll(new SocketInsights({ tcpInfo: createSsInfoSource() }));
    const udp = rows.filter((r) => r.protocol === 'udp');
    for (const r of udp) expect(r.traffic).toBeNull();
  });
});

describe.runIf(process.platform === 'linux')('health signals provoked on loopback', () => {
  it('CLOSE_WAIT piling up in a server that never closes its sockets', async () => {
    const server = await startCloseWaitServer({ connections: 3 });
    cleanups.push(server.stop);
    const { rows, result } = await poll(new SocketInsights({ tcpInfo: createSsInfoSource() }), { traffic: true, health: { closeWaitPerProcess: 3 } });
    const inServer = rows.filter((r) => r.state === 'CLOSE_WAIT' && r.localPort === server.port);
    expect(inServer).toHaveLength(3);
    const signal = result.health.find((s) => s.id === `close-wait:pid:${server.pid}`);
    expect(signal).toMatchObject({ kind: 'close-wait', value: 3, threshold: 3, processes: [{ pid: server.pid }] });
    expect(new Set(signal?.rowKeys)).toEqual(new Set(inServer.map((r) => r.key)));
    for (const r of inServer) expect(r.health).toContain('close-wait');
  });

  it.runIf(dropsSyns)('a listener with backlog 1 that never accepts: accept queue full, and the next clients stuck in SYN_SENT', async () => {
    const listener = await startStoppedListener({ backlog: 1 });
    cleanups.push(listener.stop);
    const clients: Socket[] = [];
    cleanups.push(() => clients.forEach((c) => c.destroy()));
    for (let i = 0; i < 4; i++) {
      const c = connect({ host: '127.0.0.1', port: listener.port });
      c.on('error', () => {});
      clients.push(c);
    }
    const insights = new SocketInsights({ tcpInfo: createSsInfoSource() });
    const firstSeen = new Map<string, number>();
    const settings: InsightsSettings = { traffic: true, health: { synSentAfterMs: 1000 } };
    // The kernel queues backlog + 1 = 2 handshakes; the SYNs of the other two are dropped.
    let rows: Connection[] = [];
    for (let i = 0; i < 50; i++) {
      rows = (await poll(insights, settings, firstSeen)).rows;
      if (rows.filter((r) => r.remotePort === listener.port && r.state === 'SYN_SENT').length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(rows.filter((r) => r.remotePort === listener.port).map((r) => r.state).sort()).toEqual(['ESTABLISHED', 'ESTABLISHED', 'SYN_SENT', 'SYN_SENT']);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { rows: later, result } = await poll(insights, settings, firstSeen);
    const row = later.find((r) => r.localPort === listener.port && r.state === 'LISTEN');
    expect(row?.traffic).toMatchObject({ recvQueue: 2, sendQueue: 1 });
    expect(result.health.find((s) => s.kind === 'accept-queue' && s.rowKeys.includes(row?.key ?? ''))).toMatchObject({
      severity: 'critical',
      value: 2,
      threshold: 1,
      processes: [{ pid: listener.pid }],
    });
    const stuck = result.health.find((s) => s.id === `syn-sent:127.0.0.1:${listener.port}`);
    expect(stuck).toMatchObject({ kind: 'syn-sent', processes: [{ pid: process.pid }] });
    expect(stuck?.rowKeys).toHaveLength(2);
    // The stuck attempts retransmit their SYN.
    for (const r of later.filter((x) => x.state === 'SYN_SENT' && x.remotePort === listener.port)) expect(r.traffic?.retransmits ?? 0).toBeGreaterThanOrEqual(1);
  });

  it('the same port held by two processes on 127.0.0.1 and ::1 (localhost reaches another server)', async () => {
    let v4: Awaited<ReturnType<typeof startListener>> | null = null;
    let v6: Awaited<ReturnType<typeof startListener>> | null = null;
    for (let attempt = 0; attempt < 10 && v6 === null; attempt++) {
      v4 = await startListener({ host: '127.0.0.1' });
      try {
        v6 = await startListener({ host: '::1', port: v4.port });
      } catch {
        await v4.stop(); // that port is taken on ::1: try another
      }
    }
    expect(v4).not.toBeNull();
    expect(v6).not.toBeNull();
    cleanups.push(() => v4?.stop(), () => v6?.stop());
    const { result } = await poll(new SocketInsights({ tcpInfo: createSsInfoSource() }));
    const signal = result.health.find((s) => s.id === `shadowed-listener:tcp/${v4?.port}`);
    expect(signal?.processes.map((p) => p.pid).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([v4?.pid, v6?.pid].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(signal?.title).toBe(`localhost:${v4?.port} and 127.0.0.1:${v4?.port} reach different programs`);
  });
});

describe.runIf(process.platform === 'linux' && canDropPrivileges)('owner hints for sockets hidden from an unprivileged reader', () => {
  it('names the uid of a root-owned listener that user nobody cannot attribute', async () => {
    const listener = await startListener({ host: '127.0.0.1' });
    cleanups.push(listener.stop);
    const { rows } = await createSocketSource({ kind: 'linux-proc' }).read();
    // What an unprivileged reader sees: the socket, no owner.
    const hidden = rows.filter((r) => r.localPort === listener.port && r.state === 'LISTEN').map((r) => ({ ...r, owners: [], ownerVisibility: 'hidden' as const }));
    expect(hidden).toHaveLength(1);
    const insights = new SocketInsights({ tcpInfo: ssAsNobody(), owners: createOwnerLookup() });
    await insights.refresh(Date.now(), { traffic: true });
    insights.enrich(hidden, Date.now(), { traffic: true });
    // This machine puts every process in the root cgroup, so the chain falls back to the uid.
    expect(hidden[0]?.ownerHint).toMatchObject({ source: 'socket-uid', confidence: 'low', uid: 0, user: 'root', label: 'user root (from socket owner)' });
  });
});
