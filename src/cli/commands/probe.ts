/** `portwatch probe`: runs one probe once and exits 0 when the target is up. */
import { ProbeRunner } from '../../main/core/probe-runner';
import { NodeProbeTransport } from '../../main/node/probe-transport';
import { systemClock } from '../../main/node/system-clock';
import type { ProbeKind, ProbeResult, ProbeSpec } from '../../shared/model';
import { isIPv6 } from '../../shared/net';
import { PROBE_DEFAULTS, describeProbeTarget, validateProbe } from '../../shared/probes';
import { LIMITS } from '../../shared/schemas';
import { parseOptions, registerCommand, UsageError } from '../main';
import type { CliIo } from '../main';

const HELP = `Usage:
  portwatch probe tcp HOST:PORT            TCP connect: open, refused, timeout, unreachable
  portwatch probe dns NAME [--type A|AAAA|both] [--server HOST[:PORT]]
  portwatch probe http URL [--expect MIN-MAX] [--contains TEXT] [--insecure]
  portwatch probe tls HOST:PORT [--sni NAME]

Runs one probe once and prints the outcome. Exit code 0 when the target is up, 1 when it is not
(the outcome in words), 2 for bad arguments.

Options:
  --timeout MS     give up after MS milliseconds (${LIMITS.probeTimeoutMinMs}–${LIMITS.probeTimeoutMaxMs}, default ${PROBE_DEFAULTS.timeoutMs})
  --type T         dns: A, AAAA or both (default both: two queries, never ANY)
  --server S       dns: ask this server (IP[:port], IPv6 as [addr]:port) instead of the system's
  --expect R       http: accepted status range (default ${PROBE_DEFAULTS.expectStatusMin}-${PROBE_DEFAULTS.expectStatusMax}); redirects are reported, not followed
  --contains TEXT  http: the body must contain TEXT
  --insecure       http: accept an invalid or self-signed certificate
  --sni NAME       tls: server name to send (default: the host when it is a name)
  --json           print the result as JSON
  -h, --help       show this help

IPv6 addresses go in brackets with a port: [::1]:443.
Latency is the TCP connect time (DNS: resolution time; HTTP: total time; TLS: handshake time).
There is no ICMP ping: it needs privileges and a ping binary that may be missing, so a TCP connect
to a port that answers is the latency measure.
`;

const KINDS: readonly ProbeKind[] = ['tcp', 'dns', 'http', 'tls'];

/** Options that apply to one kind only, to refuse them elsewhere with a clear message. */
const ONLY_FOR: Record<string, ProbeKind> = { type: 'dns', server: 'dns', expect: 'http', contains: 'http', insecure: 'http', sni: 'tls' };

/**
 * Splits HOST:PORT ([v6]:PORT) into its parts without judging them: the host and the port are
 * checked by the probe schema with everything else, so a bad one reads as it does in the form and
 * the API ("host must be …", "port must be at most 65535").
 */
function endpoint(text: string): { host: string; port: number } {
  const input = text.trim();
  // `::1:80` is itself a valid IPv6 address: only brackets can say where the port starts.
  if (isIPv6(input)) throw new UsageError(`"${input}" has no port: write an IPv6 address with a port as [addr]:port`);
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(input);
  const colon = input.lastIndexOf(':');
  if (bracketed === null && (colon < 0 || input.startsWith('['))) throw new UsageError(`"${input}" has no port (write host:port)`);
  // Brackets kept: the schema accepts only an IPv6 address inside them, and removes them.
  const host = bracketed !== null ? `[${bracketed[1] ?? ''}]` : input.slice(0, colon);
  const portText = bracketed !== null ? (bracketed[2] ?? '') : input.slice(colon + 1);
  // Not digits: NaN, which the schema reports as "port must be a number".
  return { host, port: /^\d+$/.test(portText) ? Number(portText) : Number.NaN };
}

function wholeNumber(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`--${option} must be a whole number, got "${text}"`);
  return Number(text);
}

