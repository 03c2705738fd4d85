/**
 * One WebSocket session of `serve` on real loopback sockets (an in-process server, short windows):
 * the heartbeat both ways, a client that stops reading cut off past the hard cap with its reason,
 * and the browser client's link state through a silent server, a stopped one, and its return.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { attachWsSession } from '../../../src/cli/serve/ws-session';
import type { WsSession, WsSessionOptions } from '../../../src/cli/serve/ws-session';
import type { ConnectionState } from '../../../src/shared/connection';
import { UNREACHABLE, createWebSocketApi } from '../../../src/renderer/transport/ws-client';
import type { SocketLike } from '../../../src/renderer/transport/ws-client';
import { makeConnection } from '../../support/connections';
import { createFakeApi } from '../../support/fake-api';
import { serviceFromApi } from '../../support/service-from-api';
import { openStalledClient } from '../../support/stalled-client';

interface TestServer {
  port: number;
  http: Server;
  /** The server's side of each client's socket. */
  sockets: WebSocket[];
  sessions: WsSession[];
  disconnects: string[];
  close(): Promise<void>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** An HTTP server that lets every WebSocket in and serves `api` on it (no auth: server.ts's job). */
async function serveFake(options: Partial<WsSessionOptions> & { port?: number; rows?: number } = {}): Promise<TestServer> {
  // Rows of ~0.5 KiB each as JSON (a long command line), like real ones.
  const rows = Array.from({ length: options.rows ?? 1 }, (_, i) => makeConnection({ localPort: 1000 + i, owners: [{ pid: 1, name: 'node', commandLine: 'x'.repeat(400) }] }));
  const { api } = createFakeApi(rows);
  const service = serviceFromApi(api);
  const sessions: WsSession[] = [];
  const sockets: WebSocket[] = [];
  const disconnects: string[] = [];
  const http: Server = createServer((_req, res) => res.end());
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => {
    sockets.push(ws);
    sessions.push(attachWsSession(ws, { service, maxRequestsPerSecond: 50, onDisconnect: (reason) => disconnects.push(reason), ...options }));
  });
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const server: TestServer = {
    port: (http.address() as AddressInfo).port,
    http,
    sockets,
    sessions,
    disconnects,
    close: async () => {
      wss.clients.forEach((client) => client.terminate());
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  servers.push(server);
  return server;
}

/** Resolves once `predicate` holds (polled; bounded). */
async function until(what: string, predicate: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('serve WebSocket session', () => {
  it('drops a client that stops answering pings, with the reason', async () => {
    const server = await serveFake({ heartbeat: { deadAfterMs: 600 } });
    // A plain `ws` client: it subscribes, then never answers the RPC layer's pings.
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`);
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ t: 'sub', ev: 'onSnapshotDelta', on: true }));
    const pings: unknown[] = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { t: string };
      if (frame.t === 'ping') pings.push(frame);
    });
    const [code, reason] = await new Promise<[number, string]>((resolve) => ws.once('close', (c, r) => resolve([c, String(r)])));
    expect(pings.length).toBeGreaterThanOrEqual(1);
    expect(code).toBe(1008);
    expect(reason).toBe('no answer from the client for 0.6 s');
    expect(server.disconnects).toEqual(['no answer from the client for 0.6 s']);
    expect(server.sessions[0]?.link.closed).toEqual({ reason: 'no answer from the client for 0.6 s', byPeer: false });
  });

  it('sends a large reply as one message whose shared body is encoded once', async () => {
    const server = await serveFake({ rows: 300 });
    const { api, close } = createWebSocketApi(`ws://127.0.0.1:${server.port}/`, { connect: (url) => new WebSocket(url) as unknown as SocketLike });
    const [a, b] = await Promise.all([api.getSnapshot(), api.getSnapshot()]);
    expect(JSON.stringify(a).length).toBeGreaterThan(100_000);
    expect(a.rows).toHaveLength(300);
    expect(a.rows[299]?.owners[0]?.commandLine).toBe('x'.repeat(400));
    // The fake builds each snapshot afresh (its capture time may differ by a millisecond).
    expect({ ...b, capturedAt: 0 }).toEqual({ ...a, capturedAt: 0 });
    close();
  });

  it('keeps a client that answers pings', async () => {
    const server = await serveFake({ heartbeat: { deadAfterMs: 300 } });
    const { api, monitor, close } = createWebSocketApi(`ws://127.0.0.1:${server.port}/`, {
      connect: (url) => new WebSocket(url) as unknown as SocketLike,
      heartbeat: { deadAfterMs: 300 },
    });
    await until('connected', () => monitor.current().kind === 'connected');
    // Twelve heartbeat windows.
    await new Promise((resolve) => setTimeout(resolve, 3600));
    expect(monitor.current()).toEqual({ kind: 'connected', transport: 'websocket' });
    expect(server.disconnects).toEqual([]);
    expect((await api.getCapabilities()).transport).toBe('websocket');
    close();
  });

  it('cuts off a client that asks for snapshots and never reads, once past the hard cap, with the reason', async () => {
    // ~300 KiB snapshots; a 256 KiB soft and 1 MiB hard budget, 8 requests waiting at most.
    const server = await serveFake({ rows: 600, budget: { softBytes: 256 * 1024, hardBytes: 1024 * 1024, maxWaitingRequests: 8 }, heartbeat: null });
    const stalled = await openStalledClient(server.port, '/');
    stalled.send(JSON.stringify({ t: 'sub', ev: 'onSnapshotDelta', on: true }));
    for (let id = 1; id <= 60 && server.disconnects.length === 0; id += 1) {
      stalled.send(JSON.stringify({ t: 'req', id, m: 'getSnapshot', a: [] }));
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await until('the stalled client to be cut off', () => server.disconnects.length > 0);
    expect(server.disconnects).toHaveLength(1);
    expect(server.disconnects[0]).toMatch(/^the client was disconnected: it stopped reading: 9 requests are waiting behind \d+ KiB it has not read, over the limit of 8$/);
    // What it held was released: the session's socket is closed.
    await until('the socket to close', () => server.sessions[0]?.link.closed !== null);
    stalled.destroy();
  });

  it('shows reconnecting when the server goes silent, disconnected while it is down, and connected once it is back', async () => {
    const first = await serveFake({ heartbeat: null });
    const port = first.port;
    const states: ConnectionState[] = [];
    const { api, monitor, close } = createWebSocketApi(`ws://127.0.0.1:${port}/`, {
      connect: (url) => new WebSocket(url) as unknown as SocketLike,
      heartbeat: { deadAfterMs: 600 },
      retryDelayMs: { initial: 50, max: 400 },
    });
    monitor.onChange((state) => states.push(state));
    await until('connected', () => monitor.current().kind === 'connected');
    expect((await api.getSettings()).pollIntervalMs).toBe(1000);

    // The server stops listening for new clients and goes silent on this one: no pings, no pongs.
    first.http.close();
    first.sessions[0]?.link.setHeartbeat(null);
    first.sockets[0]?.removeAllListeners('message');
    await until('reconnecting', () => states.some((s) => s.kind === 'reconnecting'));
    await until('disconnected', () => monitor.current().kind === 'disconnected');
    expect(monitor.current()).toEqual({ kind: 'disconnected', reason: UNREACHABLE.reason, action: UNREACHABLE.action });

    // The server is back on the same port: the background retries find it.
    const second = await serveFake({ heartbeat: null, port });
    await until('connected again', () => monitor.current().kind === 'connected');
    expect((await api.getSettings()).pollIntervalMs).toBe(1000);
    expect(states.map((s) => s.kind)).toEqual(['connected', 'reconnecting', 'disconnected', 'connected']);
    expect(states[1]).toMatchObject({ kind: 'reconnecting', attempt: 1 });
    expect(second.sessions).toHaveLength(1);
    close();
  });
});
