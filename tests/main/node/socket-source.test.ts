import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError, type SocketReadResult } from '../../../src/main/core/sources';
import { createSocketSource, mergeWithSupplement, resolveSocketSourceKind } from '../../../src/main/node/socket-source';
import type { Connection } from '../../../src/shared/model';
import { startLoadgen, type Loadgen } from '../../../scripts/loadgen.mjs';
import { makeConnection } from '../../support/connections';
import { runSs, ssLine, type SsRow } from '../../support/ss';
import { onlyOn } from '../../support/platform';

// The real-socket tests compare with `ss` and /proc: Linux. Elsewhere the readers are tested on
// captured output (si-source-captures.test.ts).
const linuxOnly = onlyOn('linux', 'compares the socket table with ss and /proc');

let lg: Loadgen;
let pids: number[];

beforeAll(async () => {
  if (linuxOnly) return;
  lg = await startLoadgen({ pairs: 8, listeners: 4, udp: 4, udpConnected: 2, halfClose: 2, timeWait: 2 });
  pids = [lg.info.controller, ...lg.info.servers, ...lg.info.clients];
});

afterAll(async () => {
  await lg?.stop();
});

/** The load generator's sockets: owned by its processes, or its ownerless TIME_WAIT ones. */
function fixtureRows<T extends Pick<SsRow, 'owners' | 'state' | 'localPort' | 'remotePort'>>(rows: readonly T[]): T[] {
  const tw = lg.info.ports.timeWait;
  return rows.filter((r) => r.owners.some((o) => pids.includes(o.pid)) || (r.state === 'TIME_WAIT' && (r.remotePort === tw || r.localPort === tw)));
}

const NAMES = (): Map<number, string> =>
  new Map<number, string>([
    [lg.info.controller, 'pw-loadgen-ctl'],
    ...lg.info.servers.map((pid): [number, string] => [pid, 'pw-loadgen-server-long-name']),
    ...lg.info.clients.map((pid, i): [number, string] => [pid, `pw loadgen: client ${i}`]),
  ]);

describe.skipIf(linuxOnly).each(['linux-proc', 'systeminformation'] as const)('the %s source on real loopback sockets', (kind) => {
  let rows: Connection[];
  let truth: SsRow[];
  let result: SocketReadResult;

  beforeAll(async () => {
    result = await createSocketSource({ kind }).read();
    truth = runSs();
    rows = result.rows;
  });

  it('answers as the chosen source, without notices', () => {
    expect(result.source).toBe(kind);
    expect(result.notices).toEqual([]);
  });

  it('equals `ss -tuanp` row for row on the fixture\'s sockets (endpoints, state, every owner pid)', () => {
    const ours = fixtureRows(rows).map(ssLine).sort();
    const expected = fixtureRows(truth).map(ssLine).sort();
    expect(ours).toEqual(expected);
    const e = lg.info.expected;
    // The load is what we think it is, so the comparison covers every kind of socket.
    expect(ours.length).toBe(e.established + e.listeners + e.finWait2 + e.closeWait + e.timeWait + e.udpUnconnected + e.udpConnected);
  });

  it('shows each kind of socket: FIN_WAIT2, CLOSE_WAIT, TIME_WAIT, IPv6, v4-mapped, connected and unconnected UDP', () => {
    const mine = fixtureRows(rows);
    const count = (f: (r: Connection) => boolean): number => mine.filter(f).length;
    expect(count((r) => r.state === 'FIN_WAIT2')).toBe(2);
    expect(count((r) => r.state === 'CLOSE_WAIT')).toBe(2);
    expect(count((r) => r.state === 'TIME_WAIT' && r.ownerVisibility === 'none' && r.owners.length === 0)).toBe(2);
    expect(count((r) => r.protocol === 'udp' && r.state === 'UNCONN')).toBe(4);
    expect(count((r) => r.protocol === 'udp' && r.state === 'ESTABLISHED')).toBe(2);
    const main = lg.info.ports.main[0];
    expect(mine.find((r) => r.localPort === main?.v6 && r.state === 'LISTEN')).toMatchObject({ family: 6, localAddress: '::1', exposure: 'loopback' });
    expect(mine.find((r) => r.localPort === main?.mapped && r.state === 'LISTEN')).toMatchObject({ family: 6, localAddress: '::ffff:127.0.0.1', exposure: 'loopback' });
    expect(count((r) => r.localPort === main?.mapped && r.state === 'ESTABLISHED' && r.family === 6 && r.localAddress === '::ffff:127.0.0.1')).toBe(2);
  });

  it('names every owner in full (space, colon, past 15 characters) with its details', () => {
    const names = NAMES();
    const user = userInfo().username;
    for (const row of fixtureRows(rows)) {
      for (const owner of row.owners) {
        expect(owner.name).toBe(names.get(owner.pid));
        expect(owner.path).toBe(process.execPath);
        expect(owner.user).toBe(user);
        expect(owner.commandLine).toBe(names.get(owner.pid));
        expect(owner.startedAt).toBeGreaterThan(Date.now() - 600_000);
        expect(owner.startedAt).toBeLessThanOrEqual(Date.now());
      }
      if (row.owners.length > 0) expect(row.ownerVisibility).toBe('visible');
    }
  });

  it('reports both owners of the shared listener', () => {
    const shared = rows.filter((r) => r.localPort === lg.info.ports.shared && r.state === 'LISTEN');
    expect(shared).toHaveLength(1);
    expect(shared[0]?.owners.map((o) => o.pid).sort((a, b) => a - b)).toEqual([lg.info.controller, lg.info.servers[0]].sort((a, b) => (a ?? 0) - (b ?? 0)));
  });

  it('sets service side and exposure on every row', () => {
    for (const row of rows) {
      expect(row.service === null || typeof row.service === 'object').toBe(true);
      expect(row.exposure === null || ['loopback', 'all-interfaces', 'specific'].includes(String(row.exposure))).toBe(true);
      if (row.remoteAddress !== null) expect(row.exposure).toBeNull();
    }
    const client = fixtureRows(rows).find((r) => r.remotePort === lg.info.ports.main[0]?.v4 && r.state === 'ESTABLISHED');
    const served = fixtureRows(rows).find((r) => r.localPort === lg.info.ports.main[0]?.v4 && r.state === 'ESTABLISHED');
    // Whatever IANA calls the listener's port, both ends name the same port.
    if (client?.service) expect(client.service).toMatchObject({ port: lg.info.ports.main[0]?.v4, side: 'remote' });
    if (served?.service) expect(served.service).toMatchObject({ port: lg.info.ports.main[0]?.v4, side: 'local' });
  });
});

