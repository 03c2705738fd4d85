/**
 * Process details for socket owners: full name, executable path, command line, user, start time.
 * Cached per (pid, start time), so a recycled pid never inherits another process's details, and
 * never built from a full process list per poll (si.processes() costs ~330 ms CPU a call).
 */
import { readFileSync, readlinkSync } from 'node:fs';
import type { ProcessOwner } from '../../shared/model';
import { fullProcessName } from './linux-proc';
import { siProcesses } from './si-source';

/** Looks up details of socket owners. */
export interface ProcessInfoProvider {
  /**
   * Details of these pids. A pid that exited before we could read it is absent from the map.
   * `hints` carries names a socket tool already gave (Windows gives none, macOS a short one).
   */
  lookup(pids: readonly number[], hints?: ReadonlyMap<number, string>): Promise<Map<number, ProcessOwner>>;
}

/**
 * USER_HZ, the unit of /proc/<pid>/stat's start time. It is part of the kernel ABI and 100 on
 * every Linux architecture (sysconf(_SC_CLK_TCK) is not reachable from Node).
 */
const USER_HZ = 100;

/** How many polls a cached pid may go unseen before it is dropped. */
const UNSEEN_POLLS_KEPT = 3;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

/** The comm and start time (clock ticks since boot) fields of /proc/<pid>/stat text. */
export function parseProcStat(text: string): { comm: string; startTicks: number } | null {
  // comm sits in parentheses and may itself contain spaces and parentheses: cut at the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).split(' ');
  // Field 22 (starttime); `rest` starts at field 3 (state).
  const startTicks = Number(rest[19]);
  if (!Number.isFinite(startTicks)) return null;
  return { comm: text.slice(open + 1, close), startTicks };
}

/** Parses /etc/passwd text into uid → user name. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid !== undefined && /^\d+$/.test(uid) && !users.has(Number(uid))) users.set(Number(uid), name);
  }
  return users;
}

/** The effective uid from /proc/<pid>/status text. */
export function parseStatusUid(text: string): number | null {
  const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(text);
  return m ? Number(m[2]) : null;
}

interface CacheEntry {
  startTicks: number;
  owner: ProcessOwner;
  lastSeen: number;
}

/** Linux: details from /proc, one small stat read per owning pid per poll to catch pid reuse. */
export function createLinuxProcessInfo(procRoot = '/proc', passwdPath = '/etc/passwd'): ProcessInfoProvider {
  const cache = new Map<number, CacheEntry>();
  let poll = 0;
  let bootTimeMs: number | null = null;
  let users: Map<number, string> | null = null;

  const bootTime = (): number => {
    if (bootTimeMs === null) {
      const m = /^btime\s+(\d+)/m.exec(readText(`${procRoot}/stat`) ?? '');
      bootTimeMs = m ? Number(m[1]) * 1000 : 0;
    }
    return bootTimeMs;
  };
  const userName = (uid: number): string | undefined => {
    if (users === null || !users.has(uid)) users = parsePasswd(readText(passwdPath) ?? '');
    return users.get(uid) ?? String(uid);
  };

  const read = (pid: number, stat: { comm: string; startTicks: number }): ProcessOwner => {
    const cmdline = readText(`${procRoot}/${pid}/cmdline`) ?? '';
    let path: string | undefined;
    try {
      path = readlinkSync(`${procRoot}/${pid}/exe`);
    } catch {
      path = undefined; // another user's process, or a kernel thread
    }
    const uid = parseStatusUid(readText(`${procRoot}/${pid}/status`) ?? '');
    const args = cmdline.split('\0');
    while (args.length > 0 && args[args.length - 1] === '') args.pop();
    const owner: ProcessOwner = {
      pid,
      name: fullProcessName(stat.comm, cmdline, path),
      startedAt: bootTime() + Math.round((stat.startTicks * 1000) / USER_HZ),
    };
    if (path !== undefined) owner.path = path.replace(/ \(deleted\)$/, '');
    if (args.length > 0) owner.commandLine = args.join(' ');
    if (uid !== null) {
      const user = userName(uid);
      if (user !== undefined) owner.user = user;
    }
    return owner;
  };

  return {
    lookup: async (pids) => {
      poll++;
      const out = new Map<number, ProcessOwner>();
      for (const pid of pids) {
        const statText = readText(`${procRoot}/${pid}/stat`);
        const stat = statText === null ? null : parseProcStat(statText);
        if (!stat) continue; // exited
        let entry = cache.get(pid);
        if (!entry || entry.startTicks !== stat.startTicks) {
          entry = { startTicks: stat.startTicks, owner: read(pid, stat), lastSeen: poll };
          cache.set(pid, entry);
        }
        entry.lastSeen = poll;
        out.set(pid, entry.owner);
      }
      for (const [pid, entry] of cache) if (poll - entry.lastSeen > UNSEEN_POLLS_KEPT) cache.delete(pid);
      return out;
    },
  };
}

/** Parses systeminformation's `YYYY-MM-DD hh:mm:ss` (local time) into epoch ms. */
export function parseSiStarted(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = new Date(y, mo - 1, d, h, mi, s).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/** How often the full process list may be fetched at most, on macOS/Windows. */
const SI_REFRESH_MIN_MS = 30_000;

/**
 * macOS/Windows: details from `si.processes()`, fetched only when an unknown pid shows up and at
 * most every 30 s. A pid reused within that window keeps the old details until the next refresh
 * replaces the entry (its start time differs).
 */
export function createSiProcessInfo(list: () => Promise<Awaited<ReturnType<typeof siProcesses>>> = siProcesses): ProcessInfoProvider {
  const cache = new Map<number, ProcessOwner>();
  let lastRefresh = -Infinity;
  return {
    lookup: async (pids, hints) => {
      const unknown = pids.some((pid) => !cache.has(pid));
      if (unknown && Date.now() - lastRefresh >= SI_REFRESH_MIN_MS) {
        lastRefresh = Date.now();
        try {
          const all = await list();
          const alive = new Set<number>();
          for (const p of all) {
            alive.add(p.pid);
            const startedAt = parseSiStarted(p.started);
            const prev = cache.get(p.pid);
            if (prev && prev.startedAt === startedAt) continue;
            const owner: ProcessOwner = { pid: p.pid, name: p.name };
            if (p.path) owner.path = p.path.endsWith(p.name) ? p.path : `${p.path.replace(/[\\/]$/, '')}${p.path.includes('\\') ? '\\' : '/'}${p.name}`;
            const commandLine = [p.command, p.params].filter((x) => x !== '').join(' ');
            if (commandLine) owner.commandLine = commandLine;
            if (p.user) owner.user = p.user;
            if (startedAt !== undefined) owner.startedAt = startedAt;
            cache.set(p.pid, owner);
          }
          for (const pid of cache.keys()) if (!alive.has(pid)) cache.delete(pid);
        } catch {
          // Keep what we have: names from the socket tool still show.
        }
      }
      const out = new Map<number, ProcessOwner>();
      for (const pid of pids) {
        const cached = cache.get(pid);
        const hint = hints?.get(pid);
        if (cached) out.set(pid, cached.name === '' && hint ? { ...cached, name: hint } : cached);
        else out.set(pid, { pid, name: hint ?? '' });
      }
      return out;
    },
  };
}

/** The provider for this OS. */
export function createProcessInfo(platform: NodeJS.Platform = process.platform): ProcessInfoProvider {
  return platform === 'linux' ? createLinuxProcessInfo() : createSiProcessInfo();
}
