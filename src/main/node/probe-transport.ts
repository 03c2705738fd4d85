/**
 * The Node probe transport: TCP connect (node:net), DNS (a node:dns Resolver: A and AAAA as two
 * queries, never ANY), HTTP(S) without following redirects (node:http/https, phase times from
 * socket events) and TLS handshakes with certificate facts (node:tls). Every run is bounded by the
 * probe's time-out and by cancellation; failures are reported as outcomes, never thrown.
 */
import { Resolver } from 'node:dns/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { CancelToken, ProbeRunOptions, ProbeTransport, RawProbeOutcome } from '../core/probe-transport';
import type { DnsProbeSpec, HttpProbeSpec, HttpTimings, ProbeSpec, TcpProbeSpec, TlsDetails, TlsProbeSpec } from '../../shared/model';
import { parseHostPort } from '../../shared/net';

/** Options of {@link NodeProbeTransport}. */
export interface NodeProbeTransportOptions {
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots (a company CA, a test CA). */
  extraCa?: string[];
  /** At most this many body bytes are read for the substring check (default 1 MiB). */
  maxBodyBytes?: number;
  /** Wall clock for certificate expiry (epoch ms); injectable for tests. */
  now?: () => number;
}

const MS_PER_DAY = 86_400_000;

const round = (ms: number): number => Math.round(ms * 100) / 100;

function bracket(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function errorCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const record = error as { code?: unknown; errors?: unknown };
  if (typeof record.code === 'string') return record.code;
  // Happy-eyeballs connects fail with an AggregateError of one error per address.
  if (Array.isArray(record.errors)) {
    for (const inner of record.errors) {
      const code = errorCode(inner);
      if (code !== null) return code;
    }
  }
  return null;
}

function errorText(error: unknown): string {
  if (error instanceof Error && error.message !== '') return error.message;
  const code = errorCode(error);
  return code ?? String(error);
}

const CERT_ERRORS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain ends in an untrusted self-signed certificate',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is not signed by a trusted authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate issuer is not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate issuer is unknown',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is not valid for this host name',
  CERT_REVOKED: 'the certificate is revoked',
  CERT_UNTRUSTED: 'the certificate is not trusted',
  INVALID_CA: 'an issuer in the chain is not a valid authority',
  HOSTNAME_MISMATCH: 'the certificate is not valid for this host name',
};

