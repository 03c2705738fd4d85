/**
 * The socket table for this OS, as a {@link SocketSource}: rows normalized, owned (every owner, full
 * names, details), with service and exposure set.
 *
 * - `systeminformation`: the portable source, on every OS. On Linux it is supplemented from /proc
 *   with what it drops (unconnected UDP, FIN_WAIT2/IPv6/space-named owners on its ss path, every
 *   owner of shared sockets, full names).
 * - `linux-proc`: our own /proc reader, complete on its own and several times cheaper.
 * - `auto`: linux-proc on Linux (measured faster, docs/performance.md "Socket table"), else
 *   systeminformation.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { connectionKey } from '../../shared/key';
import type { Connection, OwnerVisibility, ProcessOwner } from '../../shared/model';
import { endpointKey, normalizeSiRows, type SiPlatform } from '../core/normalize';
import { annotateForwards, ForwardParseCache } from '../core/forwarding';
import { annotateRowsInPlace, type ServiceLookup } from '../core/services';
import { SourceError, type SocketReadResult, type SocketSource } from '../core/sources';
import { DEFAULT_READ_TIMEOUT_MS, readTimeoutMessage } from '../core/poll-status';
import { ProcReadError, readProcNetTables, type ProcSocket } from './linux-proc';
import { SocketOwnerScanner } from './socket-owners';
import { createProcessInfo, type ProcessInfoProvider } from './process-info';
import { createPortproxyReader, type PortproxyReader } from './portproxy';
import { ianaServiceLookup } from './service-table';
import { siNetworkConnections } from './si-source';

/** Which reader to use. */
export type SocketSourceKind = 'auto' | 'systeminformation' | 'linux-proc';

/** Options of {@link createSocketSource}. */
export interface SocketSourceOptions {
  kind: SocketSourceKind;
}

/** Test seams; production callers pass nothing. */
export interface SocketSourceDeps {
  platform?: NodeJS.Platform;
  procRoot?: string;
  /** Time limit of one systeminformation read, ms. */
  timeoutMs?: number;
  processInfo?: ProcessInfoProvider;
  services?: ServiceLookup;
  /** Windows port proxy rules; by default read with netsh on win32 only. */
  portproxy?: PortproxyReader | null;
}

/** The reader `kind` resolves to on `platform`. */
export function resolveSocketSourceKind(kind: SocketSourceKind, platform: NodeJS.Platform = process.platform): 'systeminformation' | 'linux-proc' {
  if (kind === 'auto') return platform === 'linux' ? 'linux-proc' : 'systeminformation';
  return kind;
}

function siPlatform(platform: NodeJS.Platform): SiPlatform {
  return platform === 'linux' || platform === 'darwin' || platform === 'win32' ? platform : 'other';
}

function onPath(tool: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** Turns a /proc failure into a SourceError with a message a user can act on. */
function procError(error: unknown): SourceError {
  if (error instanceof ProcReadError) {
    if (error.code === 'EACCES' || error.code === 'EPERM') {
      return new SourceError(`Permission denied reading the socket table (${error.message}).`, 'permission');
    }
    if (error.code === 'ENOENT') {
      return new SourceError(`The Linux socket table is not available here (${error.message}); choose the systeminformation source.`, 'missing-tool');
    }
    return new SourceError(`Could not read the socket table: ${error.message}.`, 'other');
  }
  return new SourceError(`Could not read the socket table: ${error instanceof Error ? error.message : String(error)}.`, 'other');
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SourceError(readTimeoutMessage(what, ms), 'timeout')), ms);
    timer.unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof SourceError ? error : new SourceError(`${what} failed: ${error instanceof Error ? error.message : String(error)}.`, 'other'));
      },
    );
  });
}

/** A /proc read turned into owned rows (services not yet set). */
async function readLinuxRows(procRoot: string, processInfo: ProcessInfoProvider, scanner: SocketOwnerScanner): Promise<Connection[]> {
  const tables = readProcNetTables(procRoot);
  const wanted = new Set<number>();
  for (const row of tables.rows) if (row.inode !== 0) wanted.add(row.inode);
  const { owners } = scanner.scan(wanted);
  const pids = new Set<number>();
  for (const list of owners.values()) for (const pid of list) pids.add(pid);
  const details = await processInfo.lookup([...pids].sort((a, b) => a - b));
  return tables.rows.map((row) => toConnection(row, owners.get(row.inode) ?? [], details));
}

/**
 * One /proc row as a Connection. Ownership: a socket with an inode is an open file, so some process
 * holds it; if no fd link we could read points at it, that process is one we may not see (another
 * user's, or outside our pid namespace): `hidden`. Inode 0 (TIME_WAIT, orphaned FIN_WAIT) has no
 * process at all: `none`.
 */
function toConnection(row: ProcSocket, pids: readonly number[], details: ReadonlyMap<number, ProcessOwner>): Connection {
  const owners: ProcessOwner[] = [];
  for (const pid of [...pids].sort((a, b) => a - b)) {
    const owner = details.get(pid);
    if (owner) owners.push(owner); // absent = exited while we read
  }
  let ownerVisibility: OwnerVisibility;
  if (owners.length > 0) ownerVisibility = 'visible';
  else if (row.inode !== 0) ownerVisibility = 'hidden';
  else ownerVisibility = 'none';
  const base = {
    protocol: row.protocol,
    family: row.family,
    localAddress: row.localAddress,
    localPort: row.localPort,
    remoteAddress: row.remoteAddress,
    remotePort: row.remotePort,
    inode: row.inode,
  };
  return { key: connectionKey(base), ...base, state: row.state, owners, ownerVisibility };
}