/** Builds the probe from the command line; throws UsageError for bad arguments. */
export function probeFromArgs(args: string[]): { spec: ProbeSpec; json: boolean } {
  const { values, positionals } = parseOptions(
    args,
    {
      timeout: { type: 'string' },
      type: { type: 'string' },
      server: { type: 'string' },
      expect: { type: 'string' },
      contains: { type: 'string' },
      insecure: { type: 'boolean' },
      sni: { type: 'string' },
      json: { type: 'boolean' },
    },
    true,
  );
  const [kindText, target, ...extra] = positionals;
  if (kindText === undefined) throw new UsageError('missing the probe kind: tcp, dns, http or tls');
  if (!(KINDS as readonly string[]).includes(kindText)) throw new UsageError(`unknown probe kind "${kindText}" (tcp, dns, http or tls)`);
  const kind = kindText as ProbeKind;
  if (target === undefined) throw new UsageError(`missing the target of the ${kind} probe`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0] ?? ''}"`);
  for (const [option, only] of Object.entries(ONLY_FOR)) {
    if (values[option as keyof typeof values] !== undefined && only !== kind) throw new UsageError(`--${option} applies to ${only} probes only`);
  }
  const timeoutMs = values.timeout === undefined ? PROBE_DEFAULTS.timeoutMs : wholeNumber(values.timeout, 'timeout');
  // One run only: the interval just has to satisfy the schema (time-out ≤ interval).
  const base = { id: 'cli', label: '', timeoutMs, intervalMs: LIMITS.probeTimeoutMaxMs, enabled: false, downAfter: 1, upAfter: 1 };
  let spec: ProbeSpec;
  switch (kind) {
    case 'tcp':
    case 'tls': {
      const { host, port } = endpoint(target);
      spec = kind === 'tcp' ? { ...base, kind, host, port } : { ...base, kind, host, port, sni: values.sni ?? null };
      break;
    }
    case 'dns': {
      const type = values.type ?? 'both';
      if (type !== 'A' && type !== 'AAAA' && type !== 'both') throw new UsageError(`--type must be A, AAAA or both, got "${type}"`);
      spec = { ...base, kind, name: target, recordType: type, server: values.server ?? null };
      break;
    }
    case 'http': {
      let min: number = PROBE_DEFAULTS.expectStatusMin;
      let max: number = PROBE_DEFAULTS.expectStatusMax;
      if (values.expect !== undefined) {
        const match = /^(\d{3})(?:-(\d{3}))?$/.exec(values.expect);
        if (!match) throw new UsageError(`--expect must be a status or a range like 200-299, got "${values.expect}"`);
        min = Number(match[1]);
        max = Number(match[2] ?? match[1]);
      }
      spec = {
        ...base,
        kind,
        url: target,
        expectStatusMin: min,
        expectStatusMax: max,
        bodyContains: values.contains ?? null,
        acceptInvalidCert: values.insecure === true,
      };
      break;
    }
  }
  // The one probe validator (the schema the API and the form use): the same message everywhere.
  const checked = validateProbe(spec);
  if (!checked.ok) throw new UsageError(checked.error);
  return { spec: checked.value, json: values.json === true };
}

function printResult(result: ProbeResult, spec: ProbeSpec, io: CliIo): void {
  const verdict = result.ok ? 'up' : 'down';
  const lines = [`${describeProbeTarget(spec)}: ${verdict}, ${result.outcome}: ${result.message}`];
  if (result.timings) {
    const t = result.timings;
    const part = (name: string, ms: number | null): string | null => (ms === null ? null : `${name} ${ms} ms`);
    const parts = [part('dns', t.dnsMs), part('connect', t.connectMs), part('tls', t.tlsMs), part('first byte', t.firstByteMs), part('total', t.totalMs)];
    lines.push(`  timings: ${parts.filter((p) => p !== null).join(', ')}`);
  }
  if (result.tls) {
    const d = result.tls;
    lines.push(`  certificate: subject ${d.subject ?? '?'}; issuer ${d.issuer ?? '?'}; ${d.protocol ?? '?'}; ${d.daysToExpiry ?? '?'} day(s) to expiry${d.selfSigned ? '; self-signed' : ''}`);
  }
  io.stdout.write(`${lines.join('\n')}\n`);
}

registerCommand('probe', {
  summary: 'probe a TCP port, a DNS name, an HTTP(S) URL or a TLS endpoint once',
  help: HELP,
  run: async (args, io) => {
    const { spec, json } = probeFromArgs(args);
    const runner = new ProbeRunner({ clock: systemClock, transport: new NodeProbeTransport(), maxConcurrent: 1, historyLength: 1 });
    try {
      runner.setProbes([spec]);
      const result = await runner.runNow(spec.id);
      if (json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else printResult(result, spec, io);
      return result.ok ? 0 : 1;
    } finally {
      runner.stop();
    }
  },
});
