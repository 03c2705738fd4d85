/**
 * Incremental socket ownership (Linux): which processes hold each socket inode, without reading
 * every /proc/<pid>/fd link on every poll. A full walk (src/main/node/linux-proc.ts
 * `scanSocketOwners`) is ~80 % of a poll's cost, and a second later nearly every socket has the same
 * owner. So this scanner remembers (pid, fd) → inode between polls and, per poll:
 *
 * 1. lists /proc and each process's fd folder (cheap: no per-fd syscall), and reads each process's
 *    start time so a reused pid is a new process, not the old one's cache;
 * 2. readlinks only fds it has not seen, and fds whose remembered socket has left the tables (the
 *    number may now name a new socket);
 * 3. if a socket is still without owner, re-reads the fds it remembered as non-sockets (a closed
 *    file's number reused by a new socket) and those naming a socket held more than once (a
 *    forking server closes its copy of a connection its child keeps, and the number is reused),
 *    then, if still unresolved, walks everything — at most every `unresolvedWalkMs`;
 * 4. walks everything anyway every `safetyWalkMs` (a dup2() onto a live socket's fd is the one
 *    change steps 1–3 cannot see).
 *
 * Sockets still without owner after a full walk are another user's (or outside our pid namespace):
 * remembered as hidden, so they do not force a full walk every poll. tests/main/node/socket-owners
 * proves the result equal to a full walk under random churn.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { ProcReadError } from './linux-proc';
import type { SocketOwnerMap } from './linux-proc';

/** What one scan did (for benchmarks and tests). */
export interface OwnerScanStats {
  /** 'full': every fd read; 'incremental': only what changed (steps 1–3). */
  mode: 'full' | 'incremental';
  /** readlink calls made. */
  readlinks: number;
  /** Why a full walk ran, or null. */
  fullReason: 'first' | 'safety' | 'unresolved' | null;
}

/** An inode for a non-socket fd (a file, pipe, …): remembered so it is not read again. */
const NOT_SOCKET = -1;

interface ProcessFds {
  /** Start time (field 22 of /proc/<pid>/stat): a different one is a reused pid. */
  start: string;
  /** fd name → socket inode, or {@link NOT_SOCKET}. */
  fds: Map<string, number>;
}

/** Options of {@link SocketOwnerScanner}. */
export interface SocketOwnerScannerOptions {
  procRoot?: string;
  /** How often a full walk runs anyway, ms (default 30 s). */
  safetyWalkMs?: number;
  /**
   * The shortest time between two full walks forced by a socket without owner, ms (default 5 s):
   * until then such a socket shows without owner, so a burst of them cannot cost a walk per poll.
   */
  unresolvedWalkMs?: number;
  now?: () => number;
}

function errnoOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised name, which may hold spaces). */
function startTimeOf(stat: string): string | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  // Fields after ")" start at field 3 (state); start time is field 22 → index 19.
  return stat.slice(close + 2).split(' ')[19] ?? null;
}

/** See the module comment. One instance per socket source; not shared between threads. */
export class SocketOwnerScanner {
  private readonly procRoot: string;
  private readonly safetyWalkMs: number;
  private readonly unresolvedWalkMs: number;
  private readonly now: () => number;
  private processes = new Map<number, ProcessFds>();
  private hidden = new Set<number>();
  private lastFullAt: number | null = null;
  private last: OwnerScanStats = { mode: 'full', readlinks: 0, fullReason: 'first' };