/**
 * Merges systeminformation's rows with the /proc supplement: a socket both saw takes the /proc
 * row (inode, every owner, full names); sockets only /proc saw are added; sockets only si saw
 * (opened between the two reads) are kept as si reported them; si's repeats of a socket are dropped.
 */
export function mergeWithSupplement(siRows: readonly Connection[], procRows: readonly Connection[]): Connection[] {
  const byEndpoints = new Map<string, Connection[]>();
  for (const row of procRows) {
    const k = endpointKey(row);
    const list = byEndpoints.get(k);
    if (list) list.push(row);
    else byEndpoints.set(k, [row]);
  }
  const used = new Set<Connection>();
  const out: Connection[] = [];
  for (const row of siRows) {
    const all = byEndpoints.get(endpointKey(row));
    const candidates = all?.filter((c) => !used.has(c)) ?? [];
    // SO_REUSEPORT twins share endpoints: prefer the one with the same owner.
    const pid = row.owners[0]?.pid;
    const match = candidates.find((c) => pid !== undefined && c.owners.some((o) => o.pid === pid)) ?? candidates[0];
    if (match) {
      used.add(match);
      out.push(match);
    } else if (all === undefined) {
      out.push(row);
    }
    // else: /proc has this socket and it is already taken: a repeated line (netstat prints a
    // line twice when the table changes while it reads it, "warning, got duplicate tcp line").
  }
  for (const row of procRows) if (!used.has(row)) out.push(row);
  return out;
}

/** Fills names and details of owners reported by systeminformation (macOS/Windows, or Linux rows /proc missed). */
async function enrichSiOwners(rows: Connection[], processInfo: ProcessInfoProvider): Promise<Connection[]> {
  const hints = new Map<number, string>();
  for (const row of rows) for (const o of row.owners) if (!row.inode && o.name !== '' && !hints.has(o.pid)) hints.set(o.pid, o.name);
  const pids = new Set<number>();
  for (const row of rows) if (!row.inode) for (const o of row.owners) pids.add(o.pid);
  if (pids.size === 0) return rows;
  const details = await processInfo.lookup([...pids], hints);
  return rows.map((row) => {
    if (row.inode || row.owners.length === 0) return row;
    return { ...row, owners: row.owners.map((o) => details.get(o.pid) ?? o) };
  });
}

/** Creates the socket source of `options.kind` for this OS. */
export function createSocketSource(options: SocketSourceOptions, deps: SocketSourceDeps = {}): SocketSource {
  const platform = deps.platform ?? process.platform;
  const kind = resolveSocketSourceKind(options.kind, platform);
  const procRoot = deps.procRoot ?? '/proc';
  const timeoutMs = deps.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  let processInfo = deps.processInfo;
  let services = deps.services;
  const info = (): ProcessInfoProvider => (processInfo ??= createProcessInfo(platform));
  const lookup = (): ServiceLookup => (services ??= ianaServiceLookup());
  // Parses of forwarders' command lines, kept across reads: the same processes come back each poll.
  const forwardCache = new ForwardParseCache();
  // Socket owners, kept across reads: only what changed is read again (see socket-owners.ts).
  const ownerScanner = new SocketOwnerScanner({ procRoot });
  const portproxy = deps.portproxy ?? (platform === 'win32' ? createPortproxyReader() : null);

  if (kind === 'linux-proc') {
    return {
      name: 'linux-proc',
      read: async (): Promise<SocketReadResult> => {
        if (platform !== 'linux') throw new SourceError('The linux-proc socket source only works on Linux; choose auto or systeminformation.', 'missing-tool');
        let rows: Connection[];
        try {
          rows = await readLinuxRows(procRoot, info(), ownerScanner);
        } catch (error) {
          throw procError(error);
        }
        annotateRowsInPlace(rows, lookup());
        annotateForwards(rows, { cache: forwardCache });
        return { rows, source: 'linux-proc', notices: [] };
      },
    };
  }

  return {
    name: 'systeminformation',
    read: async (): Promise<SocketReadResult> => {
      const raw = await withTimeout(siNetworkConnections(), timeoutMs, 'systeminformation (netstat/ss)');
      const notices: string[] = [];
      let rows = normalizeSiRows(raw, siPlatform(platform)).rows;
      if (platform === 'linux') {
        let procRows: Connection[] | null = null;
        try {
          procRows = await readLinuxRows(procRoot, info(), ownerScanner);
        } catch (error) {
          notices.push(`The /proc supplement failed (${procError(error).message}): unconnected UDP sockets and shared-socket owners may be missing.`);
        }
        if (raw.length === 0 && !onPath('netstat') && !onPath('ss')) {
          if (procRows === null) throw new SourceError('Neither netstat nor ss is installed: install net-tools or iproute2 to read the socket table.', 'missing-tool');
          notices.push('Neither netstat nor ss is installed: the socket table comes from /proc alone.');
        }
        if (procRows) rows = mergeWithSupplement(rows, procRows);
      } else if (raw.length === 0 && platform !== 'win32' && !onPath('netstat')) {
        throw new SourceError('netstat is not installed, so the socket table cannot be read.', 'missing-tool');
      }
      rows = await enrichSiOwners(rows, info());
      annotateRowsInPlace(rows, lookup());
      annotateForwards(rows, { cache: forwardCache, portproxy: portproxy === null ? [] : await portproxy.rules() });
      return { rows, source: 'systeminformation', notices };
    },
  };
}
