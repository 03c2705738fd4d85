/** The built `portwatch serve` as a user (and a hostile local program) meets it. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, nextMessage, openWs, rawStatus, startBuiltServe } from '../support/serve';
import type { BuiltServe } from '../support/serve';
import { onlyOn } from '../support/platform';

const configDir = (): string => mkdtempSync(join(tmpdir(), 'pw-serve-cli-'));

describe('built portwatch serve', () => {
  let serve: BuiltServe;
  beforeAll(async () => {
    serve = await startBuiltServe(['--config-dir', configDir()]);
  });
  afterAll(() => serve.stop());

  it('survives the requests that used to end it, and keeps answering', async () => {
    const get = (target: string): string => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nConnection: close\r\n\r\n`;
    for (const target of ['/%zz', '/%E0%A4%A', '/assets/%', '/%00', '/%C0%AE%C0%AE/']) expect(await rawStatus(serve.port, get(target))).toBe(400);
    expect(await rawStatus(serve.port, get(`/${'x'.repeat(64 * 1024)}`))).toBe(431);
    expect(serve.child.exitCode).toBeNull();
    expect((await httpGet(serve.port, '/')).status).toBe(200);
    expect(serve.stderr()).toBe('');
  });

  it('exports through a single-use ticket the page gets over its WebSocket', async () => {
    const ws = await openWs(serve.port, serve.token);
    ws.send(JSON.stringify({ t: 'req', id: 1, m: 'exportSnapshot', a: [{ format: 'csv', columns: ['protocol', 'local_port', 'state'], filter: `lport:${serve.port}` }] }));
    const reply = (await nextMessage(ws)) as { ok: boolean; v: { kind: string; url: string } };
    expect(reply).toMatchObject({ ok: true, v: { kind: 'download' } });
    // A filter past its bounds is refused in the reply, not as a broken download.
    ws.send(JSON.stringify({ t: 'req', id: 2, m: 'exportSnapshot', a: [{ format: 'csv', filter: Array(40).fill('x').join(' ') }] }));
    expect(await nextMessage(ws)).toMatchObject({ ok: false, e: 'filter: the filter has 40 terms (at most 32); list alternatives in one term instead, e.g. port:80,443' });
    ws.close();
    const download = await httpGet(serve.port, reply.v.url);
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="portwatch-[\w.-]+\.csv"$/);
    expect(download.body.split('\r\n')).toContain(`tcp,${serve.port},LISTEN`);
    expect((await httpGet(serve.port, reply.v.url)).status).toBe(401);
  });
});

describe('built portwatch serve --allow-remote --public-host (still bound to loopback)', () => {
  let serve: BuiltServe;
  beforeAll(async () => {
    serve = await startBuiltServe(['--config-dir', configDir(), '--allow-remote', '--public-host', 'portwatch.example.org']);
  });
  afterAll(() => serve.stop());

  it('prints where it answers and how to add TLS or an SSH tunnel', () => {
    const port = serve.port;
    expect(serve.stderr().trim().split('\n')).toEqual([
      `portwatch serve: also answers as portwatch.example.org: http://portwatch.example.org:${port}/#token=${serve.token}`,
      `portwatch serve: for TLS, put a reverse proxy in front (e.g. caddy reverse-proxy --from NAME --to 127.0.0.1:${port}, with --public-host NAME);`,
      `portwatch serve: or skip --allow-remote and tunnel: ssh -N -L ${port}:127.0.0.1:${port} you@this-machine, then open the URL on the other machine`,
    ]);
  });

  it('accepts the allowed Host (as a TLS proxy passes it on) and refuses any other', async () => {
    expect((await httpGet(serve.port, '/', { host: 'portwatch.example.org' })).status).toBe(200);
    expect((await httpGet(serve.port, '/', { host: 'other.example.org' })).status).toBe(403);
    const ws = await openWs(serve.port, serve.token, { host: 'portwatch.example.org', origin: 'https://portwatch.example.org' });
    ws.close();
  });
});

describe.skipIf(onlyOn('linux', 'sets ulimit -n through /bin/sh and reads /proc/<pid>/limits'))('built portwatch serve with 300 file descriptors and 400 silent connections', () => {
  let serve: BuiltServe;
  beforeAll(async () => {
    serve = await startBuiltServe(['--config-dir', configDir()], 300);
  });
  afterAll(() => serve.stop());

  it('refuses what it cannot hold, and the collector and an authenticated client go on working', async () => {
    expect(readFileSync(`/proc/${serve.child.pid}/limits`, 'utf8')).toMatch(/Max open files\s+300\s+300/);
    const ws = await openWs(serve.port, serve.token);
    let id = 0;
    const call = async (m: string, a: unknown[] = []): Promise<Record<string, unknown>> => {
      id += 1;
      const answer = nextMessage(ws);
      ws.send(JSON.stringify({ t: 'req', id, m, a }));
      return answer;
    };
    expect(await call('setSettings', [{ pollIntervalMs: 500 }])).toMatchObject({ ok: true });
    const silent: Socket[] = [];
    try {
      for (let i = 0; i < 400; i += 1) {
        const socket = connect({ host: '127.0.0.1', port: serve.port });
        socket.on('error', () => undefined);
        silent.push(socket);
      }
      await Promise.all(silent.map((socket) => new Promise((done) => socket.once('connect', done).once('close', done))));
      // Polls made while the silent connections are open read the socket table without EMFILE.
      const statuses: Array<{ ok: boolean; error: string | null; polledAt: number }> = [];
      const since = Date.now();
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { t: string; ev?: string; p?: { ok: boolean; error: string | null; polledAt: number } };
        if (frame.t === 'evt' && frame.ev === 'onStatus' && frame.p) statuses.push(frame.p);
      });
      ws.send(JSON.stringify({ t: 'sub', ev: 'onStatus', on: true }));
      await expect.poll(() => statuses.filter((status) => status.polledAt > since).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
      expect(statuses.filter((status) => !status.ok)).toEqual([]);
      const snapshot = (await call('getSnapshot')) as { ok: boolean; v?: { rows: Array<{ localPort: number; state: string }> } };
      expect(snapshot.ok).toBe(true);
      expect(snapshot.v?.rows.some((row) => row.localPort === serve.port && row.state === 'LISTEN')).toBe(true);
      // All but the 64 newest were dropped at once; those are held until the idle time-out.
      expect(silent.filter((socket) => !socket.destroyed && !socket.readableEnded).length).toBeLessThanOrEqual(64);
    } finally {
      silent.forEach((socket) => socket.destroy());
      ws.close();
    }
    expect(serve.stderr()).toContain('portwatch serve: dropping the oldest anonymous connections: 64 unauthenticated connections are open');
  });
});
