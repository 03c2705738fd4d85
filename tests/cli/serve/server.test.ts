import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServeHandle } from '../../../src/cli/serve/server';
import { createWebSocketApi } from '../../../src/renderer/transport/ws-client';
import type { SocketLike } from '../../../src/renderer/transport/ws-client';
import { serveWsProtocols } from '../../../src/shared/serve-auth';
import { makeConnection } from '../../support/connections';
import { runContractSuite } from '../../support/contract-suite';
import { httpGet, nextMessage, openWs, startFakeServe } from '../../support/serve';

const wsConnect = (token: string) => (url: string): SocketLike => new WebSocket(url, serveWsProtocols(token)) as unknown as SocketLike;

runContractSuite('WebSocket (serve) over the fake service', async () => {
  const { server, control } = await startFakeServe();
  const { api, close } = createWebSocketApi(`ws://127.0.0.1:${server.port}/ws`, { connect: wsConnect(server.token) });
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
    server = (await startFakeServe()).server;
  });
  afterAll(() => server.close());
  const bearer = (): Record<string, string> => ({ authorization: `Bearer ${server.token}` });

  it('prints a loopback URL carrying a 32-byte token in the fragment, not the query', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/);
  });

  it('serves the static UI (no data) without the token, with the marker, a strict CSP and no cookie', async () => {
    const page = await httpGet(server.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Portwatch</title>');
    expect(page.body).toContain('<meta name="portwatch-transport" content="websocket" />');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['set-cookie']).toBeUndefined();
    const asset = await httpGet(server.port, '/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    expect(asset.headers['set-cookie']).toBeUndefined();
    expect((await httpGet(server.port, '/../../etc/passwd')).status).toBe(404);
  });

  it('answers 401 on every data path without the token, with a wrong one, or with the token in the query', async () => {
    for (const path of ['/auth-check', '/export.csv', '/export', `/export.csv?token=${server.token}`, `/auth-check?token=${server.token}`]) {
      expect((await httpGet(server.port, path)).status).toBe(401);
      expect((await httpGet(server.port, path, { authorization: `Bearer ${'a'.repeat(64)}` })).status).toBe(401);
    }
    await expect(openWs(server.port, null)).rejects.toThrow(/HTTP 401/);
    await expect(openWs(server.port, 'b'.repeat(64))).rejects.toThrow(/HTTP 401/);
    // The old way (the token in the query) opens nothing.
    await expect(
      new Promise((done, fail) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
        ws.once('open', done);
        ws.once('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)));
      }),
    ).rejects.toThrow(/HTTP 401/);
  });

  it('/auth-check answers 204 to the Bearer token', async () => {
    const check = await httpGet(server.port, '/auth-check', bearer());
    expect(check.status).toBe(204);
    expect(check.body).toBe('');
  });

  it('opens the WebSocket for the token subprotocol and answers with the protocol version only', async () => {
    const ws = await openWs(server.port, server.token);
    expect(ws.protocol).toBe('portwatch.v1');
    ws.send(JSON.stringify({ t: 'req', id: 1, m: 'getCapabilities', a: [] }));
    expect(await nextMessage(ws)).toMatchObject({ t: 'res', id: 1, ok: true, v: { transport: 'websocket' } });
    ws.close();
    // The token alone, without the protocol version, is a client we do not speak to.
    await expect(openWs(server.port, server.token, {}, [`portwatch.token.${server.token}`])).rejects.toThrow(/HTTP 400/);
  });

  it('exports for the Bearer token (scripts) with the request in the query', async () => {
    const download = await httpGet(server.port, '/export.csv?format=csv&columns=protocol,local_port', bearer());
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toBe('attachment; filename="portwatch-test.csv"');
    expect(download.body.startsWith('protocol,local_port\r\n')).toBe(true);
    const bad = await httpGet(server.port, `/export.csv?filter=${encodeURIComponent(Array(40).fill('x').join(' '))}`, bearer());
    expect(bad).toMatchObject({ status: 400, body: 'bad export request: filter: the filter has 40 terms (at most 32); list alternatives in one term instead, e.g. port:80,443' });
  });

  it('hands the page a single-use download ticket over the authenticated WebSocket', async () => {
    const ws = await openWs(server.port, server.token);
    ws.send(JSON.stringify({ t: 'req', id: 7, m: 'exportSnapshot', a: [{ format: 'csv' }] }));
    const reply = (await nextMessage(ws)) as { ok: boolean; v: { kind: string; url: string } };
    ws.close();
    expect(reply.ok).toBe(true);
    expect(reply.v.kind).toBe('download');
    expect(reply.v.url).toMatch(/^\/export\.csv\?ticket=[0-9a-f]{64}$/);
    expect(reply.v.url).not.toContain(server.token);
    const first = await httpGet(server.port, reply.v.url);
    expect(first.status).toBe(200);
    expect(first.body.startsWith('protocol,local_port\r\n')).toBe(true);
    const again = await httpGet(server.port, reply.v.url);
    expect(again).toMatchObject({ status: 401, body: 'this download link was used already or has expired: export again' });
    expect((await httpGet(server.port, `/export.csv?ticket=${'c'.repeat(64)}`)).status).toBe(401);
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    expect((await httpGet(server.port, '/', { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await httpGet(server.port, '/auth-check', { ...bearer(), host: `evil.example:${server.port}` })).status).toBe(403);
    await expect(openWs(server.port, server.token, { host: `evil.example:${server.port}` })).rejects.toThrow(/HTTP 403/);
  });

  it('refuses cross-origin requests and WebSockets, a same-site fetch from another port included', async () => {
    expect((await httpGet(server.port, '/', { origin: 'http://evil.example' })).status).toBe(403);
    await expect(openWs(server.port, server.token, { origin: 'http://evil.example' })).rejects.toThrow(/HTTP 403/);
    await expect(openWs(server.port, server.token, { origin: 'http://127.0.0.1:1' })).rejects.toThrow(/HTTP 403/);
    // Chromium marks a request from another port of 127.0.0.1 as same-site, never same-origin.
    expect((await httpGet(server.port, '/auth-check', { ...bearer(), 'sec-fetch-site': 'same-site' })).status).toBe(403);
    const ok = await openWs(server.port, server.token, { origin: `http://127.0.0.1:${server.port}`, 'sec-fetch-site': 'same-origin' });
    ok.close();
  });

  it('answers a malformed frame with an error and keeps the connection', async () => {
    const ws = await openWs(server.port, server.token);
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
    const ws = await openWs(server.port, server.token);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(70 * 1024));
    expect(await closed).toBe(1009);
  });

  it('rate-limits a flood of requests with an error reply', async () => {
    const ws = await openWs(server.port, server.token);
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
