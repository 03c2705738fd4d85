import { describe, expect, it } from 'vitest';
import type { ProbeKind, ProbeSpec, TcpProbeSpec } from '../../src/shared/model';
import { defaultProbe, describeProbeTarget, placeProbe, probeFromConnection, validateProbe, validateProbeList } from '../../src/shared/probes';
import { LIMITS, validateArgs } from '../../src/shared/schemas';
import { makeConnection } from '../support/connections';

const base = { id: 'p1', label: 'probe', intervalMs: 10_000, timeoutMs: 2000, enabled: true, downAfter: 3, upAfter: 1 };
const tcp = { ...base, kind: 'tcp', host: 'example.com', port: 443 };
const dns = { ...base, kind: 'dns', name: 'example.com', recordType: 'both', server: null };
const http = { ...base, kind: 'http', url: 'https://example.com/health', expectStatusMin: 200, expectStatusMax: 299, bodyContains: null, acceptInvalidCert: false };
const tls = { ...base, kind: 'tls', host: 'example.com', port: 443, sni: null };

describe('validateProbe accepts', () => {
  it.each([
    ['a host name', tcp, { host: 'example.com' }],
    ['an IPv4 address', { ...tcp, host: '10.0.0.1' }, { host: '10.0.0.1' }],
    ['a bare IPv6 address', { ...tcp, host: '2001:db8::1' }, { host: '2001:db8::1' }],
    ['a bracketed IPv6 address (brackets dropped)', { ...tcp, host: '[::1]' }, { host: '::1' }],
    ['a host with spaces around it (trimmed)', { ...tcp, host: '  example.com ' }, { host: 'example.com' }],
    ['port 1 and interval 1 s', { ...tcp, port: 1, intervalMs: 1000, timeoutMs: 1000 }, { port: 1 }],
    ['port 65535 and interval 1 h', { ...tcp, port: 65535, intervalMs: 3_600_000 }, { port: 65535 }],
    ['a DNS server with a port', { ...dns, server: '127.0.0.1:5353' }, { server: '127.0.0.1:5353' }],
    ['a bracketed IPv6 DNS server with a port', { ...dns, server: '[::1]:5353' }, { server: '[::1]:5353' }],
    ['an empty DNS server as none', { ...dns, server: '' }, { server: null }],
    ['an http URL with an IPv6 host', { ...http, url: 'http://[::1]:8080/x' }, { url: 'http://[::1]:8080/x' }],
    ['an empty body substring as none', { ...http, bodyContains: '' }, { bodyContains: null }],
    ['an SNI name', { ...tls, sni: 'www.example.com' }, { sni: 'www.example.com' }],
    ['an empty SNI as none', { ...tls, sni: '  ' }, { sni: null }],
    [
      'a pinned fingerprint as openssl prints it (upper-cased, colons)',
      { ...tls, pinnedSha256: 'sha256 Fingerprint=ab:cd:' + 'ef:'.repeat(29) + '01' },
      { pinnedSha256: `AB:CD:${'EF:'.repeat(29)}01` },
    ],
    ['a pinned fingerprint without colons', { ...tls, pinnedSha256: 'a1'.repeat(32) }, { pinnedSha256: Array(32).fill('A1').join(':') }],
    ['an empty pin as none', { ...tls, pinnedSha256: ' ' }, { pinnedSha256: null }],
    ['an empty label, named after the target', { ...tcp, label: '' }, { label: 'tcp example.com:443' }],
  ])('%s', (_name, input, expected) => {
    const result = validateProbe(input, []);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value).toMatchObject(expected);
  });
});

