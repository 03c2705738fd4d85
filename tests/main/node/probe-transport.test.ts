import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCancelSource } from '../../../src/main/core/probe-transport';
import type { RawProbeOutcome } from '../../../src/main/core/probe-transport';
import { NodeProbeTransport } from '../../../src/main/node/probe-transport';
import type { DnsProbeSpec, HttpProbeSpec, ProbeSpec, TcpProbeSpec, TlsProbeSpec } from '../../../src/shared/model';
import {
  backloggedServer,
  closedPort,
  dnsResponder,
  hostPort,
  httpServer,
  httpsServer,
  LOOPBACKS,
  makeTestCerts,
  silentDns,
  silentServer,
  tcpServer,
  tlsServer,
} from '../../support/probe-servers';
import type { DnsResponder, Running, TestCert } from '../../support/probe-servers';

const base = { label: 't', intervalMs: 10_000, enabled: true, downAfter: 1, upAfter: 1 };
const tcp = (host: string, port: number, timeoutMs = 3000): TcpProbeSpec => ({ ...base, id: 'tcp', timeoutMs, kind: 'tcp', host, port });
const tlsSpec = (host: string, port: number, sni: string | null, timeoutMs = 3000): TlsProbeSpec => ({ ...base, id: 'tls', timeoutMs, kind: 'tls', host, port, sni });
const httpSpec = (url: string, extra: Partial<HttpProbeSpec> = {}): HttpProbeSpec => ({
  ...base,
  id: 'http',
  timeoutMs: 3000,
  kind: 'http',
  url,
  expectStatusMin: 200,
  expectStatusMax: 399,
  bodyContains: null,
  acceptInvalidCert: false,
  ...extra,
});
const dnsSpec = (name: string, server: string, recordType: DnsProbeSpec['recordType'] = 'both', timeoutMs = 3000): DnsProbeSpec => ({
  ...base,
  id: 'dns',
  timeoutMs,
  kind: 'dns',
  name,
  recordType,
  server,
});

const transport = new NodeProbeTransport();
const run = (spec: ProbeSpec, t: NodeProbeTransport = transport): Promise<RawProbeOutcome> =>
  t.run(spec, { timeoutMs: spec.timeoutMs, cancel: createCancelSource().token });

let certs: { valid: TestCert; expired: TestCert };
beforeAll(() => {
  certs = makeTestCerts();
});

