import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServeServer } from '../../../src/cli/serve/server';
import type { ServeHandle } from '../../../src/cli/serve/server';
import { createWebSocketApi } from '../../../src/renderer/transport/ws-client';
import type { SocketLike } from '../../../src/renderer/transport/ws-client';
import { makeConnection } from '../../support/connections';
import { runContractSuite } from '../../support/contract-suite';
import { createFakeApi } from '../../support/fake-api';
import { serviceFromApi } from '../../support/service-from-api';

async function rendererFixture(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pw-serve-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Portwatch</title>');
  await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)');
  return dir;
}

async function startFakeServer(): Promise<{ server: ServeHandle; control: ReturnType<typeof createFakeApi>['control'] }> {
  const { api, control } = createFakeApi();
  const server = await startServeServer({
    service: serviceFromApi(api),
    rendererDir: await rendererFixture(),
    exportProducer: async () => ({
      chunks: ['protocol,local_port\r\n', ...control.rows().map((r) => `${r.protocol},${r.localPort}\r\n`)],
      fileName: 'portwatch-test.csv',
      contentType: 'text/csv; charset=utf-8',
    }),
    maxRequestsPerSecond: 50,
  });
  return { server, control };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(server: ServeHandle, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const wsConnect = (url: string, headers: Record<string, string> = {}): SocketLike => new WebSocket(url, { headers }) as unknown as SocketLike;

function openWs(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)));
}

runContractSuite('WebSocket (serve) over the fake service', async () => {
  const { server, control } = await startFakeServer();
  const { api, close } = createWebSocketApi(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { connect: (url) => wsConnect(url) });
  let nextPort = 42000;
  return {
    api,
    openListener: async () => {
      const port = nextPort++;
      const row = makeConnection({ localPort: port });
      setTimeout(() => control.add([row]), 20);
      return { port, close: async () => void setTimeout(() => control.change([{ ...row, change: 'closed' }]), 20) };
    },
    dispose: async () => {
      close();
      await server.close();
    },
  };
});

describe('portwatch serve: access control', () => {
  let server: ServeHandle;
  beforeAll(async () => {
    server = (await startFakeServer()).server;
  });
  afterAll(() => server.close());

  it('prints a loopback URL carrying a 32-byte token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
  });

  it('answers 401 without the token and with a wrong one', async () => {
    expect((await get(server, '/')).status).toBe(401);
    expect((await get(server, '/?token=' + 'a'.repeat(64))).status).toBe(401);
    expect((await get(server, '/assets/app.js')).status).toBe(401);
    expect((await get(server, '/export.csv')).status).toBe(401);
  });

  it('serves the app directly for the right token, with an HttpOnly SameSite=Strict cookie that opens the rest', async () => {
    const first = await get(server, `/?token=${server.token}`);
    expect(first.status).toBe(200);
    expect(first.body).toContain('<title>Portwatch</title>');
    expect(first.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = cookie.split(';')[0] as string;
    expect(session).not.toContain(server.token);
    const asset = await get(server, '/assets/app.js', { cookie: session });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    const download = await get(server, '/export.csv', { cookie: session });
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toBe('attachment; filename="portwatch-test.csv"');
    expect(download.body.startsWith('protocol,local_port\r\n')).toBe(true);
    expect((await get(server, '/../../etc/passwd', { cookie: session })).status).toBe(404);
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    expect((await get(server, `/?token=${server.token}`, { host: `evil.example:${server.port}` })).status).toBe(403);
  });

  it('refuses a cross-origin request and a cross-origin WebSocket', async () => {
    expect((await get(server, `/?token=${server.token}`, { origin: 'http://evil.example' })).status).toBe(403);
    await expect(openWs(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(openWs(`ws://127.0.0.1:${server.port}/ws`)).rejects.toThrow(/401/);
    const ok = await openWs(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
    ok.close();
  });

  it('answers a malformed frame with an error and keeps the connection', async () => {
    const ws = await openWs(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    ws.send('{not json');
    expect(await nextMessage(ws)).toMatchObject({ t: 'err', e: expect.stringMatching(/malformed frame/) });
    ws.send(JSON.stringify({ t: 'req', id: 1, m: 'getHistory', a: [{ durationMs: 'long' }] }));
    expect(await nextMessage(ws)).toMatchObject({ t: 'res', id: 1, ok: false, e: expect.stringMatching(/durationMs/) });
    ws.send(JSON.stringify({ t: 'req', id: 2, m: 'constructor', a: [] }));
    expect(await nextMessage(ws)).toMatchObject({ t: 'res', id: 2, ok: false, e: expect.stringMatching(/unknown method/) });
    ws.send(JSON.stringify({ t: 'nope', id: 3 }));
    expect(await nextMessage(ws)).toMatchObject({ t: 'err', id: 3 });
    ws.send(JSON.stringify({ t: 'req', id: 4, m: 'getCapabilities', a: [] }));
    expect(await nextMessage(ws)).toMatchObject({ t: 'res', id: 4, ok: true, v: { transport: 'websocket' } });
    ws.close();
  });

  it('closes a connection that sends an oversized frame', async () => {
    const ws = await openWs(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(70 * 1024));
    expect(await closed).toBe(1009);
  });

  it('rate-limits a flood of requests with an error reply', async () => {
    const ws = await openWs(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    const errors: string[] = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { t: string; e?: string };
      if (frame.t === 'err' && frame.e) errors.push(frame.e);
    });
    for (let i = 0; i < 300; i += 1) ws.send(JSON.stringify({ t: 'req', id: i, m: 'getCapabilities', a: [] }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(errors.some((e) => e.includes('too many requests'))).toBe(true);
    ws.close();
  });
});
