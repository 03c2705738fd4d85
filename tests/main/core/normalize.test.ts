import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeAddress, normalizeSiRow, normalizeSiRows, normalizeState, type SiConnectionRow } from '../../../src/main/core/normalize';
import { connectionKey } from '../../../src/shared/key';
import type { Connection } from '../../../src/shared/model';
import { parseSs, ssLine } from '../../support/ss';

const FIXTURES = join(__dirname, '../../fixtures/linux');
const read = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
const netstatPath = read<SiConnectionRow[]>('si-netstat.json');
const ssPath = read<SiConnectionRow[]>('si-ss.json');
const load = read<{
  servers: number[];
  clients: number[];
  controller: number;
  ports: { main: { v4: number; v6: number; mapped: number }[]; halfClose: number; shared: number; udp: { port: number }[] };
}>('load.json');
const truth = parseSs(readFileSync(join(FIXTURES, 'ss-tuanp.txt'), 'utf8'));

/** Endpoints and state only: what systeminformation can be compared on. */
const line = (r: Omit<Parameters<typeof ssLine>[0], 'owners'>): string => ssLine({ ...r, owners: [] });

describe('normalizeState', () => {
  it.each([
    ['ESTAB', 'tcp', true, 'ESTABLISHED'],
    ['CLOSE-WAIT', 'tcp', true, 'CLOSE_WAIT'],
    ['CLOSE_WAIT', 'tcp', true, 'CLOSE_WAIT'],
    ['FIN-WAIT-2', 'tcp', true, 'FIN_WAIT2'],
    ['FIN-WAIT2', 'tcp', true, 'FIN_WAIT2'],
    ['FIN_WAIT_1', 'tcp', true, 'FIN_WAIT1'],
    ['TIME-WAIT', 'tcp', true, 'TIME_WAIT'],
    ['SYN_RCVD', 'tcp', true, 'SYN_RECV'],
    ['SYN_RECEIVED', 'tcp', true, 'SYN_RECV'],
    ['LISTENING', 'tcp', false, 'LISTEN'],
    ['listen', 'tcp', false, 'LISTEN'],
    ['CLOSED', 'tcp', false, 'CLOSE'],
    ['BOUND', 'tcp', false, 'BOUND'],
    ['SOMETHING', 'tcp', true, 'UNKNOWN'],
    ['', 'tcp', true, 'UNKNOWN'],
    ['UNCONN', 'udp', false, 'UNCONN'],
    ['', 'udp', false, 'UNCONN'],
    ['UNKNOWN', 'udp', false, 'UNCONN'],
    ['', 'udp', true, 'ESTABLISHED'],
    ['ESTAB', 'udp', true, 'ESTABLISHED'],
  ] as const)('maps %j (%s, peer %s) to %s', (raw, protocol, hasPeer, expected) => {
    expect(normalizeState(raw, protocol, hasPeer)).toBe(expected);
  });
});

describe('normalizeAddress', () => {
  it('strips brackets, lower-cases IPv6 and reads `*` as the wildcard of its family', () => {
    expect(normalizeAddress('[::1]', null, 6)).toEqual({ address: '::1', family: 6, wildcard: false });
    expect(normalizeAddress('[FE80::1%lo0]', null, 4)).toEqual({ address: 'fe80::1%lo0', family: 6, wildcard: false });
    expect(normalizeAddress('*', null, 6)).toEqual({ address: '::', family: 6, wildcard: true });
    expect(normalizeAddress('*', 4, 6)).toEqual({ address: '0.0.0.0', family: 4, wildcard: true });
    expect(normalizeAddress('0.0.0.0', null, 6)).toEqual({ address: '0.0.0.0', family: 4, wildcard: true });
  });

  it('keeps v4-mapped addresses, and restores them on tcp6 rows where netstat prints plain IPv4', () => {
    expect(normalizeAddress('[::ffff:127.0.0.1]', null, 6)).toEqual({ address: '::ffff:127.0.0.1', family: 6, wildcard: false });
    expect(normalizeAddress('127.0.0.1', 6, 6)).toEqual({ address: '::ffff:127.0.0.1', family: 6, wildcard: false });
  });

  it('keeps an address it cannot validate (netstat truncates long IPv6) with the protocol family', () => {
    expect(normalizeAddress('2001:db8:1234:5678:9abc:de', 6, 6)).toEqual({ address: '2001:db8:1234:5678:9abc:de', family: 6, wildcard: false });
  });
});