describe('validateProbe refuses, naming the field', () => {
  it.each([
    ['not an object', null, 'a probe must be an object'],
    ['a list', [tcp], 'a probe must be an object'],
    ['no kind', { ...base }, 'kind is missing (tcp, dns, http or tls)'],
    ['an unknown kind', { ...base, kind: 'icmp' }, 'kind must be tcp, dns, http or tls'],
    ['a missing host and port', { ...base, kind: 'tcp' }, 'host is missing; port is missing'],
    ['an unknown field', { ...tcp, extra: 1 }, 'extra is not a field of a tcp probe'],
    ['a bad id', { ...tcp, id: '../x' }, 'id must be 1–64 letters, digits, "-" or "_"'],
    ['a long label', { ...tcp, label: 'x'.repeat(121) }, 'label must be at most 120 characters'],
    ['an empty host', { ...tcp, host: ' ' }, 'host is empty'],
    ['a bad host', { ...tcp, host: 'bad host!' }, 'host must be a host name, an IPv4 address or an IPv6 address'],
    ['a bad IPv4 address', { ...tcp, host: '300.1.1.1' }, 'host must be a host name, an IPv4 address or an IPv6 address'],
    ['a bad IPv6 address', { ...tcp, host: '[1::2::3]' }, 'host must be a host name, an IPv4 address or an IPv6 address'],
    ['port 0', { ...tcp, port: 0 }, 'port must be at least 1'],
    ['port 65536', { ...tcp, port: 65536 }, 'port must be at most 65535'],
    ['a fractional port', { ...tcp, port: 80.5 }, 'port must be a whole number'],
    ['a port as text', { ...tcp, port: '80' }, 'port must be a number'],
    ['an interval under 1 s', { ...tcp, intervalMs: 999, timeoutMs: 500 }, 'intervalMs must be at least 1000 ms'],
    ['an interval over 1 h', { ...tcp, intervalMs: 3_600_001 }, 'intervalMs must be at most 3600000 ms'],
    ['a time-out under 100 ms', { ...tcp, timeoutMs: 99 }, 'timeoutMs must be at least 100 ms'],
    ['a time-out over 60 s', { ...tcp, intervalMs: 120_000, timeoutMs: 60_001 }, 'timeoutMs must be at most 60000 ms'],
    ['a time-out longer than the interval', { ...tcp, intervalMs: 1000, timeoutMs: 1500 }, 'timeoutMs must not exceed intervalMs'],
    ['enabled as text', { ...tcp, enabled: 'yes' }, 'enabled must be true or false'],
    ['downAfter 0', { ...tcp, downAfter: 0 }, 'downAfter must be at least 1'],
    ['upAfter 21', { ...tcp, upAfter: 21 }, 'upAfter must be at most 20'],
    ['a bad DNS name', { ...dns, name: 'exa mple.com' }, 'name must be a DNS host name'],
    ['an empty DNS name', { ...dns, name: '' }, 'name is empty'],
    ['an ANY record type', { ...dns, recordType: 'ANY' }, 'recordType must be A, AAAA or both'],
    ['a DNS server that is a name', { ...dns, server: 'dns.example.com' }, 'server must be an IP address, optionally with :port (IPv6 as [addr]:port)'],
    ['a DNS server with a bad port', { ...dns, server: '127.0.0.1:99999' }, 'server must be an IP address, optionally with :port (IPv6 as [addr]:port)'],
    ['an ftp URL', { ...http, url: 'ftp://example.com/' }, 'url must start with http:// or https://'],
    ['a URL that does not parse', { ...http, url: 'not a url' }, 'url is not a valid URL (write http://host[:port]/path)'],
    ['an empty URL', { ...http, url: '' }, 'url is empty'],
    ['a status range upside down', { ...http, expectStatusMin: 300, expectStatusMax: 200 }, 'expectStatusMin must not be greater than expectStatusMax'],
    ['a status under 100', { ...http, expectStatusMin: 99 }, 'expectStatusMin must be at least 100'],
    ['acceptInvalidCert as a number', { ...http, acceptInvalidCert: 1 }, 'acceptInvalidCert must be true or false'],
    ['a long body substring', { ...http, bodyContains: 'x'.repeat(1001) }, 'bodyContains must be at most 1000 characters'],
    ['an SNI that is an address', { ...tls, sni: '10.0.0.1' }, 'sni must be a DNS host name'],
    ['a TLS port of 0', { ...tls, port: 0 }, 'port must be at least 1'],
    ['a pin that is too short', { ...tls, pinnedSha256: 'AB:CD' }, 'pinnedSha256 must be a SHA-256 fingerprint: 64 hex digits (32 bytes), colons allowed'],
    ['a pin that is not hex', { ...tls, pinnedSha256: 'zz'.repeat(32) }, 'pinnedSha256 must be a SHA-256 fingerprint: 64 hex digits (32 bytes), colons allowed'],
    ['a pin on a TCP probe', { ...tcp, pinnedSha256: null }, 'pinnedSha256 is not a field of a tcp probe'],
  ])('%s', (_name, input, message) => {
    expect(validateProbe(input, [])).toEqual({ ok: false, error: message });
  });

  it('refuses a duplicate id, unless replacing', () => {
    const existing = [validateProbe(tcp, []) as { ok: true; value: ProbeSpec }].map((r) => r.value);
    expect(validateProbe({ ...dns, id: 'p1' }, existing)).toEqual({ ok: false, error: 'id "p1" is already used by another probe' });
    expect(validateProbe({ ...dns, id: 'p1' }, existing, { replace: true }).ok).toBe(true);
  });

  it('refuses a probe beyond the maximum, but allows replacing one at the maximum', () => {
    const full = Array.from({ length: LIMITS.maxProbes }, (_, i) => ({ ...tcp, id: `p${i}` }) as ProbeSpec);
    expect(validateProbe({ ...tcp, id: 'new' }, full)).toEqual({ ok: false, error: `at most ${LIMITS.maxProbes} probes can be defined` });
    expect(validateProbe({ ...tcp, id: 'p0', port: 80 }, full, { replace: true }).ok).toBe(true);
    expect(validateProbeList([...full, { ...tcp, id: 'more' }])).toEqual({ ok: false, error: `at most ${LIMITS.maxProbes} probes can be defined (got ${LIMITS.maxProbes + 1})` });
  });

  it('never throws on hostile input', () => {
    for (const value of [undefined, 42, 'x', Symbol('s'), new Proxy({}, {}), { kind: { toString: null } }, Object.create(null)]) {
      expect(() => validateProbe(value, [])).not.toThrow();
      expect(validateProbe(value, []).ok).toBe(false);
    }
  });
});

