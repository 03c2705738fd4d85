/**
 * Linux socket reader: /proc/net/{tcp,tcp6,udp,udp6} and the socket-inode → owners map built from
 * /proc/<pid>/fd. It sees what systeminformation drops (unconnected UDP, FIN_WAIT2 and IPv6 on its
 * ss path), every owner of a shared socket, and is much cheaper than `ss -p` or netstat (see
 * docs/performance.md). Reads are synchronous on purpose: thousands of tiny /proc reads cost several
 * times more through the promise API, and the collector polls off the UI thread.
 */
import { closeSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import type { IpFamily, Protocol, SocketState } from '../../shared/model';

/** One row of /proc/net/{tcp,udp}{,6}, decoded. */
export interface ProcSocket {
  protocol: Protocol;
  family: IpFamily;
  localAddress: string;
  localPort: number;
  /** null = no peer (listener, unconnected UDP). */
  remoteAddress: string | null;
  remotePort: number | null;
  state: SocketState;
  /** Owner uid of the socket (the kernel's, visible to every user). */
  uid: number;
  /** 0 for sockets no file refers to (TIME_WAIT, orphaned FIN_WAIT2). */
  inode: number;
}

/** Kernel TCP states (include/net/tcp_states.h), in the hex the tables print. */
const TCP_STATES: Readonly<Record<string, SocketState>> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
  '0C': 'SYN_RECV',
};

const HOST_LITTLE_ENDIAN = endianness() === 'LE';

/** Reads one 32-bit word of the table's hex (printed in host byte order) as 4 network-order bytes. */
function wordBytes(hex: string, littleEndian: boolean): number[] {
  const b = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return littleEndian ? b.reverse() : b;
}

/** Formats 16 bytes as RFC 5952 IPv6 text, with the dotted v4-mapped form ss and Node print. */
export function formatIPv6(bytes: readonly number[]): string {
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // The longest run of two or more zero groups becomes `::` (the first one on a tie).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Decodes a table address (`0100007F` or 32 hex digits) into text. */
export function decodeHexAddress(hex: string, family: IpFamily, littleEndian = HOST_LITTLE_ENDIAN): string {
  if (family === 4) {
    if (!/^[0-9A-Fa-f]{8}$/.test(hex)) throw new Error(`bad IPv4 address "${hex}"`);
    return wordBytes(hex, littleEndian).join('.');
  }
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) throw new Error(`bad IPv6 address "${hex}"`);
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) bytes.push(...wordBytes(hex.slice(w * 8, w * 8 + 8), littleEndian));
  return formatIPv6(bytes);
}

const WILDCARDS = new Set(['0.0.0.0', '::', '::ffff:0.0.0.0']);

/**
 * Splits out the fields we use (1 local, 2 remote, 3 state, 7 uid, 9 inode) without a regex split:
 * at 20 000 rows the per-line arrays and strings of `split(/\s+/)` are most of the garbage.
 */
function fieldsOf(line: string): [string, string, string, string, string] | null {
  const wanted = [1, 2, 3, 7, 9];
  const out: string[] = [];
  let index = 0;
  let i = 0;
  const n = line.length;
  while (i < n && out.length < wanted.length) {
    while (i < n && line.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && line.charCodeAt(i) !== 32) i++;
    if (index === wanted[out.length]) out.push(line.slice(start, i));
    index++;
  }
  return out.length === wanted.length ? (out as [string, string, string, string, string]) : null;
}

/**
 * Parses the text of one /proc/net table. Lines that do not parse are skipped and counted, never
 * thrown: the kernel may add columns, and one odd line must not cost the whole table.
 */
