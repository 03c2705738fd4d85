import { describe, expect, it } from 'vitest';
import { filterRows, matchesFilter, parseFilter } from '../../src/shared/filter';
import type { Connection } from '../../src/shared/model';
import { makeConnection } from '../support/connections';

const rows: Record<string, Connection> = {
  httpsListener: makeConnection({
    localAddress: '0.0.0.0',
    localPort: 443,
    state: 'LISTEN',
    owners: [{ pid: 100, name: 'nginx', user: 'www-data' }],
    service: { name: 'https', description: 'http protocol over TLS/SSL', port: 443, portClass: 'well-known', side: 'local' },
    exposure: 'all-interfaces',
  }),
  firefoxOut: makeConnection({
    localAddress: '192.0.2.10',
    localPort: 51234,
    remoteAddress: '198.51.100.7',
    remotePort: 443,
    state: 'ESTABLISHED',
    owners: [{ pid: 200, name: 'firefox' }],
    remoteHost: 'example.org',
    service: { name: 'https', description: 'http protocol over TLS/SSL', port: 443, portClass: 'well-known', side: 'remote' },
    change: 'new',
  }),
  dnsUdp: makeConnection({
    protocol: 'udp',
    family: 6,
    localAddress: '::1',
    localPort: 53,
    state: 'UNCONN',
    owners: [{ pid: 300, name: 'my resolver' }],
    exposure: 'loopback',
  }),
  timeWait: makeConnection({
    localAddress: '127.0.0.1',
    localPort: 3000,
    remoteAddress: '127.0.0.1',
    remotePort: 40000,
    state: 'TIME_WAIT',
    owners: [],
    ownerVisibility: 'none',
    change: 'closed',
  }),
};
const all = Object.values(rows);

function select(expression: string): string[] {
  const result = filterRows(expression, all);
  if (!result.ok) throw new Error(result.error);
  return Object.entries(rows)
    .filter(([, row]) => result.rows.includes(row))
    .map(([name]) => name);
}

describe('filter grammar: matching', () => {
  it.each([
    ['', ['httpsListener', 'firefoxOut', 'dnsUdp', 'timeWait']],
    ['port:443', ['httpsListener', 'firefoxOut']],
    ['lport:443', ['httpsListener']],
    ['rport:443', ['firefoxOut']],
    ['port:50000-60000', ['firefoxOut']],
    ['port:53,3000', ['dnsUdp', 'timeWait']],
    ['proc:fire', ['firefoxOut']],
    ['proc:"my resolver"', ['dnsUdp']],
    ['process:NGINX', ['httpsListener']],
    ['pid:100,300', ['httpsListener', 'dnsUdp']],
    ['state:listen', ['httpsListener']],
    ['state:time-wait', ['timeWait']],
    ['state:est', ['firefoxOut']],
    ['udp', ['dnsUdp']],
    ['tcp -state:listen', ['firefoxOut', 'timeWait']],
    ['ipv6', ['dnsUdp']],
    ['family:4 listening', ['httpsListener']],
    ['exposed', ['httpsListener']],
    ['exposure:loopback', ['dnsUdp']],
    ['host:example', ['firefoxOut']],
    ['service:https', ['httpsListener', 'firefoxOut']],
    ['user:www', ['httpsListener']],
    ['new', ['firefoxOut']],
    ['change:closed', ['timeWait']],
    ['!udp !tcp', []],
    ['firefox', ['firefoxOut']],
    ['198.51.100.7', ['firefoxOut']],
    ['::1', ['dnsUdp']],
    ['[::1]:53', ['dnsUdp']],
    ['127.0.0.1:3000', ['timeWait']],
    ['"time_wait"', ['timeWait']],
  ])('%j selects %j', (expression, expected) => {
    expect(select(expression)).toEqual(expected);
  });
});

describe('filter grammar: bad input', () => {
  it.each([
    ['port:http', /"http" is not a port/],
    ['port:70000', /is not a port/],
    ['port:90-80', /is not a port/],
    ['port:', /port: needs a value/],
    ['state:dancing', /"dancing" is not a socket state/],
    ['pid:abc', /"abc" is not a process id/],
    ['proto:sctp', /"sctp" is not a protocol/],
    ['family:5', /"5" is not an IP version/],
    ['colour:red', /unknown filter key "colour:"/],
    ['proc:"unterminated', /unterminated quote at column 6/],
    ['port:80,', /port: needs a value/],
  ])('%j gives a clear message', (expression, message) => {
    const parsed = parseFilter(expression);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error).toMatch(message);
      expect(parsed.position).toBeGreaterThanOrEqual(0);
    }
  });

  it('never throws on arbitrary input', () => {
    const samples = ['"', '::', '-', '!', ':', 'a:b:c', '""', '-""', 'port:-', '\u0000', '💥:💥', 'state:', 'x'.repeat(5000)];
    for (const sample of samples) {
      expect(() => parseFilter(sample)).not.toThrow();
    }
  });

  it('reports the column of the offending term', () => {
    const parsed = parseFilter('tcp port:99999');
    expect(parsed).toMatchObject({ ok: false, position: 4 });
  });

  it('a lone "-" is free text, not a negation of nothing', () => {
    const parsed = parseFilter('-');
    expect(parsed.ok && parsed.filter.terms).toEqual([{ kind: 'text', field: 'any', values: ['-'], negate: false }]);
    const ok = parseFilter('state:listen');
    expect(ok.ok && matchesFilter(ok.filter, rows.httpsListener as Connection)).toBe(true);
  });
});
