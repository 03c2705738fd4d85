/**
 * Probe definitions on both sides of the bridge: validation (the renderer's form, the CLI and main
 * run the same schema, `probeSpecSchema`), the rules of the probe list, a sensible probe from a row
 * of the socket table, and defaults for new probes.
 */
import type { Connection, ProbeKind, ProbeSpec } from './model';
import { isIPv4, isIpLiteral, isLoopback, isWildcard, stripBrackets } from './net';
import { bracketHost as bracket } from './probe-target';
import { LIMITS, probeSpecSchema, validate } from './schemas';
import type { Validated } from './schemas';

export { describeProbeTarget } from './probe-target';

/** Defaults every new probe starts with. */
export const PROBE_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 5_000,
  downAfter: 3,
  upAfter: 1,
  expectStatusMin: 200,
  expectStatusMax: 399,
} as const;

/** Options of {@link validateProbe} and {@link placeProbe}. */
export interface ValidateProbeOptions {
  /**
   * True when saving over the probe with the same id (an edit): that probe neither counts as a
   * duplicate nor towards the maximum. False (default): the id must be new.
   */
  replace?: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The rules of the probe list for adding `spec` (or replacing the probe with its id): a new id must
 * be free unless `replace`, and the list holds at most `LIMITS.maxProbes`. Resolves to the new list
 * (a replaced probe keeps its place). The service applies it to the newest list inside its
 * serialized update; the form checks it against the list it shows.
 */
export function placeProbe(spec: ProbeSpec, existing: readonly ProbeSpec[], options: ValidateProbeOptions = {}): Validated<ProbeSpec[]> {
  const taken = existing.some((other) => other.id === spec.id);
  if (taken && options.replace !== true) return { ok: false, error: `id "${spec.id}" is already used by another probe` };
  if (!taken && existing.length >= LIMITS.maxProbes) return { ok: false, error: `at most ${LIMITS.maxProbes} probes can be defined` };
  return { ok: true, value: taken ? existing.map((other) => (other.id === spec.id ? spec : other)) : [...existing, spec] };
}

/**
 * Checks one probe definition with the probe schema (every field, messages naming the field; an
 * empty label becomes the target), then against the `existing` probes' ids and the maximum
 * ({@link placeProbe}). Never throws.
 */
export function validateProbe(input: unknown, existing: readonly ProbeSpec[] = [], options: ValidateProbeOptions = {}): Validated<ProbeSpec> {
  if (!isPlainObject(input)) return { ok: false, error: 'a probe must be an object' };
  const result = validate(probeSpecSchema, input);
  if (!result.ok) return result;
  const placed = placeProbe(result.value, existing, options);
  return placed.ok ? result : placed;
}

/**
 * Checks a whole list (the settings file): every probe, unique ids, the maximum.
 * All or nothing: one bad probe fails the list, with its position and id in the message.
 */
export function validateProbeList(input: unknown): Validated<ProbeSpec[]> {
  if (!Array.isArray(input)) return { ok: false, error: 'probes must be a list' };
  if (input.length > LIMITS.maxProbes) return { ok: false, error: `at most ${LIMITS.maxProbes} probes can be defined (got ${input.length})` };
  const accepted: ProbeSpec[] = [];
  for (const [index, item] of (input as unknown[]).entries()) {
    const result = validateProbe(item, accepted);
    if (!result.ok) {
      const id = isPlainObject(item) && typeof item.id === 'string' ? ` ("${item.id}")` : '';
      return { ok: false, error: `probe ${index + 1}${id}: ${result.error}` };
    }
    accepted.push(result.value);
  }
  return { ok: true, value: accepted };
}

/** A new probe of `kind` with default settings and empty target fields, for a form. */
export function defaultProbe(kind: ProbeKind, id = 'new-probe'): ProbeSpec {
  const base = {
    id,
    label: '',
    intervalMs: PROBE_DEFAULTS.intervalMs,
    timeoutMs: PROBE_DEFAULTS.timeoutMs,
    enabled: true,
    downAfter: PROBE_DEFAULTS.downAfter,
    upAfter: PROBE_DEFAULTS.upAfter,
  };
  switch (kind) {
    case 'tcp':
      return { ...base, kind, host: '', port: 80 };
    case 'dns':
      return { ...base, kind, name: '', recordType: 'both', server: null };
    case 'http':
      return {
        ...base,
        kind,
        url: '',
        expectStatusMin: PROBE_DEFAULTS.expectStatusMin,
        expectStatusMax: PROBE_DEFAULTS.expectStatusMax,
        bodyContains: null,
        acceptInvalidCert: false,
      };
    case 'tls':
      return { ...base, kind, host: '', port: 443, sni: null, pinnedSha256: null };
  }
}

const HTTP_PORTS: ReadonlyMap<number, 'http' | 'https'> = new Map([
  [80, 'http'],
  [8080, 'http'],
  [443, 'https'],
  [8443, 'https'],
]);

/** Where a local socket bound to `address` answers: loopback for wildcard and loopback binds. */
function localTarget(address: string, family: 4 | 6): string {
  const bare = stripBrackets(address);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  // A v6 socket bound to a v4-mapped address is reached over IPv4.
  if (mapped !== undefined) return isLoopback(mapped) || isWildcard(mapped) ? '127.0.0.1' : mapped;
  if (isWildcard(bare) || isLoopback(bare)) return family === 6 ? '::1' : '127.0.0.1';
  // A listener bound to one specific address is not reachable through loopback.
  return bare;
}

/** True when the row is the server side of a connection (someone connected to us). */
function isInbound(connection: Connection): boolean {
  if (connection.service) return connection.service.side === 'local';
  const remote = connection.remotePort ?? 0;
  // Without service information: a low local port talking to an ephemeral one is a server.
  return connection.localPort < 32_768 && remote >= 32_768;
}

function idFor(kind: ProbeKind, host: string, port: number, taken: ReadonlySet<string>): string {
  const stem = `${kind}-${host}-${port}`.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 56);
  if (!taken.has(stem)) return stem;
  for (let n = 2; n < 10_000; n += 1) {
    const candidate = `${stem}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
  return `${stem}-${taken.size + 1}`;
}

/** True when the chosen side of a UDP row is a DNS server: port 53, or a service named `domain`. */
function isDnsEndpoint(connection: Connection, port: number): boolean {
  if (port === 53) return true;
  const service = connection.service;
  return service !== null && service !== undefined && service.name === 'domain' && service.port === port;
}

/**
 * A sensible probe for a row of the socket table: a listener (or the server side of a connection)
 * is probed through loopback (its own address if bound to one specific address); an outgoing
 * connection probes its remote endpoint. Ports 80/8080 become http, 443/8443 https, everything
 * else on TCP a TCP connect. UDP has no handshake, so a "connect" proves nothing: a UDP DNS
 * endpoint (port 53, or the `domain` service) becomes a DNS query against it, and any other UDP
 * endpoint is refused with the reason, never turned into a TCP probe. Ids in `takenIds` are avoided.
 */
export function probeFromConnection(connection: Connection, takenIds: Iterable<string> = []): Validated<ProbeSpec> {
  const listener = connection.state === 'LISTEN' || connection.remoteAddress === null || connection.remotePort === null;
  const local = listener || isInbound(connection);
  const host = local
    ? localTarget(connection.localAddress, connection.family)
    : stripBrackets(connection.remoteAddress ?? connection.localAddress);
  const port = local ? connection.localPort : (connection.remotePort ?? connection.localPort);
  const taken = new Set(takenIds);
  const owner = connection.owners[0]?.name;
  const where = `${bracket(host)}:${port}`;
  const label = (owner !== undefined && local ? `${owner} ${where}` : where).slice(0, LIMITS.labelMaxLength);
  const base = {
    label,
    intervalMs: PROBE_DEFAULTS.intervalMs,
    timeoutMs: PROBE_DEFAULTS.timeoutMs,
    enabled: true,
    downAfter: PROBE_DEFAULTS.downAfter,
    upAfter: PROBE_DEFAULTS.upAfter,
  };
  if (connection.protocol === 'udp') {
    if (!isDnsEndpoint(connection, port) || !isIpLiteral(host)) {
      return {
        ok: false,
        error:
          `UDP ${where} cannot be probed: UDP has no connection handshake, so connecting to it proves nothing ` +
          '(a silent program and a closed port look the same). Portwatch probes UDP only for DNS servers, with a DNS query.',
      };
    }
    const server = isIPv4(host) ? (port === 53 ? host : `${host}:${port}`) : `[${host}]:${port}`;
    return {
      ok: true,
      value: { ...base, id: idFor('dns', host, port, taken), kind: 'dns', name: 'localhost', recordType: 'both', server },
    };
  }
  const scheme = HTTP_PORTS.get(port);
  if (scheme !== undefined) {
    const defaultPort = scheme === 'http' ? 80 : 443;
    return {
      ok: true,
      value: {
        ...base,
        id: idFor('http', host, port, taken),
        kind: 'http',
        url: `${scheme}://${bracket(host)}${port === defaultPort ? '' : `:${port}`}/`,
        expectStatusMin: PROBE_DEFAULTS.expectStatusMin,
        expectStatusMax: PROBE_DEFAULTS.expectStatusMax,
        bodyContains: null,
        // A certificate is almost never valid for a bare IP address: judge the service, not the name.
        acceptInvalidCert: scheme === 'https',
      },
    };
  }
  return { ok: true, value: { ...base, id: idFor('tcp', host, port, taken), kind: 'tcp', host, port } };
}