export function parseProcNet(
  text: string,
  protocol: Protocol,
  family: IpFamily,
  littleEndian = HOST_LITTLE_ENDIAN,
): { rows: ProcSocket[]; skipped: number } {
  const rows: ProcSocket[] = [];
  let skipped = 0;
  // Addresses repeat (127.0.0.1, ::1, the wildcard): decode each distinct one once.
  const decoded = new Map<string, string>();
  const decode = (hex: string): string => {
    let text = decoded.get(hex);
    if (text === undefined) {
      text = decodeHexAddress(hex, family, littleEndian);
      decoded.set(hex, text);
    }
    return text;
  };
  let pos = text.indexOf('\n') + 1; // skip the header
  if (pos === 0) return { rows, skipped };
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end);
    pos = end + 1;
    if (line.trim() === '') continue;
    const f = fieldsOf(line);
    const localColon = f ? f[0].indexOf(':') : -1;
    const remoteColon = f ? f[1].indexOf(':') : -1;
    const uid = f ? Number(f[3]) : NaN;
    const inode = f ? Number(f[4]) : NaN;
    if (!f || localColon < 0 || remoteColon < 0 || !Number.isInteger(uid) || !Number.isInteger(inode)) {
      skipped++;
      continue;
    }
    try {
      const localAddress = decode(f[0].slice(0, localColon));
      const localPort = parseInt(f[0].slice(localColon + 1), 16);
      const remoteAddress = decode(f[1].slice(0, remoteColon));
      const remotePort = parseInt(f[1].slice(remoteColon + 1), 16);
      if (!Number.isInteger(localPort) || !Number.isInteger(remotePort)) throw new Error('bad port');
      const hasPeer = !(WILDCARDS.has(remoteAddress) && remotePort === 0);
      const st = f[2].toUpperCase();
      let state: SocketState;
      if (protocol === 'udp') {
        // UDP uses TCP_ESTABLISHED for a connected socket and TCP_CLOSE for an unconnected one.
        state = st === '01' ? 'ESTABLISHED' : st === '07' ? 'UNCONN' : (TCP_STATES[st] ?? 'UNKNOWN');
      } else {
        state = TCP_STATES[st] ?? 'UNKNOWN';
      }
      rows.push({
        protocol,
        family,
        localAddress,
        localPort,
        remoteAddress: hasPeer ? remoteAddress : null,
        remotePort: hasPeer ? remotePort : null,
        state,
        uid,
        inode,
      });
    } catch {
      skipped++;
    }
  }
  return { rows, skipped };
}

/** A buffer reused across reads: /proc files report size 0, so read in big chunks, not 64 kB ones. */
let readBuffer: Buffer = Buffer.allocUnsafe(1 << 20);

/**
 * Reads a /proc file whole with few read(2) calls (each call re-walks the kernel's hash tables).
 * `reads` counts the calls that returned data: above one, the table may have changed in between.
 */
function readProcFile(path: string): { text: string; reads: number } {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    let reads = 0;
    for (;;) {
      if (length === readBuffer.length) {
        const bigger = Buffer.allocUnsafe(readBuffer.length * 2);
        readBuffer.copy(bigger, 0, 0, length);
        readBuffer = bigger;
      }
      const n = readSync(fd, readBuffer, length, readBuffer.length - length, null);
      if (n === 0) break;
      length += n;
      reads++;
    }
    return { text: readBuffer.toString('latin1', 0, length), reads };
  } finally {
    closeSync(fd);
  }
}

/**
 * Drops repeated connected sockets. The kernel resumes a table read between read(2) calls by
 * position, so a socket can show up twice when the table changes in between (what makes netstat
 * warn "got duplicate tcp line"). A connected socket's 4-tuple is unique; peerless rows are kept.
 */
