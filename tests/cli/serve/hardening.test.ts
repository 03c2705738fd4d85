/**
 * `portwatch serve` against hostile and broken clients, on real loopback sockets: malformed request
 * targets, silent and slow connections, more connections than it will hold, and Host names.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedHosts, hostAllowed, parseTarget } from '../../../src/cli/serve/server';
import { httpGet, nextMessage, openWs, rawStatus, startFakeServe } from '../../support/serve';
import type { FakeServe } from '../../support/serve';

const request = (port: number, target: string, host = `127.0.0.1:${port}`): string => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

/** Opens a TCP connection that sends nothing; resolves once connected. */
function silent(port: number): Promise<Socket> {
  return new Promise((done, fail) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => done(socket));
    socket.once('error', fail);
  });
}

const closed = (socket: Socket): Promise<void> => new Promise((done) => (socket.closed ? done() : socket.once('close', () => done())));

describe('portwatch serve: malformed requests are answered, and the server keeps serving', () => {
  let fake: FakeServe;
  beforeAll(async () => {
    fake = await startFakeServe();
  });
  afterAll(() => fake.server.close());

  // Each of these once ended the process (decodeURIComponent threw in an unawaited promise) or
  // could escape the renderer folder.
  const cases: Array<[string, (port: number) => string | Buffer, number]> = [
    ['an invalid %-escape', (p) => request(p, '/%zz'), 400],
    ['a truncated multi-byte escape', (p) => request(p, '/%E0%A4%A'), 400],
    ['a lone % in an asset path', (p) => request(p, '/assets/%'), 400],
    ['an escaped NUL', (p) => request(p, '/index.html%00.png'), 400],
    ['overlong UTF-8 for "../"', (p) => request(p, '/%C0%AE%C0%AE/%C0%AE%C0%AE/etc/passwd'), 400],
    ['an escaped slash climbing out of the folder', (p) => request(p, '/..%2f..%2f..%2fetc%2fpasswd'), 404],
    ['an escaped backslash', (p) => request(p, '/assets/..%5c..%5cpackage.json'), 400],
    ['a 64 KiB path', (p) => request(p, `/${'a'.repeat(64 * 1024)}`), 431],
    ['a foreign Host', (p) => request(p, '/', 'evil.example'), 403],
    ['no Host at all', () => 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n', 400],
    ['an absolute-form target', (p) => request(p, 'http://evil.example/'), 400],
    ['an asterisk target', (p) => request(p, '*'), 400],
    ['a request line of binary garbage', () => Buffer.from([0, 1, 2, 0xff, 13, 10, 13, 10]), 400],
    ['a WebSocket upgrade to a malformed path', (p) => `GET /ws%zz HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`, 400],
    ['a download ticket that is not even hex', (p) => request(p, '/export.csv?ticket=%zz%00'), 401],
  ];

  it.each(cases)('%s', async (_name, make, status) => {
    expect(await rawStatus(fake.server.port, make(fake.server.port))).toBe(status);
    expect((await httpGet(fake.server.port, '/')).status).toBe(200);
  });

  it('a POST, a PUT or an OPTIONS preflight gets 405 and nothing else', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const reply = await httpGet(fake.server.port, '/auth-check', { authorization: `Bearer ${fake.server.token}` }, method);
      expect([method, reply.status, reply.headers.allow]).toEqual([method, 405, 'GET, HEAD']);
    }
  });

  it('logs nothing as a server failure: every case above was the client’s fault', () => {
    expect(fake.logged).toEqual([]);
  });

  it('splits and decodes targets without throwing', () => {
    expect(parseTarget('/assets/a%20b.js?x=%zz')).toMatchObject({ ok: true, path: '/assets/a b.js' });
    expect(parseTarget(undefined)).toMatchObject({ ok: false, status: 400 });
    expect(parseTarget(`/${'a'.repeat(9000)}`)).toMatchObject({ ok: false, status: 414 });
  });
});

describe('portwatch serve: a failing export is a 500 and the server keeps serving', () => {
  it('answers 500 when the producer throws, and cuts a stream that fails half-way', async () => {
    let mode: 'throw' | 'midway' = 'throw';
    const fake = await startFakeServe({
      exportProducer: async () => {
        if (mode === 'throw') throw new Error('the collector is gone');
        return {
          chunks: (async function* (): AsyncGenerator<string> {
            yield 'protocol,local_port\r\n';
            throw new Error('a row could not be written');
          })(),
          fileName: 'x.csv',
          contentType: 'text/csv',
        };
      },
    });
    try {
      const auth = { authorization: `Bearer ${fake.server.token}` };
      expect(await httpGet(fake.server.port, '/export.csv', auth)).toMatchObject({ status: 500, body: 'export failed: the collector is gone' });
      mode = 'midway';
      await expect(httpGet(fake.server.port, '/export.csv', auth)).rejects.toThrow(/aborted|socket hang up|ECONNRESET/);
      expect(fake.logged).toEqual(['export failed while streaming: a row could not be written']);
      expect((await httpGet(fake.server.port, '/')).status).toBe(200);
    } finally {
      await fake.server.close();
    }
  });
});

