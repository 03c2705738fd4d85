// The macOS and Windows socket readers on real output captured on those systems (sources in
// tests/fixtures/macos/README.md and tests/fixtures/windows/README.md): systeminformation's own
// darwin/win32 code parses the captured netstat text (tests/support/si-replay.ts), then our
// si-source copy and core normalizer run on what it returned. Runs on every OS.
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/shared/model';
import { ConnectionTable } from '../../../src/main/core/diff';
import { endpointKey, normalizeSiRows, type SiPlatform } from '../../../src/main/core/normalize';
import { toSiConnectionRows } from '../../../src/main/node/si-source';
import { replaySi, SI_COMMANDS, type Capture } from '../../support/si-replay';
import type si from 'systeminformation';

type SiRows = si.Systeminformation.NetworkConnectionsData[];

function read(platform: 'darwin' | 'win32', captures: Record<string, Capture>): { commands: string[]; rows: Connection[]; skipped: number; duplicates: number } {
  const replay = replaySi<SiRows>(platform, 'networkConnections', captures);
  const normalized = normalizeSiRows(toSiConnectionRows(replay.result), platform satisfies SiPlatform);
  return { commands: replay.commands, ...normalized };
}

const macos = (file: string): Record<string, Capture> => ({ [SI_COMMANDS.darwinNetstat]: { file: `macos/${file}`, pipeline: 'head2-grep-inet' } });
const windows = (file: string): Record<string, Capture> => ({ [SI_COMMANDS.windowsNetstat]: { file: `windows/${file}` } });

/** One expected row; key and owners follow from the rest. */
function row(
  protocol: 'tcp' | 'udp',
  family: 4 | 6,
  local: [string, number],
  remote: [string, number] | null,
  state: Connection['state'],
  pid: number | null,
): Connection {
  const [localAddress, localPort] = local;
  const remoteAddress = remote?.[0] ?? null;
  const remotePort = remote?.[1] ?? null;
  // A peerless row's key names its owner (see normalizeSiRows).
  const owner = remote === null ? ` @${pid ?? '?'}` : '';
  const key = `${protocol}${family} ${localAddress} ${localPort} ${remoteAddress ?? '*'} ${remotePort ?? '*'}${owner}`;
  return {
    key,
    protocol,
    family,
    localAddress,
    localPort,
    remoteAddress,
    remotePort,
    state,
    owners: pid === null ? [] : [{ pid, name: '' }],
    ownerVisibility: pid === null ? 'none' : 'visible',
  };
}

describe('macOS: systeminformation darwin code on captured `netstat -anv` output', () => {
  it('Mojave (pid column): every row, IPv4 connected TCP in ESTABLISHED and CLOSE_WAIT with its pid', () => {
    const r = read('darwin', macos('netstat-vnp-tcp-mojave.txt'));
    // No `ps` capture from that machine: si asks, gets nothing, and leaves the name to our process lookup.
    expect(r.commands).toEqual([SI_COMMANDS.darwinNetstat, SI_COMMANDS.darwinPs]);
    expect(r.skipped).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(r.rows).toEqual([
      row('tcp', 4, ['192.168.1.191', 52044], ['31.13.66.35', 443], 'ESTABLISHED', 9811),
      row('tcp', 4, ['192.168.1.191', 52043], ['31.13.66.19', 443], 'ESTABLISHED', 9811),
      row('tcp', 4, ['192.168.1.191', 52041], ['140.82.114.26', 443], 'ESTABLISHED', 9811),
      row('tcp', 4, ['192.168.1.191', 52040], ['140.82.114.4', 443], 'CLOSE_WAIT', 9811),
      row('tcp', 4, ['192.168.1.191', 52039], ['140.82.114.4', 443], 'ESTABLISHED', 9811),
      row('tcp', 4, ['192.168.1.191', 52036], ['140.82.114.4', 443], 'CLOSE_WAIT', 9811),
      row('tcp', 4, ['192.168.1.191', 52032], ['151.101.201.7', 443], 'ESTABLISHED', 9811),
    ]);
  });

  it('Tahoe (`process:pid` column, a name with a space): the pid, not a buffer size', () => {
    const r = read('darwin', macos('netstat-anv-tahoe.txt'));
    expect(r.rows).toEqual([
      row('tcp', 4, ['127.0.0.1', 49515], ['127.0.0.1', 49472], 'ESTABLISHED', 22712),
      row('tcp', 4, ['127.0.0.1', 49510], ['127.0.0.1', 49513], 'ESTABLISHED', 22712),
    ]);
  });

  it('Sierra UDP (no state word): connected UDP sockets with their pid, as ESTABLISHED', () => {
    const r = read('darwin', macos('netstat-anv-p-udp-sierra.txt'));
    expect(r.rows).toEqual([
      row('udp', 4, ['192.168.11.160', 57110], ['172.217.12.232', 443], 'ESTABLISHED', 505),
      row('udp', 4, ['192.168.11.160', 50040], ['172.217.7.238', 443], 'ESTABLISHED', 505),
    ]);
  });
});

