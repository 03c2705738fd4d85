/**
 * Parser of iproute2 `ss -tuine state all exclude time-wait`: the kernel's per-socket TCP counters
 * (tcp_info: bytes acked/received, RTT, retransmits), the socket queues, and — with `-e` — the
 * socket's inode, owner uid and cgroup. The kernel hands all of it to any user through sock_diag,
 * for every user's sockets, so no root is needed (checked as user nobody; see
 * tests/fixtures/linux/ss-tuine-nobody.txt).
 *
 * What `ss` prints, and what this parser relies on (iproute2 misc/ss.c, checked on 6.1):
 * - One socket per line, `[Netid] State Recv-Q Send-Q Local:Port Peer:Port` then details:
 *   `[timer:(…)] [uid:N] ino:N sk:HEX [fwmark:…] [cgroup:PATH] [v6only:N] [<->|-->|<--|---]`.
 *   `uid:` is printed only when not 0, so with `-e` a missing uid means root.
 * - The tcp_info block follows on a continuation line starting with a tab (or on the same line
 *   with `-O`, which older iproute2 lacks; both forms parse).
 * - Counters are printed only when non-zero: a missing `bytes_received:` on a socket that has a
 *   tcp_info block means 0 — on a kernel that has the counter at all (bytes_acked and
 *   bytes_received since Linux 4.1, bytes_sent since 4.19: see {@link kernelByteCounters}).
 * - For a listener, Recv-Q is the accept queue (connections waiting for accept()) and Send-Q the
 *   backlog it was given; the kernel holds up to backlog + 1 before it drops SYNs.
 * - IPv6 addresses are bracketed, `*` is the dual-stack wildcard, `%dev` follows an address bound
 *   to a device.
 *
 * Hostile input: a cgroup path is a directory name, and a user with a delegated cgroup subtree
 * (systemd gives every user one) may put spaces, fake tokens and even newlines in it. So the path
 * is cut by position (after `sk:`, before the line's last shutdown marker), a record with more than
 * one continuation line loses its counters, and records that repeat an inode (or, without one,
 * the endpoints of a connected socket) are all dropped: a forged line cannot take over the counters
 * or the cgroup of a real socket, whose own line is in the same output.
 */
import type { Connection, IpFamily, Protocol, SocketState } from '../../shared/model';
import { endpointKey, normalizeAddress, normalizeState, parsePort, type NormalizedAddress } from './normalize';

/** Kernel TCP counters of one socket (from its tcp_info). */
export interface TcpCounters {
  /**
   * Bytes the peer acknowledged (tcpi_bytes_acked; it counts the SYN and FIN as one byte each),
   * or bytes sent when only that is known; null on a kernel without byte counters.
   */
  bytesSent: number | null;
  /** Bytes received (tcpi_bytes_received); null on a kernel without byte counters. */
  bytesReceived: number | null;
  /** Smoothed round-trip time, ms; null when the kernel has no estimate yet. */
  rttMs: number | null;
  /** Its variation, ms. */
  rttVarMs: number | null;
  /** Segments retransmitted over the socket's life (tcpi_total_retrans). */
  retransmits: number;
}

/** One socket as `ss -tuin[e]` reports it. */
export interface SsSocket {
  protocol: Protocol;
  family: IpFamily;
  state: SocketState;
  localAddress: string;
  localPort: number;
  /** null = no peer (a listener, an unconnected UDP socket). */
  remoteAddress: string | null;
  remotePort: number | null;
  /** Bytes waiting to be read; for a listener, connections waiting to be accepted. */
  recvQueue: number;
  /** Bytes not yet acknowledged; for a listener, its backlog. */
  sendQueue: number;
  /** Socket inode; 0 for a socket no file refers to yet (accepted by the kernel, not by the program); null without `-e`. */
  inode: number | null;
  /** Owner uid of the socket; null without `-e`. */
  uid: number | null;
  /** The cgroup (v2) the socket was created in, e.g. `/system.slice/nginx.service`; null when not printed. */
  cgroup: string | null;
  /** null for UDP and for TCP sockets without a tcp_info block. */
  tcp: TcpCounters | null;
}

/** Which byte counters the running kernel has (by its release, e.g. `6.1.0-13-amd64`). */
export interface ByteCounterSupport {
  /** tcpi_bytes_acked and tcpi_bytes_received: Linux 4.1+. */
  ackedReceived: boolean;
  /** tcpi_bytes_sent: Linux 4.19+. */
  sent: boolean;
}