describe('portwatch serve: silent, slow and excess connections', () => {
  it('closes 20 connections that never send a byte once the idle time-out passes', async () => {
    const fake = await startFakeServe({ idleTimeoutMs: 300 });
    try {
      const sockets = await Promise.all(Array.from({ length: 20 }, () => silent(fake.server.port)));
      await expect.poll(() => fake.server.unauthenticated()).toBe(20);
      await Promise.all(sockets.map(closed));
      expect(sockets.every((socket) => socket.destroyed)).toBe(true);
      await expect.poll(() => fake.server.unauthenticated()).toBe(0);
      expect((await httpGet(fake.server.port, '/')).status).toBe(200);
    } finally {
      await fake.server.close();
    }
  });

  it('answers 408 to a client that drips its headers slower than the headers time-out', async () => {
    const fake = await startFakeServe({ headersTimeoutMs: 400, idleTimeoutMs: 60_000 });
    try {
      const socket = await silent(fake.server.port);
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${fake.server.port}\r\n`);
      // One header line at a time, each well inside the idle time-out, never the blank line.
      const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100);
      await closed(socket);
      clearInterval(drip);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      await fake.server.close();
    }
  });

  it('past the cap on unauthenticated connections drops the oldest, so a newcomer gets in while an authenticated client still works', async () => {
    const fake = await startFakeServe({ maxUnauthenticated: 10, idleTimeoutMs: 60_000 });
    try {
      const ws = await openWs(fake.server.port, fake.server.token);
      // The WebSocket authenticated: it no longer counts.
      expect(fake.server.unauthenticated()).toBe(0);
      const held = await Promise.all(Array.from({ length: 10 }, () => silent(fake.server.port)));
      await expect.poll(() => fake.server.unauthenticated()).toBe(10);
      const excess = await Promise.all(Array.from({ length: 5 }, () => silent(fake.server.port)));
      // The five oldest silent sockets were dropped to make room; the count never passes the cap.
      await Promise.all(held.slice(0, 5).map(closed));
      expect(held.slice(5).every((socket) => !socket.destroyed)).toBe(true);
      expect(excess.every((socket) => !socket.destroyed)).toBe(true);
      expect(fake.server.unauthenticated()).toBe(10);
      expect(fake.logged).toEqual(['dropping the oldest anonymous connections: 10 unauthenticated connections are open']);

      // A page load arriving now is answered although the cap is full of silent sockets.
      expect((await httpGet(fake.server.port, '/')).status).toBe(200);
      ws.send(JSON.stringify({ t: 'req', id: 1, m: 'getCapabilities', a: [] }));
      expect(await nextMessage(ws)).toMatchObject({ t: 'res', id: 1, ok: true });

      [...held, ...excess].forEach((socket) => socket.destroy());
      // What is left is the page load's own keep-alive connection.
      await expect.poll(() => fake.server.unauthenticated()).toBe(1);
      ws.close();
    } finally {
      await fake.server.close();
    }
  });

  it('holds at most maxClients authenticated WebSockets', async () => {
    const fake = await startFakeServe({ maxClients: 2 });
    try {
      const open = [await openWs(fake.server.port, fake.server.token), await openWs(fake.server.port, fake.server.token)];
      await expect(openWs(fake.server.port, fake.server.token)).rejects.toThrow(/HTTP 503/);
      open.forEach((ws) => ws.close());
    } finally {
      await fake.server.close();
    }
  });
});

describe('portwatch serve: Host names (--public-host)', () => {
  let fake: FakeServe;
  beforeAll(async () => {
    fake = await startFakeServe({ publicHosts: [{ host: 'portwatch.example.org', port: null }, { host: '192.0.2.5', port: 8443 }] });
  });
  afterAll(() => fake.server.close());

  it('accepts the allowed names (any port for a bare name, only the given one otherwise) and refuses others', async () => {
    const { port } = fake.server;
    const status = async (host: string): Promise<number> => (await httpGet(port, '/', { host })).status;
    expect(await status('portwatch.example.org')).toBe(200);
    expect(await status(`PORTWATCH.example.org:${port}`)).toBe(200);
    expect(await status('portwatch.example.org:443')).toBe(200);
    expect(await status('192.0.2.5:8443')).toBe(200);
    expect(await status(`192.0.2.5:${port}`)).toBe(403);
    expect(await status('other.example.org')).toBe(403);
    expect(await status(`localhost:${port}`)).toBe(200);
  });

  it('opens the WebSocket for a page served by the TLS proxy of an allowed name', async () => {
    const ws = await openWs(fake.server.port, fake.server.token, { host: 'portwatch.example.org', origin: 'https://portwatch.example.org' });
    ws.close();
    await expect(openWs(fake.server.port, fake.server.token, { host: 'portwatch.example.org', origin: 'https://other.example.org' })).rejects.toThrow(/HTTP 403/);
  });

  it('on a wildcard address, only loopback names and the allowed ones', () => {
    const bare = allowedHosts('0.0.0.0', 9000);
    expect([...bare.exact].sort()).toEqual(['127.0.0.1:9000', '[::1]:9000', 'localhost:9000']);
    expect(bare.anyPort.size).toBe(0);
    expect(hostAllowed(bare, '192.0.2.5:9000')).toBe(false);
    const named = allowedHosts('::', 9000, [{ host: 'box.lan', port: null }, { host: 'fe80::1', port: null }]);
    for (const ok of ['box.lan', 'BOX.lan:9000', 'box.lan:8443', '[fe80::1]', '[fe80::1]:9000', '[::1]:9000']) expect([ok, hostAllowed(named, ok)]).toEqual([ok, true]);
    for (const refused of ['box.lan.evil', 'evil.box.lan', '[::1]:9001', 'fe80::1', '[fe80::2]', 'box.lan:x', '']) {
      expect([refused, hostAllowed(named, refused)]).toEqual([refused, false]);
    }
  });
});
