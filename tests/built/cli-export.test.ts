import { execFileSync, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdtemp, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_COLUMNS } from '../../src/shared/model';
import { onlyOn, POSIX } from '../support/platform';

const CLI = 'out/main/cli.js';

/** Runs the built CLI with plain node (async, so this process keeps serving the listener). */
function run(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

let server: Server;
let port = 0;
let dir = '';

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  dir = await mkdtemp(join(tmpdir(), 'pw-built-export-'));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const column = (name: (typeof EXPORT_COLUMNS)[number]): number => EXPORT_COLUMNS.indexOf(name);

describe('built CLI export', () => {
  it('snapshot --format csv lists the loopback listener this test opened', async () => {
    const result = await run('snapshot', '--format', 'csv');
    expect(result.code).toBe(0);
    const rows = Papa.parse<string[]>(result.out, { newline: '\r\n' }).data;
    expect(rows[0]).toEqual([...EXPORT_COLUMNS]);
    const mine = rows.filter((row) => row[column('local_port')] === String(port) && row[column('state')] === 'LISTEN');
    expect(mine.map((row) => [row[column('protocol')], row[column('local_address')], row[column('pid')], row[column('exposure')]])).toEqual([
      ['tcp', '127.0.0.1', String(process.pid), 'loopback'],
    ]);
  });

  it('snapshot --out writes atomically, and diff of two saved snapshots finds the listener closed', async () => {
    const before = join(dir, 'before.json');
    await writeFile(before, 'stale');
    expect(await run('snapshot', '--format', 'json', '--out', before)).toEqual({ code: 0, out: '', err: '' });
    expect(await readdir(dir)).toEqual(['before.json']);
    expect(JSON.parse(await readFile(before, 'utf8'))).toMatchObject({ format: 'portwatch-snapshot', formatVersion: 1 });

    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const address = listener.address();
    const second = typeof address === 'object' && address !== null ? address.port : 0;
    const after = join(dir, 'after.ndjson');
    expect((await run('snapshot', '--format', 'ndjson', '--out', after)).code).toBe(0);
    await new Promise<void>((resolve) => listener.close(() => resolve()));

    const opened = await run('diff', before, after, '--columns', 'local_port,state', '--filter', `lport:${second}`);
    expect(opened).toEqual({ code: 0, err: '', out: `diff,diff_fields,local_port,state\r\nopened,,${second},LISTEN\r\n` });
    // Against now (NEW omitted) the second listener is gone again.
    const closed = await run('diff', after, '--columns', 'local_port,state', '--filter', `lport:${second} listening`);
    expect(closed).toEqual({ code: 0, err: '', out: `diff,diff_fields,local_port,state\r\nclosed,,${second},LISTEN\r\n` });
  });

  it('an unwritable --out gives one clear line, exit 1, and leaves nothing behind', async () => {
    const missing = join(dir, 'no-such-folder', 'snap.csv');
    expect(await run('snapshot', '--format', 'csv', '--out', missing)).toEqual({
      code: 1,
      out: '',
      err: `portwatch snapshot: cannot write ${missing}: the folder does not exist\n`,
    });
  });

  it.skipIf(onlyOn('linux', 'writes into /proc, a folder that takes no files'))('an --out into /proc gives one clear line, exit 1', async () => {
    const proc = await run('snapshot', '--format', 'csv', '--out', '/proc/portwatch-export.csv');
    expect(proc.code).toBe(1);
    expect(proc.out).toBe('');
    expect(proc.err).toMatch(/^portwatch snapshot: cannot write \/proc\/portwatch-export\.csv: .+\n$/);
    expect(proc.err.split('\n')).toHaveLength(2);
  });

  it('a bad --columns is a usage error (exit 2) naming the closest column', async () => {
    const result = await run('snapshot', '--format', 'csv', '--columns', 'local_prot');
    expect(result.code).toBe(2);
    expect(result.err).toContain('unknown column "local_prot" (did you mean local_port?)');
  });

  it('stops quietly when the reader closes the pipe early', async () => {
    // A diff of many rows, read for one chunk only: no EPIPE crash, no message.
    const rows = Array.from({ length: 30_000 }, (_, i) => ({
      protocol: 'tcp',
      family: 4,
      localAddress: '127.0.0.1',
      localPort: 1 + (i % 60_000),
      remoteAddress: '127.0.0.2',
      remotePort: 1 + Math.floor(i / 60_000),
      state: 'ESTABLISHED',
      owners: [{ pid: 1, name: 'x' }],
      ownerVisibility: 'visible',
    }));
    const status = { ok: true, error: null, errorKind: null, durationMs: 1, polledAt: 0, intervalMs: 0, paused: false, source: 't', notices: [] };
    const head = { format: 'portwatch-snapshot', formatVersion: 1, portwatchVersion: 't', hostname: 'h', capturedAt: 0, capturedAtIso: '1970-01-01T00:00:00.000Z', status };
    const empty = join(dir, 'empty.json');
    const many = join(dir, 'many.json');
    await writeFile(empty, JSON.stringify({ ...head, rows: [] }));
    await writeFile(many, JSON.stringify({ ...head, rows }));
    const result = await new Promise<{ code: number | null; err: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'diff', empty, many], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, err }));
    });
    expect(result).toEqual({ code: 0, err: '' });
  });
});