  constructor(options: SocketOwnerScannerOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.safetyWalkMs = options.safetyWalkMs ?? 30_000;
    this.unresolvedWalkMs = options.unresolvedWalkMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  /** What the last {@link scan} did. */
  stats(): OwnerScanStats {
    return this.last;
  }

  /** Owners of the `wanted` inodes (the sockets in the tables just read). */
  scan(wanted: ReadonlySet<number>): SocketOwnerMap {
    const now = this.now();
    if (this.lastFullAt === null) return this.full(wanted, now, 'first');
    if (now - this.lastFullAt >= this.safetyWalkMs || now < this.lastFullAt) return this.full(wanted, now, 'safety');

    let readlinks = 0;
    let deniedPids = 0;
    const next = new Map<number, ProcessFds>();
    // Step 1–2: list, keep what is known and still plausible, read the rest.
    for (const pid of this.listPids()) {
      const dir = `${this.procRoot}/${pid}`;
      const start = this.startOf(dir);
      if (start === null) continue; // exited while we read
      let names: string[];
      try {
        names = readdirSync(`${dir}/fd`);
      } catch (error) {
        const code = errnoOf(error);
        if (code === 'EACCES' || code === 'EPERM') deniedPids++;
        continue;
      }
      const before = this.processes.get(pid);
      const known = before !== undefined && before.start === start ? before.fds : undefined;
      const fds = new Map<string, number>();
      for (const name of names) {
        const remembered = known?.get(name);
        if (remembered !== undefined && (remembered === NOT_SOCKET || wanted.has(remembered))) {
          fds.set(name, remembered);
          continue;
        }
        readlinks++;
        const inode = this.readFd(`${dir}/fd/${name}`);
        if (inode !== null) fds.set(name, inode);
      }
      next.set(pid, { start, fds });
    }
    this.processes = next;

    let owners = this.ownersOf(wanted);
    const unresolved = (): boolean => {
      for (const inode of wanted) if (!owners.has(inode) && !this.hidden.has(inode)) return true;
      return false;
    };
    if (unresolved()) {
      // Step 3: a new socket may sit on the number of a closed file or pipe, or of a socket whose
      // other holder keeps it alive.
      const holders = new Map<number, number>();
      for (const entry of this.processes.values()) {
        for (const inode of entry.fds.values()) if (inode !== NOT_SOCKET) holders.set(inode, (holders.get(inode) ?? 0) + 1);
      }
      for (const [pid, entry] of this.processes) {
        for (const [name, inode] of entry.fds) {
          if (inode !== NOT_SOCKET && (holders.get(inode) ?? 0) < 2) continue;
          readlinks++;
          const read = this.readFd(`${this.procRoot}/${pid}/fd/${name}`);
          if (read === null) entry.fds.delete(name);
          else entry.fds.set(name, read);
        }
      }
      owners = this.ownersOf(wanted);
      if (unresolved() && now - this.lastFullAt >= this.unresolvedWalkMs) {
        const result = this.full(wanted, now, 'unresolved');
        this.last = { ...this.last, readlinks: this.last.readlinks + readlinks };
        return result;
      }
    }
    this.forgetHiddenGone(wanted);
    this.last = { mode: 'incremental', readlinks, fullReason: null };
    return { owners, deniedPids };
  }

  /** Every fd of every process read again; what stays without owner is hidden from us. */
  private full(wanted: ReadonlySet<number>, now: number, reason: 'first' | 'safety' | 'unresolved'): SocketOwnerMap {
    let readlinks = 0;
    let deniedPids = 0;
    const next = new Map<number, ProcessFds>();
    for (const pid of this.listPids()) {
      const dir = `${this.procRoot}/${pid}`;
      const start = this.startOf(dir);
      if (start === null) continue;
      let names: string[];
      try {
        names = readdirSync(`${dir}/fd`);
      } catch (error) {
        const code = errnoOf(error);
        if (code === 'EACCES' || code === 'EPERM') deniedPids++;
        continue;
      }
      const fds = new Map<string, number>();
      for (const name of names) {
        readlinks++;
        const inode = this.readFd(`${dir}/fd/${name}`);
        if (inode !== null) fds.set(name, inode);
      }
      next.set(pid, { start, fds });
    }
    this.processes = next;
    const owners = this.ownersOf(wanted);
    this.hidden = new Set([...wanted].filter((inode) => !owners.has(inode)));
    this.lastFullAt = now;
    this.last = { mode: 'full', readlinks, fullReason: reason };
    return { owners, deniedPids };
  }

  private listPids(): number[] {
    let entries: string[];
    try {
      entries = readdirSync(this.procRoot);
    } catch (error) {
      throw new ProcReadError(`cannot list ${this.procRoot}: ${errnoOf(error) || String(error)}`, errnoOf(error));
    }
    const pids: number[] = [];
    for (const entry of entries) {
      const first = entry.charCodeAt(0);
      if (first >= 48 && first <= 57) pids.push(Number(entry));
    }
    return pids;
  }

  private startOf(dir: string): string | null {
    try {
      return startTimeOf(readFileSync(`${dir}/stat`, 'latin1'));
    } catch {
      return null;
    }
  }

  /** The socket inode an fd names, NOT_SOCKET for anything else, null when it is gone. */
  private readFd(path: string): number | null {
    let target: string;
    try {
      target = readlinkSync(path);
    } catch {
      return null; // closed while we read
    }
    // "socket:[12345]"
    if (target.charCodeAt(0) !== 115 || !target.startsWith('socket:[')) return NOT_SOCKET;
    return Number(target.slice(8, -1));
  }

  private ownersOf(wanted: ReadonlySet<number>): Map<number, number[]> {
    const owners = new Map<number, number[]>();
    for (const [pid, entry] of this.processes) {
      for (const inode of entry.fds.values()) {
        if (inode === NOT_SOCKET || !wanted.has(inode)) continue;
        const list = owners.get(inode);
        if (!list) owners.set(inode, [pid]);
        else if (!list.includes(pid)) list.push(pid);
      }
    }
    for (const list of owners.values()) list.sort((a, b) => a - b);
    return owners;
  }

  /** Hidden sockets that closed are forgotten, so the set stays as small as the table. */
  private forgetHiddenGone(wanted: ReadonlySet<number>): void {
    for (const inode of this.hidden) if (!wanted.has(inode)) this.hidden.delete(inode);
  }
}