/** A connection-level failure as a probe outcome, in words. */
function classifyNetError(error: unknown, where: string): RawProbeOutcome {
  const code = errorCode(error) ?? '';
  const fail = (outcome: RawProbeOutcome['outcome'], words: string): RawProbeOutcome => ({
    outcome,
    ok: false,
    latencyMs: null,
    message: `${words}${code !== '' ? ` (${code})` : ''}`,
  });
  switch (code) {
    case 'ECONNREFUSED':
      return fail('refused', `connection refused: nothing listens on ${where}`);
    case 'ETIMEDOUT':
      return fail('timeout', `connecting to ${where} timed out`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return fail('unreachable', `${where} is unreachable`);
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return fail('dns-error', `the host name in ${where} does not resolve`);
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return fail('dns-error', `the host name in ${where} could not be resolved right now`);
    case 'ECONNRESET':
      return fail('error', `the connection to ${where} was reset`);
    default:
      if (code in CERT_ERRORS) return fail('tls-invalid', CERT_ERRORS[code] ?? code);
      return { outcome: 'error', ok: false, latencyMs: null, message: `${where}: ${errorText(error)}` };
  }
}

/**
 * Runs `body` with a deadline: `finish` settles once (later calls are ignored), and the time-out or
 * a cancel settle it with their outcome. `cleanup` runs exactly once.
 */
function bounded(
  timeoutMs: number,
  cancel: CancelToken,
  onTimeout: () => RawProbeOutcome,
  body: (finish: (raw: RawProbeOutcome) => void) => () => void,
): Promise<RawProbeOutcome> {
  return new Promise((resolve) => {
    let done = false;
    let cleanup: (() => void) | null = null;
    let unsubscribe: () => void = () => undefined;
    const finish = (raw: RawProbeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      cleanup?.();
      resolve(raw);
    };
    const timer = setTimeout(() => finish(onTimeout()), timeoutMs);
    try {
      cleanup = body(finish);
    } catch (error) {
      finish({ outcome: 'error', ok: false, latencyMs: null, message: errorText(error) });
    }
    if (done) cleanup?.();
    unsubscribe = cancel.onCancel(() => finish({ outcome: 'timeout', ok: false, latencyMs: null, message: 'cancelled' }));
  });
}

function formatName(name: unknown): string | null {
  if (typeof name !== 'object' || name === null) return null;
  const parts = Object.entries(name as Record<string, unknown>).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`);
  return parts.length > 0 ? parts.join(', ') : null;
}

/** Certificate facts of a finished handshake. */
function tlsDetailsOf(socket: tls.TLSSocket, now: number): TlsDetails {
  const cert = socket.getPeerCertificate(true);
  const hasCert = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  const validTo = hasCert && typeof cert.valid_to === 'string' ? Date.parse(cert.valid_to) : NaN;
  const rawError = socket.authorizationError as unknown;
  const authorizationError = rawError === null || rawError === undefined ? null : rawError instanceof Error ? (errorCode(rawError) ?? rawError.message) : String(rawError);
  const issuerIsSelf = hasCert && cert.issuerCertificate !== undefined && cert.issuerCertificate.fingerprint256 === cert.fingerprint256;
  return {
    protocol: socket.getProtocol(),
    subject: hasCert ? formatName(cert.subject) : null,
    issuer: hasCert ? formatName(cert.issuer) : null,
    validTo: Number.isFinite(validTo) ? validTo : null,
    daysToExpiry: Number.isFinite(validTo) ? Math.floor((validTo - now) / MS_PER_DAY) : null,
    selfSigned: authorizationError === 'DEPTH_ZERO_SELF_SIGNED_CERT' || authorizationError === 'SELF_SIGNED_CERT_IN_CHAIN' || issuerIsSelf,
    authorized: socket.authorized,
    authorizationError,
    fingerprintSha256: hasCert && typeof cert.fingerprint256 === 'string' ? cert.fingerprint256 : null,
  };
}

/** A fingerprint as bare upper-case hex, so pins compare whatever their separators. */
const bareHex = (fingerprint: string): string => fingerprint.replace(/[^0-9a-f]/gi, '').toUpperCase();

/**
 * The problems of a handshake against a pinned certificate: the pin replaces the chain and name
 * checks (it names the one certificate to trust, self-signed or not), but an expired certificate is
 * still a problem, and any other certificate is a failure that says both fingerprints.
 */
function pinProblems(details: TlsDetails, pinned: string): string[] {
  const presented = details.fingerprintSha256;
  if (presented === null || bareHex(presented) !== bareHex(pinned)) {
    return [`the certificate does not match the pinned SHA-256 fingerprint (pinned ${pinned}, presented ${presented ?? 'none'})`];
  }
  if (details.daysToExpiry !== null && details.daysToExpiry < 0) return [`the pinned certificate expired ${-details.daysToExpiry} day(s) ago`];
  return [];
}

/** The certificate problems of a handshake in words, empty when it is valid. */
function certificateProblems(details: TlsDetails): string[] {
  // A trusted self-signed certificate (the user's own root) is fine.
  if (details.authorized) return [];
  const problems: string[] = [];
  if (details.authorizationError !== null) problems.push(CERT_ERRORS[details.authorizationError] ?? `certificate not accepted (${details.authorizationError})`);
  if (details.daysToExpiry !== null && details.daysToExpiry < 0 && details.authorizationError !== 'CERT_HAS_EXPIRED') {
    problems.push(`the certificate expired ${-details.daysToExpiry} day(s) ago`);
  }
  if (details.selfSigned && details.authorizationError !== 'DEPTH_ZERO_SELF_SIGNED_CERT') problems.push('the certificate is self-signed');
  return problems.length > 0 ? problems : ['the certificate is not trusted'];
}

/** Probes the network from Node. */
export class NodeProbeTransport implements ProbeTransport {
  private readonly ca: string[] | undefined;
  private readonly maxBodyBytes: number;
  private readonly now: () => number;

  constructor(options: NodeProbeTransportOptions = {}) {
    // Node's `ca` replaces the bundled roots, so extra authorities are appended to them.
    this.ca = options.extraCa && options.extraCa.length > 0 ? [...tls.rootCertificates, ...options.extraCa] : undefined;
    this.maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
    this.now = options.now ?? ((): number => Date.now());
  }

  /** Runs one probe; never rejects. */
  async run(spec: ProbeSpec, options: ProbeRunOptions): Promise<RawProbeOutcome> {
    try {
      switch (spec.kind) {
        case 'tcp':
          return await this.tcp(spec, options);
        case 'dns':
          return await this.dns(spec, options);
        case 'http':
          return await this.http(spec, options);
        case 'tls':
          return await this.tls(spec, options);
      }
    } catch (error) {
      return { outcome: 'error', ok: false, latencyMs: null, message: errorText(error) };
    }
  }

  private tcp(spec: TcpProbeSpec, { timeoutMs, cancel }: ProbeRunOptions): Promise<RawProbeOutcome> {
    const where = `${bracket(spec.host)}:${spec.port}`;
    return bounded(
      timeoutMs,
      cancel,
      () => ({ outcome: 'timeout', ok: false, latencyMs: null, message: `no answer from ${where} within ${timeoutMs} ms` }),
      (finish) => {
        const start = performance.now();
        let lookupDone: number | null = null;
        const socket = net.connect({ host: spec.host, port: spec.port });
        socket.once('lookup', () => {
          lookupDone ??= performance.now();
        });
        socket.once('connect', () => {
          // Connect time excludes name resolution: it is the latency of the service.
          const connectMs = round(performance.now() - (lookupDone ?? start));
          finish({ outcome: 'open', ok: true, latencyMs: connectMs, message: `port open: connected to ${where} in ${connectMs} ms` });
        });
        socket.on('error', (error) => finish(classifyNetError(error, where)));
        return () => socket.destroy();
      },
    );
  }

  private async dns(spec: DnsProbeSpec, { timeoutMs, cancel }: ProbeRunOptions): Promise<RawProbeOutcome> {
    const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
    if (spec.server !== null) {
      const parsed = parseHostPort(spec.server);
      if (!parsed.ok) return { outcome: 'error', ok: false, latencyMs: null, message: `server ${parsed.error}` };
      const host = bracket(parsed.host);
      resolver.setServers([parsed.port === null ? parsed.host : `${host}:${parsed.port}`]);
    }
    const types: Array<'A' | 'AAAA'> = spec.recordType === 'both' ? ['A', 'AAAA'] : [spec.recordType];
    const via = spec.server === null ? '' : ` via ${spec.server}`;
    return bounded(
      timeoutMs,
      cancel,
      () => ({ outcome: 'timeout', ok: false, latencyMs: null, message: `no DNS answer for ${spec.name}${via} within ${timeoutMs} ms` }),
      (finish) => {
        const start = performance.now();
        // One query per type, never ANY (which many servers refuse, RFC 8482).
        const queries = types.map((type) => (type === 'A' ? resolver.resolve4(spec.name) : resolver.resolve6(spec.name)));
        void Promise.allSettled(queries).then((settled) => {
          const latencyMs = round(performance.now() - start);
          const answers: string[] = [];
          const failures: Array<{ type: string; code: string | null; error: unknown }> = [];
          settled.forEach((item, index) => {
            if (item.status === 'fulfilled') answers.push(...item.value);
            else failures.push({ type: types[index] ?? '?', code: errorCode(item.reason), error: item.reason });
          });
          finish(dnsOutcome(spec, via, answers, failures, latencyMs));
        });
        return () => resolver.cancel();
      },
    );
  }

  private http(spec: HttpProbeSpec, { timeoutMs, cancel }: ProbeRunOptions): Promise<RawProbeOutcome> {
    const url = new URL(spec.url);
    const secure = url.protocol === 'https:';
    const where = url.host;
    const marks: { lookup: number | null; connect: number | null; secure: number | null; firstByte: number | null } = {
      lookup: null,
      connect: null,
      secure: null,
      firstByte: null,
    };
    let start = 0;
    const timings = (): HttpTimings => {
      const end = performance.now();
      const ready = marks.secure ?? marks.connect;
      return {
        dnsMs: marks.lookup === null ? null : round(marks.lookup - start),
        connectMs: marks.connect === null ? null : round(marks.connect - (marks.lookup ?? start)),
        tlsMs: marks.secure === null || marks.connect === null ? null : round(marks.secure - marks.connect),
        firstByteMs: marks.firstByte === null || ready === null ? null : round(marks.firstByte - ready),
        totalMs: round(end - start),
      };
    };
    return bounded(
      timeoutMs,
      cancel,
      () => ({
        outcome: 'timeout',
        ok: false,
        latencyMs: null,
        message:
          marks.connect === null
            ? `no connection to ${where} within ${timeoutMs} ms`
            : `connected to ${where}, but no complete HTTP response within ${timeoutMs} ms`,
        timings: timings(),
      }),
      (finish) => {
        start = performance.now();
        let tlsDetails: TlsDetails | undefined;
        const options: https.RequestOptions = {
          method: 'GET',
          // A fresh connection every run, so the phase times are real.
          agent: false,
          headers: { 'user-agent': 'portwatch-probe', accept: '*/*', connection: 'close' },
        };
        if (secure) {
          options.rejectUnauthorized = !spec.acceptInvalidCert;
          if (this.ca) options.ca = this.ca;
        }
        const request = (secure ? https : http).request(url, options);
        request.once('socket', (socket: net.Socket) => {
          socket.once('lookup', () => {
            marks.lookup ??= performance.now();
          });
          socket.once('connect', () => {
            marks.connect ??= performance.now();
          });
          socket.once('secureConnect', () => {
            marks.secure ??= performance.now();
            tlsDetails = tlsDetailsOf(socket as tls.TLSSocket, this.now());
          });
        });
        request.once('response', (response) => {
          marks.firstByte = performance.now();
          const status = response.statusCode ?? 0;
          const rawLocation = response.headers.location;
          const location = typeof rawLocation === 'string' ? rawLocation : null;
          const inRange = status >= spec.expectStatusMin && status <= spec.expectStatusMax;
          const chunks: Buffer[] = [];
          let size = 0;
          const conclude = (): void => {
            const body = Buffer.concat(chunks).toString('utf8');
            const t = timings();
            const base = { status, location, timings: t, latencyMs: t.totalMs, ...(tlsDetails ? { tls: tlsDetails } : {}) };
            const range = `${spec.expectStatusMin}–${spec.expectStatusMax}`;
            if (status >= 300 && status < 400) {
              const to = location === null ? 'without a Location header' : `to ${location}`;
              finish({ ...base, outcome: 'redirect', ok: inRange, message: `HTTP ${status} redirect ${to} (not followed${inRange ? '' : `; expected ${range}`})` });
            } else if (!inRange) {
              finish({ ...base, outcome: 'http-status', ok: false, message: `HTTP ${status}, expected ${range}` });
            } else if (spec.bodyContains !== null && !body.includes(spec.bodyContains)) {
              const read = size >= this.maxBodyBytes ? ` in the first ${this.maxBodyBytes} bytes` : '';
              finish({ ...base, outcome: 'body-mismatch', ok: false, message: `HTTP ${status}, but the body does not contain "${spec.bodyContains}"${read}` });
            } else {
              finish({ ...base, outcome: 'http-ok', ok: true, message: `HTTP ${status} in ${t.totalMs} ms` });
            }
          };
          response.on('data', (chunk: Buffer) => {
            if (size >= this.maxBodyBytes) return;
            chunks.push(chunk.subarray(0, this.maxBodyBytes - size));
            size += chunk.length;
            // Enough read: a huge or endless body must not hold the probe.
            if (size >= this.maxBodyBytes) conclude();
          });
          response.once('end', conclude);
          response.on('error', (error) => finish({ ...classifyNetError(error, where), status, timings: timings() }));
        });
        request.on('error', (error) => {
          const outcome = classifyNetError(error, where);
          finish({ ...outcome, timings: timings(), ...(tlsDetails ? { tls: tlsDetails } : {}) });
        });
        request.end();
        return () => request.destroy();
      },
    );
  }

  private tls(spec: TlsProbeSpec, { timeoutMs, cancel }: ProbeRunOptions): Promise<RawProbeOutcome> {
    const where = `${bracket(spec.host)}:${spec.port}`;
    let connectedAt: number | null = null;
    return bounded(
      timeoutMs,
      cancel,
      () => ({
        outcome: 'timeout',
        ok: false,
        latencyMs: null,
        message: connectedAt === null ? `no connection to ${where} within ${timeoutMs} ms` : `connected to ${where}, but no TLS handshake within ${timeoutMs} ms`,
      }),
      (finish) => {
        const start = performance.now();
        const servername = spec.sni ?? (isIP(spec.host) === 0 ? spec.host : undefined);
        // Verify ourselves after the handshake, so an invalid certificate is reported with its facts.
        const socket = tls.connect({
          host: spec.host,
          port: spec.port,
          rejectUnauthorized: false,
          ...(servername !== undefined ? { servername } : {}),
          ...(this.ca ? { ca: this.ca } : {}),
        });
        socket.once('connect', () => {
          connectedAt = performance.now();
        });
        socket.once('secureConnect', () => {
          const handshakeMs = round(performance.now() - (connectedAt ?? start));
          const details = tlsDetailsOf(socket, this.now());
          const pinned = spec.pinnedSha256 ?? null;
          const problems = pinned === null ? certificateProblems(details) : pinProblems(details, pinned);
          const facts = `${details.protocol ?? 'TLS'}, ${details.subject ?? 'no subject'}, ${details.daysToExpiry ?? '?'} day(s) to expiry`;
          if (problems.length === 0) {
            const trust = pinned === null ? '' : 'the certificate matches the pinned SHA-256 fingerprint; ';
            finish({ outcome: 'tls-ok', ok: true, latencyMs: handshakeMs, message: `handshake in ${handshakeMs} ms: ${trust}${facts}`, tls: details });
          } else {
            // When pinning this very certificate would make the probe pass, say how.
            const pinnable = pinned === null && details.fingerprintSha256 !== null && pinProblems(details, details.fingerprintSha256).length === 0;
            const hint = pinnable ? '; to trust this certificate, edit the probe and pin its fingerprint' : '';
            finish({ outcome: 'tls-invalid', ok: false, latencyMs: handshakeMs, message: `${problems.join('; ')} (${facts})${hint}`, tls: details });
          }
        });
        socket.on('error', (error) => {
          const outcome = classifyNetError(error, where);
          // A handshake that breaks (plain text server, protocol mismatch) is an error, in words.
          finish(connectedAt !== null && outcome.outcome === 'error' ? { ...outcome, message: `TLS handshake with ${where} failed: ${errorText(error)}` } : outcome);
        });
        return () => socket.destroy();
      },
    );
  }
}

/** The verdict of a DNS probe from its answers and per-type failures. */
function dnsOutcome(
  spec: DnsProbeSpec,
  via: string,
  answers: string[],
  failures: Array<{ type: string; code: string | null; error: unknown }>,
  latencyMs: number,
): RawProbeOutcome {
  const words = (code: string | null, error: unknown): string => {
    switch (code) {
      case 'ENOTFOUND':
        return 'name not found (NXDOMAIN)';
      case 'ENODATA':
        return 'no record of this type';
      case 'ETIMEOUT':
        return 'timed out';
      case 'ECONNREFUSED':
        return 'the server refused the connection (nothing listens there?)';
      case 'EREFUSED':
        return 'the server refused the query';
      case 'ESERVFAIL':
        return 'server failure (SERVFAIL)';
      case 'ECANCELLED':
        return 'cancelled';
      default:
        return errorText(error);
    }
  };
  const detail = failures.map((f) => `${f.type}: ${words(f.code, f.error)}`).join('; ');
  if (answers.length > 0) {
    return {
      outcome: 'resolved',
      ok: true,
      latencyMs,
      answers,
      message: `${spec.name} resolved${via} in ${latencyMs} ms: ${answers.join(', ')}${detail !== '' ? ` (${detail})` : ''}`,
    };
  }
  const codes = failures.map((f) => f.code);
  const outcome: RawProbeOutcome['outcome'] = codes.every((c) => c === 'ETIMEOUT')
    ? 'timeout'
    : codes.includes('ECONNREFUSED')
      ? 'refused'
      : 'dns-error';
  return { outcome, ok: false, latencyMs: outcome === 'timeout' ? null : latencyMs, answers: [], message: `${spec.name}${via}: ${detail}` };
}
