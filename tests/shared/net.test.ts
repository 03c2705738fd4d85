import { describe, expect, it } from 'vitest';
import { formatEndpoint, isHostName, isIPv4, isIPv6, isLoopback, parseHostPort } from '../../src/shared/net';

describe('address recognition', () => {
  it.each(['127.0.0.1', '0.0.0.0', '255.255.255.255', '10.1.2.3'])('%s is IPv4', (a) => expect(isIPv4(a)).toBe(true));
  it.each(['256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4.5', 'a.b.c.d', ''])('%j is not IPv4', (a) => expect(isIPv4(a)).toBe(false));
  it.each(['::1', '::', 'fe80::1%eth0', '2001:db8::8a2e:370:7334', '::ffff:127.0.0.1', '1:2:3:4:5:6:7:8'])('%s is IPv6', (a) =>
    expect(isIPv6(a)).toBe(true),
  );
  it.each(['1:2:3:4:5:6:7:8:9', ':::', '1::2::3', 'g::1', '[::1]', '::ffff:999.0.0.1', 'fe80::1%'])('%j is not IPv6', (a) =>
    expect(isIPv6(a)).toBe(false),
  );
  it.each(['localhost', 'example.org', 'a-b.example', 'xn--bcher-kva.example', 'host.'])('%s is a host name', (h) => expect(isHostName(h)).toBe(true));
  it.each(['bad host', '-a.example', 'a-.example', 'a..b', '1.2.3.999', '', 'x'.repeat(64)])('%j is not a host name', (h) =>
    expect(isHostName(h)).toBe(false),
  );
  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '192.0.2.1'].some(isLoopback)).toBe(false);
  });
});

describe('endpoints', () => {
  it('formats IPv6 in brackets and wildcards as *', () => {
    expect(formatEndpoint('::1', 443)).toBe('[::1]:443');
    expect(formatEndpoint('127.0.0.1', 80)).toBe('127.0.0.1:80');
    expect(formatEndpoint(null, null)).toBe('*:*');
  });

  it.each([
    ['127.0.0.1:8080', { ok: true, host: '127.0.0.1', port: 8080 }],
    ['[::1]:443', { ok: true, host: '::1', port: 443 }],
    ['::1', { ok: true, host: '::1', port: null }],
    ['example.org', { ok: true, host: 'example.org', port: null }],
    ['localhost:1', { ok: true, host: 'localhost', port: 1 }],
  ])('parses %j', (text, expected) => expect(parseHostPort(text)).toEqual(expected));

  it.each([
    ['', /is empty/],
    ['host:0', /port "0" is not a number from 1 to 65535/],
    ['host:65536', /65535/],
    ['host:http', /port "http"/],
    ['[::1', /without a closing/],
    ['[::1]x', /not ":port"/],
    ['[nothex]:1', /is not an IPv6 address/],
    ['bad host:80', /"bad host" is not a host name or an IP address/],
  ])('rejects %j', (text, message) => {
    const parsed = parseHostPort(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });

  it('requires a port when asked', () => {
    expect(parseHostPort('example.org', true)).toEqual({ ok: false, error: '"example.org" has no port (write host:port)' });
  });
});