/** The byte counters a kernel of this release has; an unreadable release is taken as modern. */
export function kernelByteCounters(release: string): ByteCounterSupport {
  const m = /^(\d+)\.(\d+)/.exec(release.trim());
  if (!m) return { ackedReceived: true, sent: true };
  const version = Number(m[1]) * 1000 + Number(m[2]);
  return { ackedReceived: version >= 4001, sent: version >= 4019 };
}

/** Options of {@link parseSsInfo}. */
export interface ParseSsOptions {
  /** Protocol of lines without a Netid column (when only one of -t/-u was given). Default tcp. */
  protocol?: Protocol;
  /** What the kernel has; default: everything (a modern kernel). */
  counters?: ByteCounterSupport;
}

/** The result of {@link parseSsInfo}. */
export interface SsParseResult {
  sockets: SsSocket[];
  /** Lines that were not sockets nor continuation lines (counted, never thrown). */
  skipped: number;
  /** Records dropped because their inode or endpoints repeated, or they had two info lines. */
  suspicious: number;
}

const NETIDS = new Set(['tcp', 'udp']);
const SHUTDOWN_MARKERS = new Set(['<->', '-->', '<--', '---']);

interface Pending {
  socket: SsSocket;
  /** Info lines seen: the socket line's own tail (`-O`) and continuation lines. */
  infoLines: number;
  info: string | null;
}

/** Splits a line into whitespace-separated tokens with their start offsets (no regex split: hot path). */
function tokens(line: string, max: number): { words: string[]; ends: number[] } {
  const words: string[] = [];
  const ends: number[] = [];
  let i = 0;
  const n = line.length;
  while (i < n && words.length < max) {
    let c = line.charCodeAt(i);
    while (i < n && (c === 32 || c === 9)) c = line.charCodeAt(++i);
    if (i >= n) break;
    const start = i;
    while (i < n && c !== 32 && c !== 9) c = line.charCodeAt(++i);
    words.push(line.slice(start, i));
    ends.push(i);
  }
  return { words, ends };
}

/** `127.0.0.1:80`, `[::1]:80`, `*:*`, `127.0.0.53%lo:53`, `[fe80::1]%eth0:22` → address text and port. */
function splitEndpoint(text: string): { address: string; port: string } | null {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  let address = text.slice(0, colon);
  const percent = address.indexOf('%');
  // A device suffix follows the address (after the bracket for IPv6).
  if (percent >= 0 && (!address.startsWith('[') || address.indexOf(']') < percent)) address = address.slice(0, percent);
  return { address, port: text.slice(colon + 1) };
}

