/**
 * Normalizes the rows of `systeminformation.networkConnections()` into the contract's
 * {@link Connection}. systeminformation returns different spellings per OS and per code path
 * (Linux netstat vs ss, macOS netstat, Windows netstat): string ports, `*` wildcards, bracketed or
 * v4-mapped addresses, `CLOSE-WAIT` next to `CLOSE_WAIT`, `pid: null` although typed as a number.
 * Everything here is pure so it is tested on recorded real output.
 */
import { connectionKey } from '../../shared/key';
import type { Connection, IpFamily, OwnerVisibility, Protocol, SocketState } from '../../shared/model';
import { SOCKET_STATES } from '../../shared/model';
import { isIPv4, isIPv6, stripBrackets } from '../../shared/net';

/** One row as systeminformation returns it (its runtime shape, not its declared types). */
export interface SiConnectionRow {
  protocol: string;
  localAddress: string;
  localPort: string;
  peerAddress: string;
  peerPort: string;
  state: string;
  /** May be null or NaN at run time although systeminformation declares a number. */
  pid: number | null;
  process: string;
}

/** Which systeminformation code path produced the rows: address and state forms differ. */
export type SiPlatform = 'linux' | 'darwin' | 'win32' | 'other';

const KNOWN_STATES = new Set<string>(SOCKET_STATES);

/** Other spellings of the same state (ss, Windows, macOS, BSD), after upper-casing and `-` → `_`. */
const STATE_ALIASES: Readonly<Record<string, SocketState>> = {
  ESTAB: 'ESTABLISHED',
  SYN_RECEIVED: 'SYN_RECV',
  SYN_RCVD: 'SYN_RECV',
  FIN_WAIT_1: 'FIN_WAIT1',
  FIN_WAIT_2: 'FIN_WAIT2',
  LISTENING: 'LISTEN',
  CLOSED: 'CLOSE',
  DELETE_TCB: 'CLOSE',
};

/**
 * Maps any state word to the kernel spelling. UDP has no states: an empty or unknown word on a
 * UDP socket means unconnected (no peer) or connected (a peer).
 */
export function normalizeState(raw: string, protocol: Protocol, hasPeer: boolean): SocketState {
  const word = raw.trim().toUpperCase().replace(/-/g, '_');
  if (protocol === 'udp') {
    if (word === 'UNCONN' || word === 'CLOSE' || word === 'CLOSED') return hasPeer ? 'ESTABLISHED' : 'UNCONN';
    if (word === 'ESTAB' || word === 'ESTABLISHED') return 'ESTABLISHED';
    if (word === '' || word === 'UNKNOWN') return hasPeer ? 'ESTABLISHED' : 'UNCONN';
  }
  const alias = STATE_ALIASES[word];
  if (alias) return alias;
  if (word === '') return 'UNKNOWN';
  return KNOWN_STATES.has(word) ? (word as SocketState) : 'UNKNOWN';
}

/** Protocol and the family the protocol word implies (`tcp6`, `udp4`, `tcp46`…), if any. */
export function parseProtocol(raw: string): { protocol: Protocol; familyHint: IpFamily | null } | null {
  const m = /^(tcp|udp)(4|6|46)?$/.exec(raw.trim().toLowerCase());
  if (!m) return null;
  const protocol = m[1] as Protocol;
  const suffix = m[2];
  // tcp46 is a dual-stack AF_INET6 socket on macOS.
  const familyHint: IpFamily | null = suffix === undefined ? null : suffix === '4' ? 4 : 6;
  return { protocol, familyHint };
}

/** A normalized address with the family it was read as. */
export interface NormalizedAddress {
  /** null = wildcard peer. */
  address: string;
  family: IpFamily;
  wildcard: boolean;
}

/**
 * Normalizes one address as printed by a tool: strips brackets, turns `*` into the family's
 * wildcard, lower-cases IPv6, and restores the v4-mapped form netstat loses on `tcp6` rows
 * (`127.0.0.1` in a tcp6 row is `::ffff:127.0.0.1`).
 *
 * `starFamily` is the family a bare `*` stands for: ss prints `*` for a dual-stack `::` socket.
 */
export function normalizeAddress(raw: string, familyHint: IpFamily | null, starFamily: IpFamily): NormalizedAddress {
  const text = stripBrackets(raw.trim());
  if (text === '*' || text === '') {
    const family = familyHint ?? starFamily;
    return { address: family === 6 ? '::' : '0.0.0.0', family, wildcard: true };
  }
  if (isIPv4(text)) {
    if (familyHint === 6) return { address: text === '0.0.0.0' ? '::ffff:0.0.0.0' : `::ffff:${text}`, family: 6, wildcard: text === '0.0.0.0' };
    return { address: text, family: 4, wildcard: text === '0.0.0.0' };
  }
  const lower = text.toLowerCase();
  if (isIPv6(lower)) {
    return { address: lower, family: 6, wildcard: lower === '::' || lower === '::ffff:0.0.0.0' };
  }
  // Something we cannot validate (netstat without -W truncates long IPv6 addresses): keep it as
  // printed rather than drop the socket, and take the family from the protocol word.
  const family: IpFamily = familyHint ?? (lower.includes(':') ? 6 : 4);
  return { address: lower, family, wildcard: false };
}

