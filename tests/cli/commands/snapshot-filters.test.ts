/**
 * `portwatch snapshot` filter shorthands (`--state`, `--port`, `--process`, `--listening`), ANDed
 * with `--filter`, and `--diff SECONDS`, in-process on real loopback sockets this test opens.
 */
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../support/cli';
import { shorthandFilter } from '../../../src/cli/commands/snapshot';
import type { SnapshotDocument } from '../../../src/shared/model';

const cli = runCliCaptured;

function csv(text: string): string[][] {
  return Papa.parse<string[]>(text.trimEnd(), { newline: '\r\n' }).data;
}

async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** An established loopback pair to `server`: [client side, server side]. */
async function pair(server: Server, port: number, allowHalfOpen = false): Promise<[Socket, Socket]> {
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = createConnection({ host: '127.0.0.1', port, allowHalfOpen });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return [client, await accepted];
}

let listener: { server: Server; port: number };
let client: Socket;
let accepted: Socket;

beforeAll(async () => {
  listener = await listen();
  [client, accepted] = await pair(listener.server, listener.port);
});

afterAll(async () => {
  client.destroy();
  accepted.destroy();
  await close(listener.server);
});

describe('portwatch snapshot shorthands', () => {
  it('--listening --port N prints only the listener', async () => {
    const result = await cli(['snapshot', '--format', 'csv', '--columns', 'local_port,remote_port,state', '--listening', '--port', String(listener.port)]);
    expect(result).toEqual({ code: 0, err: '', out: `local_port,remote_port,state\r\n${listener.port},,LISTEN\r\n` });
  });

  it('--state established --port N prints both ends of the established pair and not the listener', async () => {
    const result = await cli(['snapshot', '--format', 'csv', '--columns', 'local_port,remote_port,state', '--state', 'established', '--port', String(listener.port)]);
    expect(result.code).toBe(0);
    const rows = csv(result.out).slice(1).sort((a, b) => Number(a[0]) - Number(b[0]));
    const clientPort = String(client.localPort);
    const expected = [
      [String(listener.port), clientPort, 'ESTABLISHED'],
      [clientPort, String(listener.port), 'ESTABLISHED'],
    ].sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(rows).toEqual(expected);
  });

  it('a port range --port N-M covers the listener; a range beside it does not', async () => {
    const inside = await cli(['snapshot', '--format', 'csv', '--columns', 'local_port', '--listening', '--port', `${listener.port - 1}-${listener.port + 1}`, '--filter', `lport:${listener.port}`]);
    expect(inside.out).toBe(`local_port\r\n${listener.port}\r\n`);
    const outside = await cli(['snapshot', '--format', 'csv', '--columns', 'local_port', '--port', `${listener.port + 1}-${listener.port + 1}`, '--filter', `lport:${listener.port}`]);
    expect(outside.out).toBe('local_port\r\n');
  });

  it('--process matches this process by name (substring) and a made-up name matches nothing', async () => {
    const all = JSON.parse((await cli(['snapshot', '--port', String(listener.port), '--listening'])).out) as SnapshotDocument;
    const name = all.rows[0]?.owners[0]?.name ?? '';
    expect(all.rows[0]?.owners[0]?.pid).toBe(process.pid);
    expect(name).not.toBe('');
    const mine = await cli(['snapshot', '--format', 'csv', '--columns', 'local_port,pid', '--listening', '--port', String(listener.port), '--process', name.slice(0, 3)]);
    expect(mine.out).toBe(`local_port,pid\r\n${listener.port},${process.pid}\r\n`);
    const none = await cli(['snapshot', '--format', 'csv', '--columns', 'local_port', '--port', String(listener.port), '--process', 'no-such-process-pw']);
    expect(none).toEqual({ code: 0, err: '', out: 'local_port\r\n' });
  });

  it('shorthands are ANDed with --filter (the server end only, by local port)', async () => {
    const result = await cli(['snapshot', '--format', 'csv', '--columns', 'local_port,remote_port', '--filter', `lport:${listener.port}`, '--state', 'estab']);
    expect(result.out).toBe(`local_port,remote_port\r\n${listener.port},${client.localPort}\r\n`);
  });

  it('translates each shorthand into the filter grammar', () => {
    expect(shorthandFilter({ filter: 'tcp', state: 'time-wait', port: '80-90', process: 'my app', listening: true })).toBe(
      'tcp state:time-wait port:80-90 proc:"my app" listening',
    );
    expect(shorthandFilter({ filter: '  ' })).toBeUndefined();
    expect(shorthandFilter({})).toBeUndefined();
  });
});