/** A non-negative integer token value, or null (a char loop: this runs several times per socket). */
function uint(text: string): number | null {
  const n = text.length;
  if (n === 0 || n > 20) return null;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/** Where ` key:` starts a token in `line` (at its start or after a blank), searching from `from`; -1 when absent. */
function tokenAt(line: string, key: string, from = 0): number {
  let at = line.indexOf(key, from);
  // Keys must start a token: `rtt:` must not match `mrtt:` or `rcv_rtt:`.
  while (at > 0) {
    const before = line.charCodeAt(at - 1);
    if (before === 32 || before === 9) break;
    at = line.indexOf(key, at + 1);
  }
  return at;
}

/** The value after `key:` where it starts a token, up to the next blank; null when absent. */
function infoValue(line: string, key: string, from = 0, to = line.length): string | null {
  const at = tokenAt(line, key, from);
  if (at < 0 || at >= to) return null;
  const start = at + key.length;
  let end = start;
  while (end < line.length && line.charCodeAt(end) !== 32 && line.charCodeAt(end) !== 9) end++;
  return line.slice(start, end);
}

/** Start of the last token equal to `word` in `text`, or -1. */
function lastTokenAt(text: string, word: string): number {
  let at = text.lastIndexOf(word);
  while (at >= 0) {
    const before = at === 0 ? 32 : text.charCodeAt(at - 1);
    const after = at + word.length >= text.length ? 32 : text.charCodeAt(at + word.length);
    if ((before === 32 || before === 9) && (after === 32 || after === 9)) return at;
    at = at === 0 ? -1 : text.lastIndexOf(word, at - 1);
  }
  return -1;
}

/** Parses the tcp_info part of a record (one or more tokens of `ss -i` output). */
export function parseTcpCounters(info: string, counters: ByteCounterSupport = { ackedReceived: true, sent: true }): TcpCounters {
  let acked: number | null = null;
  let sent: number | null = null;
  let received: number | null = null;
  // ss prints the byte counters next to each other (bytes_sent, bytes_retrans, bytes_acked,
  // bytes_received): one search finds the first, the rest follow token by token.
  let at = tokenAt(info, 'bytes_');
  while (at >= 0 && info.startsWith('bytes_', at)) {
    let end = at;
    while (end < info.length && info.charCodeAt(end) !== 32 && info.charCodeAt(end) !== 9) end++;
    const colon = info.indexOf(':', at);
    if (colon > at && colon < end) {
      const name = info.slice(at + 6, colon);
      const value = uint(info.slice(colon + 1, end));
      if (name === 'acked') acked = value;
      else if (name === 'sent') sent = value;
      else if (name === 'received') received = value;
    }
    at = end + 1;
  }
  let rttMs: number | null = null;
  let rttVarMs: number | null = null;
  const rtt = infoValue(info, 'rtt:');
  if (rtt !== null) {
    const slash = rtt.indexOf('/');
    const a = slash < 0 ? rtt : rtt.slice(0, slash);
    const b = slash < 0 ? '' : rtt.slice(slash + 1);
    const r = Number(a);
    const v = Number(b);
    if (a !== '' && Number.isFinite(r) && r >= 0) rttMs = r;
    if (b !== '' && Number.isFinite(v) && v >= 0) rttVarMs = v;
  }
  let retransmits = 0;
  const retrans = infoValue(info, 'retrans:');
  if (retrans !== null) {
    // `retrans:X/Y`: X segments unacknowledged right now, Y over the socket's life.
    const total = uint(retrans.slice(retrans.indexOf('/') + 1));
    if (total !== null) retransmits = total;
  }
  let bytesSent: number | null = null;
  if (counters.ackedReceived) bytesSent = acked ?? (counters.sent ? (sent ?? 0) : 0);
  else if (counters.sent) bytesSent = sent ?? 0;
  return {
    bytesSent,
    bytesReceived: counters.ackedReceived ? (received ?? 0) : null,
    rttMs,
    rttVarMs,
    retransmits,
  };
}

/**
 * Reads the details after the endpoints: uid, inode and cgroup, and where the tcp_info starts (on
 * the same line with `-O`). `rest` starts after the peer column. Each field is looked for only
 * where ss prints it, so text inside a cgroup path cannot pose as one.
 */
function parseDetails(rest: string): { inode: number | null; uid: number | null; cgroup: string | null; infoStart: number } {
  const inoAt = tokenAt(rest, 'ino:');
  const ino = inoAt < 0 ? null : infoValue(rest, 'ino:', inoAt);
  const inode = ino === null ? null : uint(ino);
  if (inode === null) return { inode: null, uid: null, cgroup: null, infoStart: 0 };
  // `uid:` comes before `ino:`, printed only when not 0.
  const uidText = infoValue(rest, 'uid:', 0, inoAt);
  const uid = uidText === null ? 0 : uint(uidText);
  // The details end at the last shutdown marker (a cgroup path may hold a fake one before it).
  let markerAt = -1;
  for (const marker of SHUTDOWN_MARKERS) markerAt = Math.max(markerAt, lastTokenAt(rest, marker));
  const detailsEnd = markerAt >= 0 ? markerAt : rest.length;
  const infoStart = markerAt >= 0 ? markerAt + 3 : rest.length;
  let cgroup: string | null = null;
  const skAt = tokenAt(rest, 'sk:', inoAt);
  const cgAt = skAt < 0 ? -1 : tokenAt(rest, 'cgroup:', skAt);
  if (cgAt >= 0 && cgAt < detailsEnd) {
    // `v6only:N` follows the path on IPv6 sockets.
    const value = rest.slice(cgAt + 7, detailsEnd).replace(/\s+$/, '').replace(/ v6only:\d+$/, '');
    cgroup = value === '' ? null : value;
  }
  return { inode, uid, cgroup, infoStart };
}

/** Parses one socket line; null when it is not one (a header, garbage). */
/** Addresses repeat (127.0.0.1, ::1, wildcards): each distinct text is validated once per parse. */
type AddressCache = Map<string, NormalizedAddress>;

function cachedAddress(cache: AddressCache, text: string, hint: IpFamily | null, star: IpFamily): NormalizedAddress {
  const id = hint === null ? text : `${text}|${hint}`;
  let hit = cache.get(id);
  if (hit === undefined) {
    hit = normalizeAddress(text, hint, star);
    cache.set(id, hit);
  }
  return hit;
}

function parseSocketLine(line: string, defaultProtocol: Protocol, cache: AddressCache): { socket: SsSocket; info: string } | null {
  const { words, ends } = tokens(line, 6);
  let offset = 0;
  let protocol = defaultProtocol;
  const first = words[0];
  if (first !== undefined && NETIDS.has(first)) {
    protocol = first as Protocol;
    offset = 1;
  } else if (first !== undefined && /^[a-z]/.test(first)) {
    return null; // another netid (mptcp, raw, …) or a lower-case header
  }
  const stateWord = words[offset];
  const rq = uint(words[offset + 1] ?? '');
  const sq = uint(words[offset + 2] ?? '');
  const localText = words[offset + 3];
  if (stateWord === undefined || rq === null || sq === null || localText === undefined) return null;
  // The peer column ends the fixed part; it may be the 6th token (with Netid) — read it apart.
  const afterLocal = ends[offset + 3] as number;
  const tail = tokens(line.slice(afterLocal), 1);
  const peerText = tail.words[0];
  if (peerText === undefined) return null;
  const restStart = afterLocal + (tail.ends[0] as number);
  const local = splitEndpoint(localText);
  const peer = splitEndpoint(peerText);
  if (local === null || peer === null) return null;
  const localPort = local.port === '*' ? 0 : parsePort(local.port);
  if (localPort === null) return null;
  const l = cachedAddress(cache, local.address, null, 6);
  const p = cachedAddress(cache, peer.address, l.family, l.family);
  const peerPort = parsePort(peer.port);
  const hasPeer = !p.wildcard && peerPort !== null && peerPort !== 0;
  const state = normalizeState(stateWord, protocol, hasPeer);
  if (state === 'UNKNOWN' && !/^[A-Z][A-Z0-9-]*$/.test(stateWord)) return null;
  const rest = line.slice(restStart);
  const details = parseDetails(rest);
  return {
    socket: {
      protocol,
      family: l.family,
      state,
      localAddress: l.address,
      localPort,
      remoteAddress: hasPeer ? p.address : null,
      remotePort: hasPeer ? peerPort : null,
      recvQueue: rq,
      sendQueue: sq,
      inode: details.inode,
      uid: details.uid,
      cgroup: details.cgroup,
      tcp: null,
    },
    info: details.infoStart >= rest.length ? '' : rest.slice(details.infoStart),
  };
}

/** True when the text holds a tcp_info block (any of the fields every TCP socket with one prints). */
function hasTcpInfo(info: string): boolean {
  return info !== '' && (tokenAt(info, 'cwnd:') >= 0 || tokenAt(info, 'rto:') >= 0 || tokenAt(info, 'mss:') >= 0);
}

/**
 * Parses `ss -tuin[e]` output (with or without header, `-O` or multi-line). Never throws: lines
 * that are not sockets are counted in `skipped`; suspicious records (see the module comment) are
 * dropped and counted.
 */
export function parseSsInfo(text: string, options: ParseSsOptions = {}): SsParseResult {
  const defaultProtocol = options.protocol ?? 'tcp';
  const counters = options.counters ?? { ackedReceived: true, sent: true };
  const records: Pending[] = [];
  const cache: AddressCache = new Map();
  let skipped = 0;
  let current: Pending | null = null;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end);
    pos = end + 1;
    const c = line.charCodeAt(0);
    if (c === 9 || c === 32) {
      if (line.trim() === '') continue;
      // A continuation line: the tcp_info of the socket above.
      if (current === null) {
        skipped++;
        continue;
      }
      current.infoLines++;
      current.info = line;
      continue;
    }
    if (line === '') continue;
    const parsed = parseSocketLine(line, defaultProtocol, cache);
    if (parsed === null) {
      current = null;
      skipped++;
      continue;
    }
    const inline = hasTcpInfo(parsed.info);
    current = { socket: parsed.socket, infoLines: inline ? 1 : 0, info: inline ? parsed.info : null };
    records.push(current);
  }

  // Drop records that repeat an inode, or (without one) a connected socket's endpoints.
  const byInode = new Map<number, number>();
  const byEndpoints = new Map<string, number>();
  for (const r of records) {
    const s = r.socket;
    if (s.inode !== null && s.inode > 0) byInode.set(s.inode, (byInode.get(s.inode) ?? 0) + 1);
    else if (s.remoteAddress !== null) {
      const k = endpointKey(s);
      byEndpoints.set(k, (byEndpoints.get(k) ?? 0) + 1);
    }
  }
  const sockets: SsSocket[] = [];
  let suspicious = 0;
  for (const r of records) {
    const s = r.socket;
    const repeated =
      s.inode !== null && s.inode > 0 ? (byInode.get(s.inode) ?? 0) > 1 : s.remoteAddress !== null && (byEndpoints.get(endpointKey(s)) ?? 0) > 1;
    if (repeated || r.infoLines > 1) {
      suspicious++;
      if (repeated) continue;
      // Two info lines: keep the socket, not counters we cannot trust.
      sockets.push(s);
      continue;
    }
    const info = r.info;
    if (s.protocol === 'tcp' && info !== null && hasTcpInfo(info)) s.tcp = parseTcpCounters(info, counters);
    sockets.push(s);
  }
  return { sockets, skipped, suspicious };
}

