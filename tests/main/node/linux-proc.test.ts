import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeHexAddress, dropRepeats, formatIPv6, fullProcessName, parseProcNet, scanSocketOwners, type ProcSocket } from '../../../src/main/node/linux-proc';
import { parseSs, ssLine } from '../../support/ss';
import { onlyOn } from '../../support/platform';

const FIXTURES = join(__dirname, '../../fixtures/linux');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'latin1');

/** The four recorded tables, parsed as on this (little-endian) machine. */
function recordedRows(): ProcSocket[] {
  return [
    ...parseProcNet(fixture('proc-net-udp.txt'), 'udp', 4, true).rows,
    ...parseProcNet(fixture('proc-net-udp6.txt'), 'udp', 6, true).rows,
    ...parseProcNet(fixture('proc-net-tcp.txt'), 'tcp', 4, true).rows,
    ...parseProcNet(fixture('proc-net-tcp6.txt'), 'tcp', 6, true).rows,
  ];
}

describe('decodeHexAddress', () => {
  it('decodes little-endian IPv4 words', () => {
    expect(decodeHexAddress('0100007F', 4, true)).toBe('127.0.0.1');
    expect(decodeHexAddress('00000000', 4, true)).toBe('0.0.0.0');
    expect(decodeHexAddress('0100007F', 4, false)).toBe('1.0.0.127');
  });

  it('decodes IPv6 loopback, wildcard and the v4-mapped form', () => {
    expect(decodeHexAddress('00000000000000000000000001000000', 6, true)).toBe('::1');
    expect(decodeHexAddress('00000000000000000000000000000000', 6, true)).toBe('::');
    expect(decodeHexAddress('0000000000000000FFFF00000100007F', 6, true)).toBe('::ffff:127.0.0.1');
    expect(decodeHexAddress('00000000000000000000FFFF7F000001', 6, false)).toBe('::ffff:127.0.0.1');
  });

  it('rejects malformed hex', () => {
    expect(() => decodeHexAddress('0100007', 4, true)).toThrow('bad IPv4 address');
    expect(() => decodeHexAddress('zz', 6, true)).toThrow('bad IPv6 address');
  });
});

describe('formatIPv6 (RFC 5952)', () => {
  const bytes = (groups: number[]): number[] => groups.flatMap((g) => [g >> 8, g & 0xff]);
  it('compresses the longest zero run, the first on a tie, never a single group', () => {
    expect(formatIPv6(bytes([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]))).toBe('2001:db8::1');
    expect(formatIPv6(bytes([0xfe80, 0, 0, 1, 0, 0, 0, 1]))).toBe('fe80:0:0:1::1');
    expect(formatIPv6(bytes([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]))).toBe('2001:db8::1:0:0:1');
    expect(formatIPv6(bytes([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]))).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIPv6(bytes([1, 0, 0, 0, 0, 0, 0, 0]))).toBe('1::');
  });
});

