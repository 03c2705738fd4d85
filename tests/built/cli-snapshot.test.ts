import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotDocument } from '../../src/shared/model';
import { startLoadgen } from '../../scripts/loadgen.mjs';
import { onlyOn } from '../support/platform';

const CLI = 'out/main/cli.js';

function run(args: string[], prefix: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, ...rest] = prefix.length > 0 ? [...prefix, process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
  return new Promise((resolve) => {
    execFile(cmd ?? '', rest, { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(() => {
  server?.close();
});

describe('built `portwatch snapshot --format json`', () => {
  const holdsListener = async (source: string): Promise<void> => {
    const result = await run(['snapshot', '--format', 'json', '--source', source]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as SnapshotDocument;
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(doc).toMatchObject({ format: 'portwatch-snapshot', formatVersion: 1, portwatchVersion: pkg.version, hostname: hostname() });
    expect(doc.capturedAtIso).toBe(new Date(doc.capturedAt).toISOString());
    const auto = process.platform === 'linux' ? 'linux-proc' : 'systeminformation';
    expect(doc.status).toMatchObject({ ok: true, error: null, errorKind: null, source: source === 'auto' ? auto : source });
    const mine = doc.rows.filter((r) => r.localPort === port && r.state === 'LISTEN');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ protocol: 'tcp', family: 4, localAddress: '127.0.0.1', remoteAddress: null, exposure: 'loopback', ownerVisibility: 'visible' });
    expect(mine[0]?.owners.map((o) => o.pid)).toEqual([process.pid]);
  };
  it.each(['auto', 'systeminformation'])('prints a snapshot document holding the test\'s listener with its pid (--source %s)', holdsListener);
  it.skipIf(onlyOn('linux', 'the linux-proc source reads /proc'))('prints a snapshot document holding the test\'s listener with its pid (--source linux-proc)', () => holdsListener('linux-proc'));

  it.skipIf(onlyOn('linux', 'full names and every owner of a shared socket come from /proc'))('shows the load generator\'s sockets with full names, every owner of the shared listener, and UDP', async () => {
    const lg = await startLoadgen({ pairs: 2, listeners: 0, udp: 2, udpConnected: 2, halfClose: 1, timeWait: 0 });
    try {
      const result = await run(['snapshot', '--format', 'json']);
      expect(result.code).toBe(0);
      const doc = JSON.parse(result.stdout) as SnapshotDocument;
      const client = lg.info.clients[0] ?? -1;
      const server = lg.info.servers[0] ?? -1;
      const names = new Map<number, string>([
        [lg.info.controller, 'pw-loadgen-ctl'],
        [server, 'pw-loadgen-server-long-name'],
        [client, 'pw loadgen: client 0'],
      ]);
      const owned = doc.rows.filter((r) => r.owners.some((o) => names.has(o.pid)));
      for (const owner of owned.flatMap((r) => r.owners)) expect(owner.name).toBe(names.get(owner.pid));
      expect(owned.filter((r) => r.owners.some((o) => o.pid === client) && r.state === 'FIN_WAIT2')).toHaveLength(1);
      expect(owned.filter((r) => r.protocol === 'udp' && r.state === 'UNCONN')).toHaveLength(2);
      const shared = owned.find((r) => r.localPort === lg.info.ports.shared);
      expect(shared?.owners.map((o) => o.pid).sort((a, b) => a - b)).toEqual([lg.info.controller, server].sort((a, b) => a - b));
    } finally {
      await lg.stop();
    }
  });

  it('rejects bad arguments with exit code 2 and a one-line message', async () => {
    const format = await run(['snapshot', '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/^portwatch snapshot: unknown format "xml" \(choose: [a-z, ]*json[a-z, ]*\) \(try: portwatch snapshot --help\)\n$/);
    expect(format.stdout).toBe('');
    const source = await run(['snapshot', '--source', 'netlink']);
    expect(source.code).toBe(2);
    expect(source.stderr).toContain('unknown source "netlink" (choose: auto, systeminformation, linux-proc)');
    const unknown = await run(['snapshot', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
  });

  it('prints its help', async () => {
    const help = await run(['snapshot', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: portwatch snapshot /);
    expect(help.stdout).toContain('[--source auto|systeminformation|linux-proc]');
  });

  const canDropPrivileges = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;
  it.skipIf(onlyOn('linux', 'drops privileges with setpriv') || !canDropPrivileges)('run as an unprivileged user, marks root-owned sockets hidden (not blank) and TIME_WAIT none', async () => {
    const result = await run(['snapshot', '--format', 'json'], ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as SnapshotDocument;
    const mine = doc.rows.find((r) => r.localPort === port && r.state === 'LISTEN');
    expect(mine).toMatchObject({ owners: [], ownerVisibility: 'hidden' });
    for (const row of doc.rows.filter((r) => r.state === 'TIME_WAIT')) expect(row.ownerVisibility).toBe('none');
  });
});