describe('systeminformation netstat path (recorded on Linux under the loopback load)', () => {
  const { rows, skipped } = normalizeSiRows(netstatPath, 'linux');

  it('normalizes every row, with numeric ports and keys from connectionKey', () => {
    expect(skipped).toBe(0);
    expect(rows).toHaveLength(netstatPath.length);
    for (const r of rows) {
      expect(Number.isInteger(r.localPort)).toBe(true);
      // Peerless rows name their owner in the key (normalizeSiRows); connected ones are their 4-tuple.
      expect(r.key).toBe(r.remoteAddress === null ? `${connectionKey(r)} @${r.owners[0]?.pid ?? '?'}` : connectionKey(r));
    }
  });

  it('restores the v4-mapped listener and its connections as IPv6 (netstat printed 127.0.0.1 on tcp6)', () => {
    const port = load.ports.main[0]?.mapped;
    const mapped = rows.filter((r) => r.localPort === port);
    expect(mapped.length).toBeGreaterThan(1);
    for (const r of mapped) {
      expect(r.family).toBe(6);
      expect(r.localAddress).toBe('::ffff:127.0.0.1');
    }
    expect(mapped.find((r) => r.state === 'LISTEN')).toMatchObject({ remoteAddress: null, remotePort: null, owners: [{ pid: load.servers[0] }] });
  });

  it('every row it reports is a row of ss, but it drops the unconnected UDP sockets', () => {
    const truthLines = truth.map(line);
    const ours = rows.map(line);
    for (const l of ours) expect(truthLines).toContain(l);
    const missing = truthLines.filter((l) => !ours.includes(l));
    expect(missing.length).toBe(load.ports.udp.length);
    expect(missing.every((l) => l.startsWith('udp UNCONN'))).toBe(true);
  });

  it('reports netstat\'s truncated names and a single owner of the shared listener (fixed by the Linux supplement)', () => {
    const shared = rows.filter((r) => r.localPort === load.ports.shared && r.state === 'LISTEN');
    expect(shared).toHaveLength(1);
    expect(shared[0]?.owners).toHaveLength(1);
    expect(rows.find((r) => r.owners[0]?.pid === load.servers[0])?.owners[0]?.name).toBe('pw-loadgen-se');
  });

  it('marks ownerless TIME_WAIT sockets as having no owner', () => {
    const tw = rows.filter((r) => r.state === 'TIME_WAIT');
    expect(tw.length).toBeGreaterThan(0);
    expect(tw.every((r) => r.ownerVisibility === 'none' && r.owners.length === 0)).toBe(true);
  });
});

describe('systeminformation ss path (recorded with netstat off PATH)', () => {
  const { rows, skipped } = normalizeSiRows(ssPath, 'linux');

  it('normalizes ss spellings: brackets, CLOSE-WAIT, IPv6 family from the address', () => {
    expect(skipped).toBe(0);
    expect(ssPath.some((r) => r.state === 'CLOSE-WAIT')).toBe(true);
    expect(rows.filter((r) => r.state === 'CLOSE_WAIT')).toHaveLength(2);
    expect(rows.some((r) => r.localAddress.includes('['))).toBe(false);
    const v6 = rows.filter((r) => r.localPort === load.ports.main[0]?.v6);
    expect(v6.length).toBeGreaterThan(1);
    expect(v6.every((r) => r.family === 6 && r.localAddress === '::1')).toBe(true);
    expect(rows.filter((r) => r.localPort === load.ports.main[0]?.mapped).every((r) => r.family === 6 && r.localAddress === '::ffff:127.0.0.1')).toBe(true);
  });

  it('every row it reports is a row of ss; FIN_WAIT2 and unconnected UDP are the ones dropped', () => {
    const truthLines = truth.map(line);
    const ours = rows.map(line);
    for (const l of ours) expect(truthLines).toContain(l);
    const missing = truthLines.filter((l) => !ours.includes(l));
    expect(missing.filter((l) => l.startsWith('tcp FIN_WAIT2'))).toHaveLength(2);
    expect(missing.filter((l) => l.startsWith('udp UNCONN'))).toHaveLength(load.ports.udp.length);
    expect(missing).toHaveLength(2 + load.ports.udp.length);
  });

  it('marks the space-named client\'s sockets hidden (si lost their pid), not blank', () => {
    const clientRows = truth.filter((r) => r.owners.some((o) => o.pid === load.clients[0]) && r.state === 'ESTABLISHED');
    expect(clientRows.length).toBeGreaterThan(0);
    for (const t of clientRows) {
      const ours = rows.find((r) => line(r) === line(t));
      expect(ours).toMatchObject({ owners: [], ownerVisibility: 'hidden' });
    }
  });

  it('agrees with the netstat path on every socket both paths keep', () => {
    const a = new Set(normalizeSiRows(netstatPath, 'linux').rows.map(line));
    const both = rows.map(line).filter((l) => a.has(l));
    expect(both.length).toBe(rows.length);
  });
});