export function dropRepeats(rows: ProcSocket[]): ProcSocket[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    if (r.remoteAddress === null) return true;
    const id = `${r.localAddress} ${r.localPort} ${r.remoteAddress} ${r.remotePort}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The four tables, in the order ss prints them (UDP first, then TCP). */
export const PROC_NET_TABLES: ReadonlyArray<{ file: string; protocol: Protocol; family: IpFamily }> = [
  { file: 'udp', protocol: 'udp', family: 4 },
  { file: 'udp6', protocol: 'udp', family: 6 },
  { file: 'tcp', protocol: 'tcp', family: 4 },
  { file: 'tcp6', protocol: 'tcp', family: 6 },
];

/** An error reading /proc with its errno code kept, for a user-facing message upstream. */
export class ProcReadError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ProcReadError';
  }
}

function errnoOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
}

/**
 * Reads every table. A missing tcp6/udp6 (IPv6 disabled) is fine; a missing or unreadable tcp
 * table means this is not a usable Linux /proc and throws a {@link ProcReadError}.
 */
export function readProcNetTables(procRoot = '/proc'): { rows: ProcSocket[]; skipped: number } {
  const rows: ProcSocket[] = [];
  let skipped = 0;
  for (const table of PROC_NET_TABLES) {
    let text: string;
    let chunked: boolean;
    try {
      const read = readProcFile(`${procRoot}/net/${table.file}`);
      text = read.text;
      chunked = read.reads > 1;
    } catch (error) {
      const code = errnoOf(error);
      if (table.family === 6 && code === 'ENOENT') continue;
      throw new ProcReadError(`cannot read ${procRoot}/net/${table.file}: ${code || String(error)}`, code);
    }
    const parsed = parseProcNet(text, table.protocol, table.family);
    for (const row of chunked ? dropRepeats(parsed.rows) : parsed.rows) rows.push(row);
    skipped += parsed.skipped;
  }
  return { rows, skipped };
}

/** Socket inode → the pids holding it, and how many processes we were not allowed to look into. */
export interface SocketOwnerMap {
  owners: Map<number, number[]>;
  /** Processes whose fd table this user may not read (other users' processes when unprivileged). */
  deniedPids: number;
}

/**
 * Reads every /proc/<pid>/fd link and maps socket inodes to every pid holding them (a socket
 * shared by a prefork server or inherited by a child has several). Processes that exit while we
 * read are skipped; ones we may not read are counted.
 */
export function scanSocketOwners(procRoot = '/proc', wanted?: ReadonlySet<number>): SocketOwnerMap {
  const owners = new Map<number, number[]>();
  let deniedPids = 0;
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch (error) {
    throw new ProcReadError(`cannot list ${procRoot}: ${errnoOf(error) || String(error)}`, errnoOf(error));
  }
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const pid = Number(entry);
    const dir = `${procRoot}/${entry}/fd`;
    let fds: string[];
    try {
      fds = readdirSync(dir);
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'EACCES' || code === 'EPERM') deniedPids++;
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${dir}/${fd}`);
      } catch {
        continue; // closed while we read
      }
      // "socket:[12345]"
      if (target.charCodeAt(0) !== 115 || !target.startsWith('socket:[')) continue;
      const inode = Number(target.slice(8, -1));
      if (wanted && !wanted.has(inode)) continue;
      const list = owners.get(inode);
      if (!list) owners.set(inode, [pid]);
      else if (!list.includes(pid)) list.push(pid);
    }
  }
  return { owners, deniedPids };
}

/** TASK_COMM_LEN - 1: the kernel keeps at most this many characters of a process name. */
const COMM_MAX = 15;

/**
 * The full name of a process. The kernel's comm is cut at 15 characters and ss/netstat print
 * that; the command line keeps the whole name (and `process.title` rewrites it, spaces included).
 * Takes argv[0] (or its base name) when it extends comm, else comm as is.
 */
export function fullProcessName(comm: string, cmdline: string, exePath?: string): string {
  const argv0 = cmdline.split('\0')[0] ?? '';
  const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  if (comm === '') return base(argv0) || argv0;
  // A comm shorter than the kernel's limit is complete (argv[0] may hold a status text like
  // `sshd: root@pts/0`); only a 15-character comm may have been cut.
  if (comm.length < COMM_MAX) return comm;
  const candidates = [argv0, base(argv0), exePath ? base(exePath) : ''];
  for (const c of candidates) {
    if (c.length > comm.length && c.startsWith(comm)) return c;
  }
  return comm;
}
