import { describe, expect, it } from 'vitest';
import { FILTER_LIMITS, filterRows, matchesFilter, parseFilter } from '../../src/shared/filter';
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

describe('filter grammar: bounds', () => {
  const words = (n: number, prefix = 'w'): string => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(' ');

  it('refuses more terms than the limit, with how to write it instead, and accepts the limit itself', () => {
    // 400 one-letter terms fit within the length bound: the term bound refuses them.
    expect(parseFilter(Array(400).fill('x').join(' '))).toEqual({
      ok: false,
      error: 'the filter has 400 terms (at most 32); list alternatives in one term instead, e.g. port:80,443',
      position: 64,
    });
    const atLimit = parseFilter(words(FILTER_LIMITS.terms, '-x'));
    expect(atLimit.ok && atLimit.filter.terms).toHaveLength(32);
  });

  it('refuses an expression longer than the limit before reading it', () => {
    const long = `proc:${'a'.repeat(FILTER_LIMITS.length)}`;
    expect(parseFilter(long)).toEqual({ ok: false, error: `the filter is too long: ${long.length} characters (at most 1000)`, position: 1000 });
    expect(parseFilter(`proc:${'a'.repeat(FILTER_LIMITS.length - 5)}`).ok).toBe(true);
  });

  it('counts the values of every term: commas cannot smuggle in a thousand alternatives', () => {
    const ports = (n: number): string => Array.from({ length: n }, (_, i) => String(i + 1)).join(',');
    expect(parseFilter(`port:${ports(100)} pid:${ports(29)}`)).toEqual({ ok: false, error: 'the filter lists 129 values (at most 128)', position: 0 });
    expect(parseFilter(`port:${ports(100)} pid:${ports(28)}`).ok).toBe(true);
  });

  it('a bounded filter still filters: the same rows with many negated terms as with one', () => {
    const all = Object.values(rows);
    const one = filterRows('-nothing-matches-this', all);
    const many = filterRows(words(FILTER_LIMITS.terms, '-nothing-matches-'), all);
    expect(one.ok && one.rows).toEqual(all);
    expect(many.ok && many.rows).toEqual(all);
    const narrowed = filterRows('-nginx -firefox', all);
    expect(narrowed.ok && narrowed.rows.map((row) => row.owners[0]?.name)).not.toContain('nginx');
  });
});