/** Parses a port word: a number 0–65535, or null for `*`, empty or garbage. */
export function parsePort(raw: string): number | null {
  const text = raw.trim();
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

/**
 * Who owns a socket when the tool gave no pid: a TIME_WAIT socket (or an unconnected kernel one)
 * has no process; anything else has one we were not allowed to see.
 */
export function visibilityWithoutPid(state: SocketState): OwnerVisibility {
  return state === 'TIME_WAIT' || state === 'CLOSE' ? 'none' : 'hidden';
}

/**
 * Normalizes one systeminformation row. Returns null for a row that is not a socket (a header
 * line, an unknown protocol word, an unparsable local port).
 */
export function normalizeSiRow(row: SiConnectionRow, platform: SiPlatform): Connection | null {
  const proto = parseProtocol(String(row.protocol ?? ''));
  if (!proto) return null;
  // ss (Linux) prints `*` for a dual-stack `::` socket; elsewhere `*` on an unsuffixed row is IPv4.
  const starFamily: IpFamily = platform === 'linux' ? 6 : 4;
  const local = normalizeAddress(String(row.localAddress ?? ''), proto.familyHint, starFamily);
  const localPortRaw = String(row.localPort ?? '').trim();
  const localPort = localPortRaw === '*' ? 0 : parsePort(localPortRaw);
  if (localPort === null) return null;

  // The peer takes the local side's family: `0.0.0.0:*` on a tcp6 row would otherwise turn v4-mapped.
  const peer = normalizeAddress(String(row.peerAddress ?? ''), local.family, local.family);
  const peerPort = parsePort(String(row.peerPort ?? ''));
  const hasPeer = !peer.wildcard && peerPort !== null && peerPort !== 0;
  const remoteAddress = hasPeer ? peer.address : null;
  const remotePort = hasPeer ? peerPort : null;

  const state = normalizeState(String(row.state ?? ''), proto.protocol, hasPeer);
  const pid = typeof row.pid === 'number' && Number.isInteger(row.pid) && row.pid > 0 ? row.pid : null;
  const name = typeof row.process === 'string' ? row.process.trim() : '';

  const base = {
    protocol: proto.protocol,
    family: local.family,
    localAddress: local.address,
    localPort,
    remoteAddress,
    remotePort,
  };
  return {
    key: connectionKey(base),
    ...base,
    state,
    owners: pid === null ? [] : [{ pid, name }],
    ownerVisibility: pid === null ? visibilityWithoutPid(state) : 'visible',
  };
}

/**
 * Normalizes every row; `skipped` counts the rows that were not sockets, `duplicates` the repeated
 * connected sockets dropped. A connected socket's 4-tuple is unique, so a repeat is the tool's
 * artifact (netstat prints a line twice when the table changes under it). Peerless rows may
 * legitimately repeat (SO_REUSEPORT listeners, one UDP socket per interface: a captured Windows 10
 * table has 41 sockets on 0.0.0.0:5353 from three processes) and are kept. Without an inode they
 * would share one key, and the live table keeps one row per key, so a peerless row's key carries its
 * owner's pid (`@pid`, `@?` when hidden), and an ordinal from the second same-owner twin on
 * (`@pid/2`): with the pid, a twin coming, going or listed in another place moves no other owner's
 * key, and same-owner twins are alike in every field, so their order does not matter.
 */
export function normalizeSiRows(rows: readonly SiConnectionRow[], platform: SiPlatform): { rows: Connection[]; skipped: number; duplicates: number } {
  const out: Connection[] = [];
  const seen = new Set<string>();
  const peerless = new Map<string, number>();
  let skipped = 0;
  let duplicates = 0;
  for (const row of rows) {
    const c = normalizeSiRow(row, platform);
    if (!c) {
      skipped++;
      continue;
    }
    if (c.remoteAddress !== null) {
      if (seen.has(c.key)) {
        duplicates++;
        continue;
      }
      seen.add(c.key);
    } else {
      const owner = `${c.key} @${c.owners[0]?.pid ?? '?'}`;
      const n = (peerless.get(owner) ?? 0) + 1;
      peerless.set(owner, n);
      c.key = n === 1 ? owner : `${owner}/${n}`;
    }
    out.push(c);
  }
  return { rows: out, skipped, duplicates };
}

/** The endpoints of a socket as one string, without the inode (for matching across readers). */
export function endpointKey(c: Pick<Connection, 'protocol' | 'family' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'>): string {
  return connectionKey({ ...c, inode: undefined });
}