describe('Windows: systeminformation win32 code on captured `netstat -ano` output', () => {
  const r = read('win32', windows('netstat-nao-win10.txt'));
  const count = (p: (c: Connection) => boolean): number => r.rows.filter(p).length;

  it('reads all 208 sockets of the Windows 10 table (the header line is the one skipped row)', () => {
    // `chcp` is systeminformation asking the code page at load; it is not captured and it copes.
    expect(r.commands).toEqual(['chcp', SI_COMMANDS.windowsNetstat]);
    expect(r.skipped).toBe(1);
    expect(r.duplicates).toBe(0);
    expect(r.rows).toHaveLength(208);
    expect(count((c) => c.protocol === 'tcp' && c.family === 4 && c.state === 'LISTEN')).toBe(24);
    expect(count((c) => c.protocol === 'tcp' && c.family === 4 && c.state === 'ESTABLISHED')).toBe(32);
    expect(count((c) => c.protocol === 'tcp' && c.family === 6 && c.state === 'LISTEN')).toBe(15);
    expect(count((c) => c.protocol === 'udp' && c.family === 4 && c.state === 'UNCONN')).toBe(124);
    expect(count((c) => c.protocol === 'udp' && c.family === 6 && c.state === 'UNCONN')).toBe(13);
    expect(count((c) => c.ownerVisibility === 'visible' && c.owners.length === 1)).toBe(208);
  });

  it('listeners and connections of both families, loopback, and the System process (pid 4)', () => {
    const at = (i: number): Connection | undefined => r.rows[i];
    expect(at(0)).toEqual(row('tcp', 4, ['0.0.0.0', 135], null, 'LISTEN', 1712));
    expect(at(2)).toEqual(row('tcp', 4, ['0.0.0.0', 445], null, 'LISTEN', 4));
    expect(at(8)).toEqual(row('tcp', 4, ['127.0.0.1', 1031], ['127.0.0.1', 1032], 'ESTABLISHED', 10644));
    expect(at(9)).toEqual(row('tcp', 4, ['127.0.0.1', 1032], ['127.0.0.1', 1031], 'ESTABLISHED', 10644));
    expect(at(55)).toEqual(row('tcp', 4, ['192.168.255.1', 139], null, 'LISTEN', 4));
    expect(at(56)).toEqual(row('tcp', 6, ['::', 135], null, 'LISTEN', 1712));
    expect(at(69)).toEqual(row('tcp', 6, ['::1', 1025], null, 'LISTEN', 6088));
    expect(at(71)).toEqual(row('udp', 4, ['0.0.0.0', 53], null, 'UNCONN', 4808));
    expect(at(195)).toEqual(row('udp', 6, ['::', 5353], null, 'UNCONN', 3404));
    expect(at(205)).toEqual(row('udp', 6, ['::1', 52290], null, 'UNCONN', 8844));
    // Link-local addresses keep their zone index (the interface), as netstat printed them.
    expect(at(206)).toEqual(row('udp', 6, ['fe80::244e:2f1e:2096:62b2%9', 1900], null, 'UNCONN', 8844));
    expect(at(207)).toEqual(row('udp', 6, ['fe80::f5d1:8bf7:c410:e325%64', 52284], null, 'UNCONN', 8844));
  });

  it('41 UDP sockets on 0.0.0.0:5353 from three processes stay 41 rows with 41 distinct keys', () => {
    // The live table keeps one row per key: before repeats got their own keys, 53 of these 208
    // sockets shared a key with another and vanished from the table.
    expect(new Set(r.rows.map((c) => endpointKey(c))).size).toBe(155);
    expect(new Set(r.rows.map((c) => c.key)).size).toBe(208);
    const mdns = r.rows.filter((c) => c.protocol === 'udp' && c.localAddress === '0.0.0.0' && c.localPort === 5353);
    expect(mdns).toHaveLength(41);
    const byPid = new Map<number, number>();
    for (const c of mdns) byPid.set(c.owners[0]?.pid ?? 0, (byPid.get(c.owners[0]?.pid ?? 0) ?? 0) + 1);
    expect(Object.fromEntries(byPid)).toEqual({ 14156: 16, 27696: 24, 3404: 1 });
    // Told apart by owner, then by an ordinal among one owner's twins.
    expect(mdns.slice(0, 5).map((c) => c.key)).toEqual([
      'udp4 0.0.0.0 5353 * * @14156',
      'udp4 0.0.0.0 5353 * * @27696',
      'udp4 0.0.0.0 5353 * * @3404',
      'udp4 0.0.0.0 5353 * * @14156/2',
      'udp4 0.0.0.0 5353 * * @14156/3',
    ]);
    const table = new ConnectionTable({ closedRetentionMs: 0 });
    expect(table.apply(r.rows, 0).added).toHaveLength(208);
  });

  it('German state word: ABHÖREN is a listener', () => {
    expect(read('win32', windows('netstat-ano-de-line.txt')).rows).toEqual([row('tcp', 4, ['0.0.0.0', 8080], null, 'LISTEN', 42852)]);
  });

  it('Chinese-locale table: localized header skipped, TIME_WAIT with pid 0 has no owner', () => {
    const zh = read('win32', windows('netstat-ano-zh-cn.txt'));
    expect(zh.skipped).toBe(1);
    expect(zh.rows).toEqual([
      row('tcp', 4, ['127.0.0.1', 8411], ['127.0.0.1', 58296], 'TIME_WAIT', null),
      row('tcp', 4, ['127.0.0.1', 8411], ['127.0.0.1', 58298], 'TIME_WAIT', null),
    ]);
  });
});