describe.skipIf(linuxOnly)('closed sockets', () => {
  it('disappear from the next read', async () => {
    const source = createSocketSource({ kind: 'auto' });
    const extras = lg.info.ports.extras.map((e) => e.port);
    const before = (await source.read()).rows.filter((r) => extras.includes(r.localPort) && r.state === 'LISTEN');
    expect(before).toHaveLength(extras.length);
    expect(await lg.closeExtras()).toEqual(extras);
    const after = (await source.read()).rows.filter((r) => extras.includes(r.localPort));
    expect(after).toEqual([]);
  });
});

describe('errors and choices', () => {
  it('auto picks linux-proc on Linux and systeminformation elsewhere', () => {
    expect(resolveSocketSourceKind('auto', 'linux')).toBe('linux-proc');
    expect(resolveSocketSourceKind('auto', 'darwin')).toBe('systeminformation');
    expect(resolveSocketSourceKind('auto', 'win32')).toBe('systeminformation');
    expect(resolveSocketSourceKind('systeminformation', 'linux')).toBe('systeminformation');
    expect(createSocketSource({ kind: 'auto' }).name).toBe(process.platform === 'linux' ? 'linux-proc' : 'systeminformation');
  });

  it('rejects with missing-tool when /proc has no socket table', async () => {
    const read = createSocketSource({ kind: 'linux-proc' }, { procRoot: '/nonexistent-proc', platform: 'linux' }).read();
    await expect(read).rejects.toBeInstanceOf(SourceError);
    await expect(read).rejects.toMatchObject({ kind: 'missing-tool', message: expect.stringContaining('/nonexistent-proc/net/udp') });
  });

  it('rejects linux-proc on another OS with a message naming the alternative', async () => {
    await expect(createSocketSource({ kind: 'linux-proc' }, { platform: 'darwin' }).read()).rejects.toMatchObject({ kind: 'missing-tool', message: expect.stringContaining('systeminformation') });
  });

  it.skipIf(linuxOnly)('systeminformation without netstat, ss or /proc rejects with missing-tool; with /proc it says so and still answers', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pw-empty-path-'));
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      await expect(createSocketSource({ kind: 'systeminformation' }, { procRoot: '/nonexistent-proc' }).read()).rejects.toMatchObject({
        kind: 'missing-tool',
        message: 'Neither netstat nor ss is installed: install net-tools or iproute2 to read the socket table.',
      });
      const result = await createSocketSource({ kind: 'systeminformation' }).read();
      expect(result.notices).toEqual(['Neither netstat nor ss is installed: the socket table comes from /proc alone.']);
      expect(result.rows.some((r) => r.owners.some((o) => o.pid === lg.info.servers[0]))).toBe(true);
    } finally {
      process.env.PATH = saved;
      rmSync(empty, { recursive: true });
    }
  });
});

describe('mergeWithSupplement', () => {
  it('takes the /proc row for sockets both saw, adds what only /proc saw, keeps what only si saw', () => {
    const siBoth = makeConnection({ localPort: 80, owners: [{ pid: 5, name: 'ngin' }] });
    const siOnly = makeConnection({ localPort: 81 });
    const procBoth = makeConnection({ localPort: 80, inode: 7, owners: [{ pid: 5, name: 'nginx' }, { pid: 6, name: 'nginx' }] });
    const procOnly = makeConnection({ protocol: 'udp', state: 'UNCONN', localPort: 53, inode: 8 });
    expect(mergeWithSupplement([siBoth, siOnly], [procBoth, procOnly])).toEqual([procBoth, siOnly, procOnly]);
  });

  it('drops si\'s repeat of a socket /proc has already matched', () => {
    const si = makeConnection({ state: 'TIME_WAIT', owners: [], ownerVisibility: 'none', remoteAddress: '127.0.0.1', remotePort: 9 });
    const proc = { ...si, inode: 0 };
    expect(mergeWithSupplement([si, { ...si }], [proc])).toEqual([proc]);
  });

  it('pairs SO_REUSEPORT twins by owner', () => {
    const si1 = makeConnection({ owners: [{ pid: 2, name: 'b' }] });
    const p1 = makeConnection({ inode: 1, owners: [{ pid: 1, name: 'a' }] });
    const p2 = makeConnection({ inode: 2, owners: [{ pid: 2, name: 'b' }] });
    expect(mergeWithSupplement([si1], [p1, p2])).toEqual([p2, p1]);
  });
});