describe('parseProcNet on recorded /proc/net tables', () => {
  it('reads every line of the recorded tables', () => {
    const lines = (name: string): number => fixture(name).trim().split('\n').length - 1;
    for (const [name, protocol, family] of [
      ['proc-net-tcp.txt', 'tcp', 4],
      ['proc-net-tcp6.txt', 'tcp', 6],
      ['proc-net-udp.txt', 'udp', 4],
      ['proc-net-udp6.txt', 'udp', 6],
    ] as const) {
      const parsed = parseProcNet(fixture(name), protocol, family, true);
      expect(parsed.skipped).toBe(0);
      expect(parsed.rows).toHaveLength(lines(name));
    }
  });

  it('equals `ss -tuanp` recorded at the same moment, row for row (endpoints and state)', () => {
    const ours = recordedRows().map((r) => ssLine({ ...r, owners: [] })).sort();
    const truth = parseSs(fixture('ss-tuanp.txt')).map((r) => ssLine({ ...r, owners: [] })).sort();
    expect(ours).toEqual(truth);
  });

  it('keeps what systeminformation drops: unconnected UDP, FIN_WAIT2, IPv6 and v4-mapped sockets', () => {
    const load = JSON.parse(fixture('load.json')) as { ports: { udp: { port: number; address: string }[]; main: { mapped: number }[] } };
    const rows = recordedRows();
    for (const u of load.ports.udp) {
      expect(rows).toContainEqual(expect.objectContaining({ protocol: 'udp', localAddress: u.address, localPort: u.port, remoteAddress: null, remotePort: null, state: 'UNCONN' }));
    }
    expect(rows.filter((r) => r.state === 'FIN_WAIT2')).toHaveLength(2);
    expect(rows.filter((r) => r.state === 'CLOSE_WAIT')).toHaveLength(2);
    const mapped = rows.find((r) => r.localPort === load.ports.main[0]?.mapped && r.state === 'LISTEN');
    expect(mapped).toMatchObject({ family: 6, localAddress: '::ffff:127.0.0.1', remoteAddress: null });
    expect(rows.filter((r) => r.state === 'TIME_WAIT').every((r) => r.inode === 0)).toBe(true);
    expect(rows.filter((r) => r.state === 'LISTEN').every((r) => r.inode > 0)).toBe(true);
  });

  it('skips lines it cannot read instead of throwing', () => {
    const text = `${fixture('proc-net-tcp.txt').split('\n')[0]}\n   0: garbage\n   1: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123 1\n`;
    const parsed = parseProcNet(text, 'tcp', 4, true);
    expect(parsed.skipped).toBe(1);
    expect(parsed.rows).toEqual([
      { protocol: 'tcp', family: 4, localAddress: '127.0.0.1', localPort: 80, remoteAddress: null, remotePort: null, state: 'LISTEN', uid: 0, inode: 123 },
    ]);
  });
});

describe('dropRepeats', () => {
  it('drops a connected socket read twice across read(2) calls, keeps peerless twins', () => {
    const listen = { protocol: 'tcp' as const, family: 4 as const, localAddress: '127.0.0.1', localPort: 80, remoteAddress: null, remotePort: null, state: 'LISTEN' as const, uid: 0, inode: 1 };
    const conn = { ...listen, localPort: 50_000, remoteAddress: '127.0.0.1', remotePort: 80, state: 'ESTABLISHED' as const, inode: 3 };
    expect(dropRepeats([listen, { ...listen, inode: 2 }, conn, { ...conn }])).toEqual([listen, { ...listen, inode: 2 }, conn]);
  });
});

describe('fullProcessName', () => {
  it('extends a 15-character comm from argv[0], keeping spaces and colons', () => {
    expect(fullProcessName('pw loadgen: cli', 'pw loadgen: client 0\0\0\0')).toBe('pw loadgen: client 0');
    expect(fullProcessName('pw-loadgen-serv', 'pw-loadgen-server-long-name\0')).toBe('pw-loadgen-server-long-name');
    expect(fullProcessName('systemd-resolve', '/lib/systemd/systemd-resolved\0')).toBe('systemd-resolved');
  });

  it('falls back to the executable name when argv[0] does not extend comm', () => {
    expect(fullProcessName('gnome-shell-cal', 'foo\0', '/usr/libexec/gnome-shell-calendar-server')).toBe('gnome-shell-calendar-server');
  });

  it('keeps a short comm (argv[0] may be a status text) and kernel threads', () => {
    expect(fullProcessName('sshd', 'sshd: root@pts/0\0')).toBe('sshd');
    expect(fullProcessName('node', '/usr/bin/node\0server.js\0')).toBe('node');
    expect(fullProcessName('kworker/0:1', '')).toBe('kworker/0:1');
  });
});

describe.skipIf(onlyOn('linux', 'reads /proc'))('scanSocketOwners', () => {
  it('maps the inode of a socket this process holds to this pid', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const row = parseProcNet(readFileSync('/proc/net/tcp', 'latin1'), 'tcp', 4).rows.find((r) => r.localPort === port && r.state === 'LISTEN');
      expect(row).toBeDefined();
      const { owners } = scanSocketOwners('/proc', new Set([row?.inode ?? -1]));
      expect(owners.get(row?.inode ?? -1)).toEqual([process.pid]);
      expect(owners.size).toBe(1);
    } finally {
      server.close();
    }
  });
});