describe.each(LOOPBACKS)('probes against %s', (host) => {
  const servers: Running[] = [];
  let open: Running;
  let silent: Running;
  let web: Running;
  let secureWeb: Running;
  let tlsOk: Running;
  let tlsExpired: Running;
  let dns: DnsResponder;
  let dnsSilent: Running;
  let closed: number;
  const origin = (port: number, scheme = 'http'): string => `${scheme}://${hostPort(host, port)}`;

  beforeAll(async () => {
    open = await tcpServer(host);
    silent = await silentServer(host);
    web = await httpServer(host);
    secureWeb = await httpsServer(host, certs.valid);
    tlsOk = await tlsServer(host, certs.valid);
    tlsExpired = await tlsServer(host, certs.expired);
    dnsSilent = await silentDns(host);
    servers.push(open, silent, web, secureWeb, tlsOk, tlsExpired, dnsSilent);
    dns = await dnsResponder(host, { 'svc.portwatch.test': { A: ['127.0.0.42'], AAAA: ['::1'] }, 'v4only.portwatch.test': { A: ['127.0.0.7'], AAAA: [] } });
    closed = await closedPort(host);
  });
  afterAll(async () => {
    await Promise.all([...servers.map((s) => s.close()), dns.close()]);
  });

  describe('tcp', () => {
    it('reports an open port with its connect time', async () => {
      const result = await run(tcp(host, open.port));
      expect(result.outcome).toBe('open');
      expect(result.ok).toBe(true);
      expect(result.latencyMs).toBeGreaterThanOrEqual(0);
      expect(result.message).toContain(`port open: connected to ${hostPort(host, open.port)}`);
    });

    it('times out when the listener never completes the handshake (full accept queue)', async () => {
      const stuck = await backloggedServer(host);
      try {
        const result = await run(tcp(host, stuck.port, 300));
        expect(result).toEqual({ outcome: 'timeout', ok: false, latencyMs: null, message: `no answer from ${hostPort(host, stuck.port)} within 300 ms` });
      } finally {
        await stuck.close();
      }
    });

    it('reports a closed port as refused, in words', async () => {
      const result = await run(tcp(host, closed));
      expect(result).toEqual({
        outcome: 'refused',
        ok: false,
        latencyMs: null,
        message: `connection refused: nothing listens on ${hostPort(host, closed)} (ECONNREFUSED)`,
      });
    });
  });

  describe('http', () => {
    it('reports 200 with the phase times of a plain connection (no DNS for an IP, no TLS)', async () => {
      const result = await run(httpSpec(`${origin(web.port)}/ok`));
      expect(result.outcome).toBe('http-ok');
      expect(result.ok).toBe(true);
      expect(result.status).toBe(200);
      expect(result.location).toBeNull();
      expect(result.timings?.dnsMs).toBeNull();
      expect(result.timings?.tlsMs).toBeNull();
      expect(result.timings?.connectMs).toBeGreaterThanOrEqual(0);
      expect(result.timings?.firstByteMs).toBeGreaterThanOrEqual(0);
      expect(result.latencyMs).toBe(result.timings?.totalMs);
    });

    it('reports 500 as an unexpected status', async () => {
      const result = await run(httpSpec(`${origin(web.port)}/fail`));
      expect(result.outcome).toBe('http-status');
      expect(result.ok).toBe(false);
      expect(result.status).toBe(500);
      expect(result.message).toBe('HTTP 500, expected 200–399');
    });

    it('reports a redirect with its Location and does not follow it', async () => {
      const result = await run(httpSpec(`${origin(web.port)}/redirect`, { bodyContains: 'hello' }));
      expect(result.outcome).toBe('redirect');
      expect(result.status).toBe(302);
      expect(result.location).toBe('/ok');
      expect(result.ok).toBe(true);
      expect(result.message).toBe('HTTP 302 redirect to /ok (not followed)');
      const strict = await run(httpSpec(`${origin(web.port)}/redirect`, { expectStatusMax: 299 }));
      expect(strict.ok).toBe(false);
      expect(strict.message).toBe('HTTP 302 redirect to /ok (not followed; expected 200–299)');
    });

    it('checks the body for a substring', async () => {
      const match = await run(httpSpec(`${origin(web.port)}/ok`, { bodyContains: 'from portwatch' }));
      expect(match.outcome).toBe('http-ok');
      const mismatch = await run(httpSpec(`${origin(web.port)}/ok`, { bodyContains: 'not there' }));
      expect(mismatch.outcome).toBe('body-mismatch');
      expect(mismatch.ok).toBe(false);
      expect(mismatch.message).toBe('HTTP 200, but the body does not contain "not there"');
    });

    it('times out on a server that accepts and never answers', async () => {
      const result = await run(httpSpec(`${origin(silent.port)}/`, { timeoutMs: 300 }));
      expect(result.outcome).toBe('timeout');
      expect(result.message).toBe(`connected to ${hostPort(host, silent.port)}, but no complete HTTP response within 300 ms`);
    });

    it('reports a refused connection', async () => {
      const result = await run(httpSpec(`${origin(closed)}/`));
      expect(result.outcome).toBe('refused');
    });

    it('refuses a self-signed certificate unless told to accept it', async () => {
      const strict = await run(httpSpec(`${origin(secureWeb.port, 'https')}/ok`));
      expect(strict.outcome).toBe('tls-invalid');
      expect(strict.ok).toBe(false);
      expect(strict.message).toBe('the certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT)');
      const lenient = await run(httpSpec(`${origin(secureWeb.port, 'https')}/ok`, { acceptInvalidCert: true }));
      expect(lenient.outcome).toBe('http-ok');
      expect(lenient.timings?.tlsMs).toBeGreaterThanOrEqual(0);
      expect(lenient.tls?.selfSigned).toBe(true);
      expect(lenient.tls?.authorized).toBe(false);
    });

    it('accepts the certificate when its authority is trusted', async () => {
      const trusting = new NodeProbeTransport({ extraCa: [certs.valid.cert] });
      const result = await run(httpSpec(`${origin(secureWeb.port, 'https')}/ok`), trusting);
      expect(result.outcome).toBe('http-ok');
      expect(result.status).toBe(200);
    });
  });

  describe('tls', () => {
    const trusting = (): NodeProbeTransport => new NodeProbeTransport({ extraCa: [certs.valid.cert, certs.expired.cert] });

    it('reports a valid handshake with protocol, subject, issuer and days to expiry', async () => {
      const result = await run(tlsSpec(host, tlsOk.port, 'localhost'), trusting());
      expect(result.outcome).toBe('tls-ok');
      expect(result.ok).toBe(true);
      expect(result.tls).toMatchObject({
        protocol: 'TLSv1.3',
        subject: 'CN=localhost',
        issuer: 'CN=localhost',
        authorized: true,
        authorizationError: null,
        selfSigned: true,
      });
      expect([29, 30]).toContain(result.tls?.daysToExpiry);
    });

    it('reports an untrusted self-signed certificate as tls-invalid with its facts, not as an error', async () => {
      const result = await run(tlsSpec(host, tlsOk.port, null));
      expect(result.outcome).toBe('tls-invalid');
      expect(result.ok).toBe(false);
      expect(result.tls?.selfSigned).toBe(true);
      expect(result.tls?.authorizationError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(result.message.startsWith('the certificate is self-signed (TLSv1.3, CN=localhost, ')).toBe(true);
    });

    it('reports the presented certificate’s SHA-256 fingerprint and says how to trust it', async () => {
      const result = await run(tlsSpec(host, tlsOk.port, null));
      const fingerprint = new X509Certificate(certs.valid.cert).fingerprint256;
      expect(result.tls?.fingerprintSha256).toBe(fingerprint);
      expect(result.message.endsWith('; to trust this certificate, edit the probe and pin its fingerprint')).toBe(true);
    });

    it('is up for a self-signed certificate that matches the pin, without any trusted authority', async () => {
      const fingerprint = new X509Certificate(certs.valid.cert).fingerprint256;
      // The pin replaces the chain and the name checks: no SNI, no trusted CA, an IP address.
      const result = await run({ ...tlsSpec(host, tlsOk.port, null), pinnedSha256: fingerprint });
      expect(result.outcome).toBe('tls-ok');
      expect(result.ok).toBe(true);
      expect(result.message).toMatch(/^handshake in [\d.]+ ms: the certificate matches the pinned SHA-256 fingerprint; TLSv1\.3, CN=localhost, (29|30) day\(s\) to expiry$/);
      expect(result.tls).toMatchObject({ selfSigned: true, authorized: false, fingerprintSha256: fingerprint });
    });

    it('fails clearly on a certificate that does not match the pin, even one a trusted authority signed', async () => {
      const fingerprint = new X509Certificate(certs.valid.cert).fingerprint256;
      const other = new X509Certificate(certs.expired.cert).fingerprint256;
      const result = await run({ ...tlsSpec(host, tlsOk.port, 'localhost'), pinnedSha256: other }, trusting());
      expect(result.outcome).toBe('tls-invalid');
      expect(result.ok).toBe(false);
      expect(result.tls?.authorized).toBe(true);
      expect(result.message.startsWith(`the certificate does not match the pinned SHA-256 fingerprint (pinned ${other}, presented ${fingerprint}) (TLSv1.3, CN=localhost, `)).toBe(true);
      expect(result.message).not.toContain('to trust this certificate');
    });

    it('still fails a pinned certificate once it has expired, and offers no pin for an expired one', async () => {
      const fingerprint = new X509Certificate(certs.expired.cert).fingerprint256;
      const result = await run({ ...tlsSpec(host, tlsExpired.port, null), pinnedSha256: fingerprint });
      expect(result.outcome).toBe('tls-invalid');
      expect(result.message).toMatch(/^the pinned certificate expired \d+ day\(s\) ago \(/);
      const unpinned = await run(tlsSpec(host, tlsExpired.port, null));
      expect(unpinned.message).not.toContain('to trust this certificate');
    });

    it('reports an expired certificate as tls-invalid with negative days to expiry', async () => {
      const result = await run(tlsSpec(host, tlsExpired.port, 'localhost'), trusting());
      expect(result.outcome).toBe('tls-invalid');
      expect(result.tls?.authorizationError).toBe('CERT_HAS_EXPIRED');
      expect(result.tls?.daysToExpiry).toBeLessThan(0);
      expect(result.message).toContain('the certificate has expired');
      const untrusted = await run(tlsSpec(host, tlsExpired.port, 'localhost'));
      expect(untrusted.outcome).toBe('tls-invalid');
      expect(untrusted.message).toMatch(/the certificate (has expired|expired \d+ day\(s\) ago)/);
    });

    it('times out on a server that never answers the handshake', async () => {
      const result = await run(tlsSpec(host, silent.port, null, 300));
      expect(result.outcome).toBe('timeout');
      expect(result.message).toBe(`connected to ${hostPort(host, silent.port)}, but no TLS handshake within 300 ms`);
    });

    it('reports a closed port as refused', async () => {
      expect((await run(tlsSpec(host, closed, null))).outcome).toBe('refused');
    });

    it('reports a plain-text server as a failed handshake', async () => {
      const result = await run(tlsSpec(host, web.port, null));
      expect(result.outcome).toBe('error');
      expect(result.message).toContain(`TLS handshake with ${hostPort(host, web.port)} failed`);
    });
  });

  describe('dns', () => {
    const server = (): string => hostPort(host, dns.port);

    it('resolves both families with exactly one A and one AAAA query, never ANY', async () => {
      dns.queries.length = 0;
      const result = await run(dnsSpec('svc.portwatch.test', server()));
      expect(result.outcome).toBe('resolved');
      expect(result.ok).toBe(true);
      expect([...(result.answers ?? [])].sort()).toEqual(['127.0.0.42', '::1']);
      expect(dns.queries.map((q) => `${q.name}/${q.type}`).sort()).toEqual(['svc.portwatch.test/1', 'svc.portwatch.test/28']);
    });

    it('asks one type when told', async () => {
      dns.queries.length = 0;
      const result = await run(dnsSpec('svc.portwatch.test', server(), 'A'));
      expect(result.answers).toEqual(['127.0.0.42']);
      expect(dns.queries).toEqual([{ name: 'svc.portwatch.test', type: 1 }]);
    });

    it('reports a missing record type and an unknown name in words', async () => {
      const noAaaa = await run(dnsSpec('v4only.portwatch.test', server(), 'AAAA'));
      expect(noAaaa).toMatchObject({ outcome: 'dns-error', ok: false, message: `v4only.portwatch.test via ${server()}: AAAA: no record of this type` });
      const partial = await run(dnsSpec('v4only.portwatch.test', server(), 'both'));
      expect(partial.outcome).toBe('resolved');
      expect(partial.answers).toEqual(['127.0.0.7']);
      const missing = await run(dnsSpec('nope.portwatch.test', server(), 'both'));
      expect(missing.outcome).toBe('dns-error');
      expect(missing.message).toBe(`nope.portwatch.test via ${server()}: A: name not found (NXDOMAIN); AAAA: name not found (NXDOMAIN)`);
    });

    it('times out against a server that never answers', async () => {
      const result = await run(dnsSpec('svc.portwatch.test', hostPort(host, dnsSilent.port), 'A', 300));
      expect(result.outcome).toBe('timeout');
      expect(result.ok).toBe(false);
    });
  });

  it('settles at once when cancelled', async () => {
    const source = createCancelSource();
    const pending = transport.run(httpSpec(`${origin(web.port)}/hang`, { timeoutMs: 60_000 }), { timeoutMs: 60_000, cancel: source.token });
    setTimeout(() => source.cancel(), 20);
    expect(await pending).toEqual({ outcome: 'timeout', ok: false, latencyMs: null, message: 'cancelled' });
  });
});