describe('portwatch snapshot --diff', () => {
  it('prints the listener opened and the one closed during the wait, and the pair whose state changed', async () => {
    const closing = await listen();
    const halfOpen = await pair(listener.server, listener.port, true);
    let opened: { server: Server; port: number } | null = null;
    let acted: Promise<void> | null = null;
    // The opened listener's port is unknown until it opens: take all TCP rows and pick afterwards.
    const run = cli(['snapshot', '--diff', '1', '--format', 'json', '--filter', `tcp`], (err) => {
      if (acted === null && err.includes('waiting 1 s')) {
        acted = (async (): Promise<void> => {
          opened = await listen();
          await close(closing.server);
          // The server end sends FIN: it goes FIN_WAIT2, the half-open client end CLOSE_WAIT.
          halfOpen[1].end();
        })();
      }
    });
    const result = await run;
    await acted;
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/^portwatch snapshot: first snapshot taken \(\d+ sockets\); waiting 1 s\nportwatch snapshot: \d+ opened, \d+ closed, \d+ changed, \d+ unchanged\n$/);
    const diff = JSON.parse(result.out) as { entries: Array<{ diff: string; fields: string[]; row: { localPort: number; remotePort: number | null; state: string } }> };
    const openedPort = (opened as { port: number } | null)?.port ?? -1;
    const pick = (port: number, remote: number | null): string[] =>
      diff.entries.filter((e) => e.row.localPort === port && e.row.remotePort === remote).map((e) => `${e.diff} ${e.fields.join(';')} ${e.row.state}`);
    expect(pick(openedPort, null)).toEqual(['opened  LISTEN']);
    expect(pick(closing.port, null)).toEqual(['closed  LISTEN']);
    expect(pick(halfOpen[0].localPort ?? -1, listener.port)).toEqual(['changed state CLOSE_WAIT']);
    expect(pick(listener.port, halfOpen[0].localPort ?? -1)).toEqual(['changed state FIN_WAIT2']);
    expect(pick(listener.port, null)).toEqual([]);
    halfOpen[0].destroy();
    halfOpen[1].destroy();
    if (opened !== null) await close((opened as { server: Server }).server);
  });

  it('--diff with the shorthands writes the diff as CSV with the diff columns', async () => {
    const result = await cli(['snapshot', '--diff', '1', '--format', 'csv', '--columns', 'local_port,state', '--listening', '--port', String(listener.port)]);
    expect(result.code).toBe(0);
    // Nothing changed on that port: the header only.
    expect(result.out).toBe('diff,diff_fields,local_port,state\r\n');
    expect(result.err).toContain('0 opened, 0 closed, 0 changed, 1 unchanged');
  });
});

describe('portwatch snapshot bad arguments', () => {
  it.each([
    [['--state', 'bogus'], /--state: "bogus" is not a socket state/],
    [['--state', 'listen established'], /--state needs one state word/],
    [['--port', '70000'], /--port needs a port \(0–65535\) or a range like 8000-8100, not "70000"/],
    [['--port', '90-80'], /--port needs a port/],
    [['--port', 'http'], /--port needs a port/],
    [['--process', ''], /--process needs a process name/],
    [['--process', 'a"b'], /--process needs a process name without double quotes/],
    [['--diff', '0'], /--diff needs a whole number of seconds from 1 to 3600, not "0"/],
    [['--diff', '3601'], /--diff needs a whole number of seconds from 1 to 3600/],
    [['--diff', '1.5'], /--diff needs a whole number of seconds/],
    [['--diff'], /--diff/],
    [['--listening=yes'], /listening/],
    [['--filter', 'port:'], /port: needs a value/],
  ])('%j exits 2 with a message', async (args, message) => {
    const result = await cli(['snapshot', ...args]);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toMatch(message);
    expect(result.err).toMatch(/\(try: portwatch snapshot --help\)\n$/);
  });
});

describe('portwatch <command> --help', () => {
  it.each([
    ['version', ['Usage: portwatch version', '--help']],
    ['snapshot', ['--state S', '--port N[-M]', '--process NAME', '--listening', '--diff SECONDS', '--filter EXPR', '--help']],
    ['diff', ['Usage: portwatch diff OLD.json [NEW.json]', '--filter EXPR', '--help']],
    ['probe', ['portwatch probe tcp HOST:PORT', '--timeout MS', '--help']],
    ['serve', ['Usage: portwatch serve', '--allow-remote', '--help']],
  ])('%s --help describes its options and exits 0', async (command, needles) => {
    const result = await cli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    for (const needle of needles) expect(result.out).toContain(needle);
  });

  it('version refuses arguments', async () => {
    const result = await cli(['version', 'extra']);
    expect(result).toEqual({ code: 2, out: '', err: 'portwatch version: takes no arguments (got "extra") (try: portwatch version --help)\n' });
  });
});
