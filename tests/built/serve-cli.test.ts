/** The built `portwatch serve` as a user (and a hostile local program) meets it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, nextMessage, openWs, rawStatus, startBuiltServe } from '../support/serve';
import type { BuiltServe } from '../support/serve';

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
