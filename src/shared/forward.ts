/**
 * How a port forward reads, in one place: the table's Forward column, the Ports view's branches
 * and the `forward` export column all use these, so a forward looks the same everywhere.
 */
import type { ForwardInfo } from './model';
import { formatEndpoint } from './net';

/** Short names of the forward kinds, as a user would recognise the tool. */
export const FORWARD_KIND_LABELS: Readonly<Record<ForwardInfo['kind'], string>> = {
  'ssh-local': 'ssh -L',
  'ssh-remote': 'ssh -R',
  'ssh-dynamic': 'ssh -D',
  socat: 'socat',
  'docker-proxy': 'docker-proxy',
  kubectl: 'kubectl port-forward',
  portproxy: 'netsh portproxy',
  relay: 'relay',
  nat: 'NAT rule',
};

/** Where the forward leads: `db:5432`, `[::1]:80`, a socket path, or `SOCKS (any host)`. */
export function forwardTarget(f: Pick<ForwardInfo, 'targetHost' | 'targetPort'>): string {
  if (f.targetHost === null) return 'SOCKS (any host)';
  if (f.targetPort === null) return f.targetHost;
  return formatEndpoint(f.targetHost, f.targetPort);
}

/** The table's short form: `→ db:5432 (ssh -L)`. */
export function forwardShort(f: ForwardInfo): string {
  return `→ ${forwardTarget(f)} (${FORWARD_KIND_LABELS[f.kind] ?? f.kind})`;
}

/**
 * The full form, for export and tooltips: `127.0.0.1:15432 -> db:5432 (ssh -L)`; an `ssh -R`
 * listener is on the server, which the listen side names.
 */
export function forwardLong(f: ForwardInfo): string {
  return `${formatEndpoint(f.listenAddress, f.listenPort)} -> ${forwardTarget(f)} (${FORWARD_KIND_LABELS[f.kind] ?? f.kind})`;
}