describe('an empty label', () => {
  it('becomes the target, cut to the label limit so the saved probe validates again when read back', () => {
    const url = `http://example.com/${'a'.repeat(400)}`;
    const first = validateProbe({ ...http, url, label: '' });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.value.label).toBe(url.slice(0, LIMITS.labelMaxLength));
    expect(validateProbeList([first.value])).toEqual({ ok: true, value: [first.value] });
  });

  it('is filled in the same way through the API schema', () => {
    expect(validateArgs('saveProbe', [{ ...tcp, label: '' }])).toMatchObject({ ok: true, value: [{ label: 'tcp example.com:443' }] });
  });
});

describe('placeProbe', () => {
  it('appends a new probe, replaces one with the same id in its place, and refuses beyond the maximum', () => {
    const a = { ...tcp, id: 'a' } as TcpProbeSpec;
    const b = { ...tcp, id: 'b' } as TcpProbeSpec;
    expect(placeProbe(b, [a])).toEqual({ ok: true, value: [a, b] });
    expect(placeProbe({ ...a, port: 1 }, [a, b], { replace: true })).toEqual({ ok: true, value: [{ ...a, port: 1 }, b] });
    expect(placeProbe(a, [a, b])).toEqual({ ok: false, error: 'id "a" is already used by another probe' });
    const full = Array.from({ length: LIMITS.maxProbes }, (_, i) => ({ ...a, id: `p${i}` }));
    expect(placeProbe(a, full, { replace: true })).toEqual({ ok: false, error: `at most ${LIMITS.maxProbes} probes can be defined` });
  });
});

describe('defaultProbe', () => {
  it.each(['tcp', 'dns', 'http', 'tls'] as ProbeKind[])('gives a %s form that only lacks its target', (kind) => {
    const spec = defaultProbe(kind, 'fresh');
    expect(spec).toMatchObject({ id: 'fresh', kind, intervalMs: 30_000, timeoutMs: 5000, enabled: true, downAfter: 3, upAfter: 1 });
    const result = validateProbe(spec, []);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^(host|name|url) is empty$/);
  });
});