describe('macOS shapes (si: `netstat -natvln`, addresses split on the last dot)', () => {
  const mac = (partial: Partial<SiConnectionRow>): Connection | null =>
    normalizeSiRow({ protocol: 'tcp4', localAddress: '127.0.0.1', localPort: '631', peerAddress: '*', peerPort: '*', state: 'LISTEN', pid: 210, process: 'cupsd', ...partial }, 'darwin');

  it('reads tcp4/tcp6/tcp46 rows and `*` wildcards', () => {
    expect(mac({})).toMatchObject({ protocol: 'tcp', family: 4, localAddress: '127.0.0.1', localPort: 631, remoteAddress: null, remotePort: null, state: 'LISTEN', owners: [{ pid: 210, name: 'cupsd' }], ownerVisibility: 'visible' });
    expect(mac({ protocol: 'tcp46', localAddress: '*', localPort: '5000', process: 'ControlCenter' })).toMatchObject({ family: 6, localAddress: '::', localPort: 5000 });
    expect(mac({ protocol: 'tcp4', localAddress: '*', localPort: '22' })).toMatchObject({ family: 4, localAddress: '0.0.0.0' });
    expect(mac({ protocol: 'tcp6', localAddress: 'fe80::1%lo0', localPort: '49152' })).toMatchObject({ family: 6, localAddress: 'fe80::1%lo0' });
  });

  it('reads connected rows, FIN_WAIT_2 spelling and UDP rows si labels UNKNOWN', () => {
    expect(mac({ localAddress: '192.168.1.20', localPort: '50123', peerAddress: '17.253.144.10', peerPort: '443', state: 'ESTABLISHED' })).toMatchObject({
      remoteAddress: '17.253.144.10',
      remotePort: 443,
      state: 'ESTABLISHED',
    });
    expect(mac({ localPort: '50124', peerAddress: '127.0.0.1', peerPort: '8080', state: 'FIN_WAIT_2' })?.state).toBe('FIN_WAIT2');
    expect(mac({ protocol: 'udp4', localAddress: '*', localPort: '5353', state: 'UNKNOWN', process: 'mDNSResponder' })).toMatchObject({ protocol: 'udp', state: 'UNCONN', remoteAddress: null });
  });

  it('marks a row without a pid hidden, or none in TIME_WAIT', () => {
    expect(mac({ pid: null })).toMatchObject({ owners: [], ownerVisibility: 'hidden' });
    expect(mac({ pid: Number.NaN, state: 'TIME_WAIT', peerAddress: '127.0.0.1', peerPort: '80' })).toMatchObject({ owners: [], ownerVisibility: 'none' });
  });
});

describe('Windows shapes (si: `netstat -nao`, brackets stripped, no process names)', () => {
  const win = (partial: Partial<SiConnectionRow>): Connection | null =>
    normalizeSiRow({ protocol: 'tcp', localAddress: '0.0.0.0', localPort: '135', peerAddress: '0.0.0.0', peerPort: '0', state: 'LISTEN', pid: 1044, process: '', ...partial }, 'win32');

  it('reads listeners with a 0.0.0.0:0 or [::]:0 peer as peerless', () => {
    expect(win({})).toMatchObject({ family: 4, localAddress: '0.0.0.0', remoteAddress: null, remotePort: null, state: 'LISTEN', owners: [{ pid: 1044, name: '' }] });
    expect(win({ localAddress: '::', peerAddress: '::' })).toMatchObject({ family: 6, localAddress: '::', remoteAddress: null });
  });

  it('reads UDP rows (no state word, peer *:*) as unconnected', () => {
    expect(win({ protocol: 'udp', localPort: '5353', peerAddress: '*', peerPort: '*', state: '' })).toMatchObject({ protocol: 'udp', state: 'UNCONN', remoteAddress: null, remotePort: null });
  });

  it('treats pid 0 (System Idle, TIME_WAIT) as no owner', () => {
    expect(win({ localAddress: '127.0.0.1', localPort: '50000', peerAddress: '127.0.0.1', peerPort: '80', state: 'TIME_WAIT', pid: 0 })).toMatchObject({ owners: [], ownerVisibility: 'none' });
  });
});

describe('rows that are not sockets', () => {
  it('returns null for unknown protocols and unparsable local ports', () => {
    const base: SiConnectionRow = { protocol: 'tcp', localAddress: '127.0.0.1', localPort: '80', peerAddress: '*', peerPort: '*', state: 'LISTEN', pid: 1, process: 'x' };
    expect(normalizeSiRow({ ...base, protocol: 'Proto' }, 'linux')).toBeNull();
    expect(normalizeSiRow({ ...base, localPort: 'Address' }, 'linux')).toBeNull();
    expect(normalizeSiRow({ ...base, localPort: '70000' }, 'linux')).toBeNull();
    expect(normalizeSiRows([base, { ...base, protocol: '' }], 'linux')).toMatchObject({ skipped: 1 });
  });

  it('drops a connected socket netstat printed twice, keeps repeated listeners (SO_REUSEPORT)', () => {
    const listen: SiConnectionRow = { protocol: 'tcp', localAddress: '127.0.0.1', localPort: '80', peerAddress: '0.0.0.0', peerPort: '*', state: 'LISTEN', pid: 1, process: 'a' };
    const conn: SiConnectionRow = { ...listen, localPort: '50000', peerAddress: '127.0.0.1', peerPort: '80', state: 'ESTABLISHED' };
    const result = normalizeSiRows([listen, { ...listen, pid: 2 }, conn, conn], 'linux');
    expect(result.duplicates).toBe(1);
    expect(result.rows.map((r) => [r.state, r.owners[0]?.pid])).toEqual([
      ['LISTEN', 1],
      ['LISTEN', 2],
      ['ESTABLISHED', 1],
    ]);
  });
});