describe.skipIf(onlyOn(POSIX, 'POSIX file modes, symbolic links, /dev/null and FIFOs'))('built CLI --out never replaces what is not a regular file of ours', () => {
  it('documents the policy in snapshot --help', async () => {
    const help = await run('snapshot', '--help');
    expect(help.code).toBe(0);
    const flat = help.out.replace(/\s+/g, ' ');
    expect(flat).toContain('-o, --out FILE write to FILE instead of stdout ("-" or /dev/stdout = stdout): a new FILE is created with mode 0600');
    expect(flat).toContain('an existing file of yours is replaced atomically and keeps its mode');
    expect(flat).toContain('a character device (/dev/null, a terminal) or a FIFO of yours is written straight to, never replaced');
    expect(flat).toContain('refused: a symbolic link (never replaced nor followed), a file or FIFO of another user, a folder, a disk, a socket');
  });

  it('creates a new export 0600 and lets an existing 0644 file keep its mode', async () => {
    const fresh = join(dir, 'fresh.json');
    expect(await run('snapshot', '--out', fresh)).toEqual({ code: 0, out: '', err: '' });
    expect((await stat(fresh)).mode & 0o777).toBe(0o600);
    const shared = join(dir, 'shared.json');
    await writeFile(shared, 'old');
    await chmod(shared, 0o644);
    expect(await run('snapshot', '--out', shared)).toEqual({ code: 0, out: '', err: '' });
    expect((await stat(shared)).mode & 0o777).toBe(0o644);
    expect(JSON.parse(await readFile(shared, 'utf8'))).toMatchObject({ format: 'portwatch-snapshot' });
  });

  it('refuses a symbolic link with one clear line, exit 1: the link and its target stay as they were', async () => {
    const victim = join(dir, 'victim.txt');
    const link = join(dir, 'planted.json');
    await writeFile(victim, 'precious');
    await symlink(victim, link);
    expect(await run('snapshot', '--out', link)).toEqual({
      code: 1,
      out: '',
      err: `portwatch snapshot: cannot write ${link}: it is a symbolic link (to ${victim}); Portwatch neither replaces a link nor writes through one: give the path of the file itself\n`,
    });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(victim);
    expect(await readFile(victim, 'utf8')).toBe('precious');
  });

  it('writes straight into /dev/null and a FIFO, which stay the nodes they are', async () => {
    expect(await run('snapshot', '--out', '/dev/null')).toEqual({ code: 0, out: '', err: '' });
    expect((await lstat('/dev/null')).isCharacterDevice()).toBe(true);
    const fifo = join(dir, 'export.pipe');
    execFileSync('mkfifo', [fifo]);
    let received = '';
    const reader = new Promise<void>((resolve, reject) => {
      createReadStream(fifo, 'utf8')
        .on('data', (chunk) => (received += String(chunk)))
        .on('end', resolve)
        .on('error', reject);
    });
    expect(await run('snapshot', '--format', 'json', '--out', fifo)).toEqual({ code: 0, out: '', err: '' });
    await reader;
    expect(JSON.parse(received)).toMatchObject({ format: 'portwatch-snapshot' });
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });

  it('--out /dev/stdout is standard output', async () => {
    const result = await run('snapshot', '--format', 'json', '--out', '/dev/stdout');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ format: 'portwatch-snapshot' });
  });
});