describe('probeFromConnection', () => {
  it.each([
    ['an outgoing connection probes the remote endpoint', { state: 'ESTABLISHED', localPort: 50_000, remoteAddress: '93.184.216.34', remotePort: 22 }, { kind: 'tcp', host: '93.184.216.34', port: 22, id: 'tcp-93_184_216_34-22' }],
    ['an IPv4 wildcard listener goes through 127.0.0.1', { localAddress: '0.0.0.0', localPort: 5432 }, { kind: 'tcp', host: '127.0.0.1', port: 5432, label: 'node 127.0.0.1:5432' }],
    ['an IPv6 wildcard listener goes through ::1', { family: 6, localAddress: '::', localPort: 5432 }, { kind: 'tcp', host: '::1', port: 5432, label: 'node [::1]:5432' }],
    ['a loopback listener stays on loopback', { localAddress: '127.0.0.53', localPort: 9000 }, { kind: 'tcp', host: '127.0.0.1', port: 9000 }],
    ['a v4-mapped wildcard listener goes through 127.0.0.1', { family: 6, localAddress: '::ffff:0.0.0.0', localPort: 22 }, { kind: 'tcp', host: '127.0.0.1' }],
    ['a listener on one address is probed there', { localAddress: '192.168.1.5', localPort: 22 }, { kind: 'tcp', host: '192.168.1.5', port: 22 }],
    ['port 80 becomes http', { localAddress: '0.0.0.0', localPort: 80 }, { kind: 'http', url: 'http://127.0.0.1/', acceptInvalidCert: false }],
    ['port 8080 becomes http with the port', { family: 6, localAddress: '::', localPort: 8080 }, { kind: 'http', url: 'http://[::1]:8080/' }],
    ['port 443 becomes https', { state: 'ESTABLISHED', localPort: 40_000, remoteAddress: '2001:db8::7', remotePort: 443, family: 6 }, { kind: 'http', url: 'https://[2001:db8::7]/', acceptInvalidCert: true }],
    ['port 8443 becomes https with the port', { localAddress: '127.0.0.1', localPort: 8443 }, { kind: 'http', url: 'https://127.0.0.1:8443/' }],
    [
      'the server side of a connection probes the local service',
      { state: 'ESTABLISHED', localAddress: '0.0.0.0', localPort: 22, remoteAddress: '10.0.0.9', remotePort: 51_000, service: { name: 'ssh', description: '', port: 22, portClass: 'well-known', side: 'local' } },
      { kind: 'tcp', host: '127.0.0.1', port: 22 },
    ],
    ['a UDP DNS server becomes a DNS probe', { protocol: 'udp', state: 'UNCONN', localAddress: '127.0.0.53', localPort: 53 }, { kind: 'dns', server: '127.0.0.1', recordType: 'both' }],
    ['an IPv6 UDP DNS server is asked on [addr]:53', { protocol: 'udp', family: 6, state: 'UNCONN', localAddress: '::', localPort: 53 }, { kind: 'dns', server: '[::1]:53' }],
    [
      'a UDP query to a remote DNS server probes that server',
      { protocol: 'udp', state: 'ESTABLISHED', localPort: 41_000, remoteAddress: '192.0.2.53', remotePort: 53, service: { name: 'domain', description: '', port: 53, portClass: 'well-known', side: 'remote' } },
      { kind: 'dns', server: '192.0.2.53', id: 'dns-192_0_2_53-53' },
    ],
    [
      'a UDP socket of the domain service on another port is asked on that port',
      { protocol: 'udp', state: 'UNCONN', localAddress: '127.0.0.1', localPort: 5300, service: { name: 'domain', description: '', port: 5300, portClass: 'registered', side: 'local' } },
      { kind: 'dns', server: '127.0.0.1:5300' },
    ],
  ] as const)('%s', (_name, partial, expected) => {
    const suggested = probeFromConnection(makeConnection(partial as Parameters<typeof makeConnection>[0]));
    if (!suggested.ok) throw new Error(suggested.error);
    expect(suggested.value).toMatchObject(expected);
    expect(validateProbe(suggested.value, []).ok).toBe(true);
  });

  it.each([
    ['a UDP listener on another port', { protocol: 'udp', state: 'UNCONN', localAddress: '0.0.0.0', localPort: 5353 }, 'UDP 127.0.0.1:5353'],
    ['a UDP listener on port 80 (no http over UDP)', { protocol: 'udp', state: 'UNCONN', localAddress: '127.0.0.1', localPort: 80 }, 'UDP 127.0.0.1:80'],
    ['an outgoing UDP flow to a non-DNS port', { protocol: 'udp', state: 'ESTABLISHED', localPort: 50_000, remoteAddress: '198.51.100.7', remotePort: 443 }, 'UDP 198.51.100.7:443'],
  ] as const)('refuses %s with the reason, never a TCP probe', (_name, partial, where) => {
    const suggested = probeFromConnection(makeConnection(partial as Parameters<typeof makeConnection>[0]));
    expect(suggested).toEqual({
      ok: false,
      error:
        `${where} cannot be probed: UDP has no connection handshake, so connecting to it proves nothing ` +
        '(a silent program and a closed port look the same). Portwatch probes UDP only for DNS servers, with a DNS query.',
    });
  });

  it('avoids ids already taken', () => {
    const connection = makeConnection({ localAddress: '0.0.0.0', localPort: 5432 });
    expect(probeFromConnection(connection, ['tcp-127_0_0_1-5432'])).toMatchObject({ ok: true, value: { id: 'tcp-127_0_0_1-5432-2' } });
  });
});

describe('describeProbeTarget', () => {
  it('names each kind of target', () => {
    const ok = (input: unknown): ProbeSpec => (validateProbe(input, []) as { ok: true; value: ProbeSpec }).value;
    expect(describeProbeTarget(ok({ ...tcp, host: '::1' }))).toBe('tcp [::1]:443');
    expect(describeProbeTarget(ok({ ...dns, server: '[::1]:53', recordType: 'AAAA' }))).toBe('dns example.com AAAA @[::1]:53');
    expect(describeProbeTarget(ok(http))).toBe('https://example.com/health');
  });
});
