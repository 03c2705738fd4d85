/** A probe's target in a few words (the stand-in for an empty label); shared by the schema and the UI. */
import type { ProbeSpec } from './model';
import { isIPv6 } from './net';

/** `host` as it is written with a port: IPv6 in brackets. */
export function bracketHost(host: string): string {
  return isIPv6(host) ? `[${host}]` : host;
}

/** The target of a probe in a few words: `127.0.0.1:80`, `[::1]:443`, a URL, `example.com A+AAAA`. */
export function describeProbeTarget(spec: ProbeSpec): string {
  switch (spec.kind) {
    case 'tcp':
    case 'tls':
      return `${spec.kind} ${bracketHost(spec.host)}:${spec.port}`;
    case 'dns':
      return `dns ${spec.name} ${spec.recordType === 'both' ? 'A+AAAA' : spec.recordType}${spec.server === null ? '' : ` @${spec.server}`}`;
    case 'http':
      return spec.url;
  }
}
