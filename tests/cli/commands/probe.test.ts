import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../support/cli';
import type { CliRun } from '../../support/cli';
import type { ProbeResult } from '../../../src/shared/model';
import { closedPort, dnsResponder, hostPort, httpServer, LOOPBACKS, makeTestCerts, silentServer, tcpServer, tlsServer } from '../../support/probe-servers';
import type { DnsResponder, Running } from '../../support/probe-servers';

const cli = (...args: string[]): Promise<CliRun> => runCliCaptured(['probe', ...args]);

describe.each(LOOPBACKS)('portwatch probe against %s', (host) => {
  let open: Running;
  let silent: Running;
  let web: Running;
  let secure: Running;
  let dns: DnsResponder;
  let closed: number;

  beforeAll(async () => {
    open = await tcpServer(host);
    silent = await silentServer(host);
    web = await httpServer(host);
    secure = await tlsServer(host, makeTestCerts().valid);
    dns = await dnsResponder(host, { 'svc.portwatch.test': { A: ['127.0.0.42'], AAAA: ['::1'] } });
    closed = await closedPort(host);
  });
  afterAll(async () => {
    await Promise.all([open.close(), silent.close(), web.close(), secure.close(), dns.close()]);
  });

  it('exits 0 for an open TCP port and says so', async () => {
    const result = await cli('tcp', hostPort(host, open.port));
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^tcp ${hostPort(host, open.port).replace(/[[\]]/g, '\\$&')}: up, open: port open: connected to .* in [\\d.]+ ms\\n$`));
    expect(result.err).toBe('');
  });

  it('exits 1 for a closed port with the outcome in words', async () => {
    const result = await cli('tcp', hostPort(host, closed));
    expect(result.code).toBe(1);
    expect(result.out).toBe(`tcp ${hostPort(host, closed)}: down, refused: connection refused: nothing listens on ${hostPort(host, closed)} (ECONNREFUSED)\n`);
  });

  it('prints the result as JSON with --json', async () => {
    const result = await cli('tcp', hostPort(host, open.port), '--json');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out) as ProbeResult;
    expect(parsed).toMatchObject({ probeId: 'cli', kind: 'tcp', outcome: 'open', ok: true, health: 'up', transition: 'up' });
  });

  it('reports HTTP status, redirect and phase times', async () => {
    const ok = await cli('http', `http://${hostPort(host, web.port)}/ok`, '--contains', 'portwatch');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/: up, http-ok: HTTP 200 in [\d.]+ ms\n {2}timings: connect [\d.]+ ms, first byte [\d.]+ ms, total [\d.]+ ms\n$/);
    const fail = await cli('http', `http://${hostPort(host, web.port)}/fail`);
    expect(fail.code).toBe(1);
    expect(fail.out).toContain(': down, http-status: HTTP 500, expected 200–399\n');
    const moved = await cli('http', `http://${hostPort(host, web.port)}/redirect`, '--expect', '200');
    expect(moved.code).toBe(1);
    expect(moved.out).toContain(': down, redirect: HTTP 302 redirect to /ok (not followed; expected 200–200)\n');
  });

  it('times out against a server that never answers, within --timeout', async () => {
    const result = await cli('http', `http://${hostPort(host, silent.port)}/`, '--timeout', '200');
    expect(result.code).toBe(1);
    expect(result.out).toContain(`: down, timeout: connected to ${hostPort(host, silent.port)}, but no complete HTTP response within 200 ms`);
  });

  it('reports a self-signed certificate as down, with its facts', async () => {
    const result = await cli('tls', hostPort(host, secure.port), '--sni', 'localhost');
    expect(result.code).toBe(1);
    expect(result.out).toContain(': down, tls-invalid: the certificate is self-signed (TLSv1.3, CN=localhost, ');
    expect(result.out).toMatch(/certificate: subject CN=localhost; issuer CN=localhost; TLSv1\.3; (29|30) day\(s\) to expiry; self-signed\n$/);
  });

  it('resolves a name through a given server', async () => {
    const result = await cli('dns', 'svc.portwatch.test', '--server', hostPort(host, dns.port), '--json');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out) as ProbeResult;
    expect([...(parsed.answers ?? [])].sort()).toEqual(['127.0.0.42', '::1']);
    const missing = await cli('dns', 'nope.portwatch.test', '--server', hostPort(host, dns.port), '--type', 'A');
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('down, dns-error: nope.portwatch.test via');
    expect(missing.out).toContain('A: name not found (NXDOMAIN)');
  });
});

describe('portwatch probe arguments', () => {
  it.each([
    [[], 'missing the probe kind: tcp, dns, http or tls'],
    [['icmp', 'x'], 'unknown probe kind "icmp" (tcp, dns, http or tls)'],
    [['tcp'], 'missing the target of the tcp probe'],
    [['tcp', 'localhost'], '"localhost" has no port (write host:port)'],
    [['tcp', '::1:80'], '"::1:80" has no port: write an IPv6 address with a port as [addr]:port'],
    [['tcp', '127.0.0.1:0'], 'port must be at least 1'],
    [['tcp', '127.0.0.1:http'], 'port must be a number'],
    [['tcp', 'bad!host:80'], 'host must be a host name, an IPv4 address or an IPv6 address'],
    [['tls', '[not-v6]:443'], 'host must be a host name, an IPv4 address or an IPv6 address'],
    [['tcp', '[::1]'], '"[::1]" has no port (write host:port)'],
    [['tcp', '127.0.0.1:80', 'extra'], 'unexpected argument "extra"'],
    [['tcp', '127.0.0.1:80', '--timeout', '50'], 'timeoutMs must be at least 100 ms'],
    [['tcp', '127.0.0.1:80', '--timeout', 'soon'], '--timeout must be a whole number, got "soon"'],
    [['tcp', '127.0.0.1:80', '--sni', 'x'], '--sni applies to tls probes only'],
    [['dns', 'example.com', '--type', 'ANY'], '--type must be A, AAAA or both, got "ANY"'],
    [['dns', 'example.com', '--server', 'dns.google'], 'server must be an IP address, optionally with :port (IPv6 as [addr]:port)'],
    [['http', 'ftp://example.com/'], 'url must start with http:// or https://'],
    [['http', 'http://example.com/', '--expect', '2xx'], '--expect must be a status or a range like 200-299, got "2xx"'],
    [['tls', '127.0.0.1:443', '--insecure'], '--insecure applies to http probes only'],
  ])('refuses %j with exit code 2: %s', async (args, message) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.err).toBe(`portwatch probe: ${message} (try: portwatch probe --help)\n`);
    expect(result.out).toBe('');
  });

  it('explains in its help that TCP connect time is the latency measure, not ICMP', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    expect(result.out).toContain('There is no ICMP ping');
    expect(result.out).toContain('Latency is the TCP connect time');
  });
});