/**
 * How a socket is matched across reads and with the table: its inode (a number) when it has one,
 * else its endpoints (a string).
 */
export function ssJoinKey(s: Pick<Connection, 'protocol' | 'family' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'> & { inode?: number | null }): number | string {
  return s.inode !== undefined && s.inode !== null && s.inode > 0 ? s.inode : endpointKey(s);
}

type Endpoints = Pick<Connection, 'protocol' | 'family' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'>;

/** Endpoints → record, null where several records share them (SO_REUSEPORT listeners): ambiguous. */
function endpointIndex(sockets: Iterable<SsSocket>): Map<string, SsSocket | null> {
  const index = new Map<string, SsSocket | null>();
  for (const s of sockets) {
    const k = endpointKey(s);
    index.set(k, index.has(k) ? null : s);
  }
  return index;
}

/**
 * Indexes `ss` records for joining with the socket table: by inode; by endpoints for records
 * without one (a connection the kernel accepted that the program has not, or output without -e),
 * and — built only if a table row without an inode asks — by endpoints over all records.
 */
export class SsIndex {
  private readonly byInode = new Map<number, SsSocket>();
  private readonly inodeless: Map<string, SsSocket | null>;
  private all: Map<string, SsSocket | null> | null = null;

  constructor(private readonly sockets: readonly SsSocket[]) {
    const without: SsSocket[] = [];
    for (const s of sockets) {
      if (s.inode !== null && s.inode > 0) this.byInode.set(s.inode, s);
      else without.push(s);
    }
    this.inodeless = endpointIndex(without);
  }

  /** The record of a table row: by inode when the row has one, else by endpoints when unambiguous. */
  find(row: Endpoints & { inode?: number }): SsSocket | null {
    if (row.inode !== undefined && row.inode > 0) {
      const hit = this.byInode.get(row.inode);
      if (hit !== undefined) return hit;
      // The same socket, seen by ss before the program accepted it (inode 0) or without -e.
      return this.inodeless.size === 0 ? null : (this.inodeless.get(endpointKey(row)) ?? null);
    }
    if (row.inode === 0) return this.inodeless.size === 0 ? null : (this.inodeless.get(endpointKey(row)) ?? null);
    // A row without any inode (a reader that gives none): endpoints over every record.
    this.all ??= endpointIndex(this.sockets);
    return this.all.get(endpointKey(row)) ?? null;
  }
}

/** One read of the kernel's socket details. */
export interface TcpInfoRead {
  sockets: SsSocket[];
  /** Non-fatal notices (a fallback taken, suspicious lines dropped). */
  notices: string[];
}

/** Reads the kernel's socket details (on Linux: `ss -tuine`); rejects with a SourceError when it cannot. */
export interface TcpInfoSource {
  read(): Promise<TcpInfoRead>;
}
