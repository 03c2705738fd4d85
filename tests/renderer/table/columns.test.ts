import { describe, expect, it } from 'vitest';
import { COLUMNS, cellText, compareKeys, exportColumnsFor, formatAge, rowAsText, sortKey } from '../../../src/renderer/table/columns';
import { makeConnection } from '../../support/connections';

const row = makeConnection({
  family: 6,
  localAddress: '::1',
  localPort: 443,
  remoteAddress: '2001:db8::2',
  remotePort: 51000,
  state: 'ESTABLISHED',
  remoteHost: 'peer.example',
  service: { name: 'https', description: 'http protocol over TLS/SSL', port: 443, portClass: 'well-known', side: 'local' },
  owners: [{ pid: 7, name: 'caddy' }, { pid: 8, name: 'caddy' }],
  firstSeen: 1_000,
  change: 'changed',
});

describe('connection columns', () => {
  it('formats each cell the way people read it (bracketed IPv6, service by side, age)', () => {
    const now = 1_000 + 125_000;
    expect(COLUMNS.map((c) => cellText(row, c.id, now))).toEqual([
      '~ changed', 'tcp6', '[::1]:443', 'https', '[2001:db8::2]:51000', 'peer.example', '', 'ESTABLISHED', 'caddy', '7, 8', '', '2m',
    ]);
  });

  it('shows a listener’s missing remote end and a hidden owner in words', () => {
    const hidden = makeConnection({ owners: [], ownerVisibility: 'hidden' });
    expect(cellText(hidden, 'remote', 0)).toBe('—');
    expect(cellText(hidden, 'process', 0)).toBe('(another user)');
  });

  it('maps the on-screen columns to export columns in order, once each', () => {
    expect(exportColumnsFor(COLUMNS)).toEqual([
      'captured_at', 'change', 'protocol', 'local_address', 'local_port', 'local_service', 'remote_address', 'remote_port',
      'remote_host', 'remote_service', 'state', 'process_name', 'pid', 'forward', 'first_seen',
    ]);
  });

  it('copies a row as a header line and a tab-separated line', () => {
    expect(rowAsText(row, 61_000).split('\n')).toEqual([
      'Proto\tLocal address\tService\tRemote address\tRemote host\tRemote service\tState\tProcess\tPID\tForward\tAge',
      'tcp6\t[::1]:443\thttps\t[2001:db8::2]:51000\tpeer.example\t\tESTABLISHED\tcaddy\t7, 8\t\t1m',
    ]);
  });

  it('shows a forward as its target and tool, and sorts rows without one last', () => {
    const forwarded = makeConnection({
      localPort: 15432,
      forward: { kind: 'ssh-local', listenAddress: '127.0.0.1', listenPort: 15432, targetHost: 'db', targetPort: 5432, via: 'ssh -L 15432:db:5432' },
    });
    const socks = makeConnection({ forward: { kind: 'ssh-dynamic', listenAddress: '127.0.0.1', listenPort: 1080, targetHost: null, targetPort: null, via: 'ssh -D 1080' } });
    expect(cellText(forwarded, 'forward', 0)).toBe('→ db:5432 (ssh -L)');
    expect(cellText(socks, 'forward', 0)).toBe('→ SOCKS (any host) (ssh -D)');
    expect(cellText(row, 'forward', 0)).toBe('');
    expect(compareKeys(sortKey(forwarded, 'forward'), sortKey(row, 'forward'))).toBe(-1);
  });

  it('shortens ages to one unit', () => {
    expect([0, 59_999, 60_000, 3_599_999, 3_600_000, 86_400_000, -5].map(formatAge)).toEqual(['0s', '59s', '1m', '59m', '1h', '1d', '0s']);
  });
});
