/**
 * An advisory lock between processes, for the settings file the desktop app and `portwatch serve`
 * share: `<file>.lock`, created with O_EXCL (so exactly one creator wins on every OS and file
 * system Node supports), holding the owner's pid, host name and start time. No native dependency.
 *
 * A lock is stale when its process is gone (same host, the pid no longer exists) or when it is
 * older than `staleMs` (a holder that hangs: a read-modify-write of the settings takes
 * milliseconds). A stale lock is broken by renaming it to a unique name and checking that the
 * renamed file is the very one judged stale (same device and inode): if another process broke it
 * and took the lock in between, the renamed lock is put back with link(), which never replaces an
 * existing file. The residual risk is a holder that outlives `staleMs` and loses its lock.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { errnoCode as codeOf } from './atomic-write';

/** Options of {@link acquireFileLock}. */
export interface FileLockOptions {
  /** A lock older than this is stale even if its process lives (default 10 s). */
  staleMs?: number;
  /** Give up waiting after this long (default 15 s: longer than `staleMs`, so a hung holder is broken first). */
  timeoutMs?: number;
  /** Pause between attempts (default 15 ms, plus up to as much again at random). */
  retryMs?: number;
  /** Wall clock, epoch ms (file times are wall-clock times). */
  now?: () => number;
}

/** The lock is held by a live process and did not come free in time. */
export class LockBusyError extends Error {
  readonly code = 'ELOCKED';
  constructor(message: string) {
    super(message);
    this.name = 'LockBusyError';
  }
}

/** What a lock file says about its owner. */
interface LockInfo {
  pid: number;
  host: string;
  at: number;
}

interface Found {
  info: LockInfo | null;
  dev: number;
  ino: number;
  mtimeMs: number;
}

function parseInfo(text: string): LockInfo | null {
  try {
    const value = JSON.parse(text) as Partial<LockInfo>;
    if (typeof value.pid === 'number' && Number.isInteger(value.pid) && typeof value.host === 'string' && typeof value.at === 'number') {
      return { pid: value.pid, host: value.host, at: value.at };
    }
  } catch {
    // Empty (its owner is still writing it) or damaged: judged by age alone.
  }
  return null;
}

/** The lock file now, or null when there is none. */
async function look(path: string): Promise<Found | null> {
  try {
    const stats = await stat(path);
    const text = await readFile(path, 'utf8');
    return { info: parseInfo(text), dev: stats.dev, ino: stats.ino, mtimeMs: stats.mtimeMs };
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return null;
    throw error;
  }
}

/** True unless the process certainly does not exist (EPERM: it exists, as another user). */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return codeOf(error) !== 'ESRCH';
  }
}

function isStale(found: Found, now: number, staleMs: number, host: string): boolean {
  if (now - found.mtimeMs > staleMs) return true;
  return found.info !== null && found.info.host === host && !isAlive(found.info.pid);
}

/** Removes exactly the stale lock `found`; a lock taken since is put back. */
async function breakStale(path: string, found: Found): Promise<void> {
  const aside = `${path}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return;
    throw error;
  }
  const moved = await stat(aside).catch(() => null);
  if (moved !== null && (moved.dev !== found.dev || moved.ino !== found.ino)) {
    // Someone took the lock after we looked: give it back. If a third process holds it by now,
    // link fails and the moved lock is dropped (its owner's release then leaves the new one alone).
    await link(aside, path).catch(() => undefined);
  }
  await rm(aside, { force: true });
}

/** Creates the lock; false when it exists. */
async function tryCreate(path: string, info: LockInfo): Promise<{ dev: number; ino: number } | null> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return null;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(info));
    const stats = await handle.stat();
    await handle.close();
    return { dev: stats.dev, ino: stats.ino };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Takes the lock at `path`, waiting while another live process holds it. Resolves to the release
 * function (which removes the lock only if it is still this one). Rejects with a
 * {@link LockBusyError} after `timeoutMs`, or with the file system's error (a folder that is
 * missing or read-only).
 */
export async function acquireFileLock(path: string, options: FileLockOptions = {}): Promise<() => Promise<void>> {
  const now = options.now ?? Date.now;
  const staleMs = options.staleMs ?? 10_000;
  const retryMs = options.retryMs ?? 15;
  const deadline = now() + (options.timeoutMs ?? 15_000);
  const host = hostname();
  for (;;) {
    const created = await tryCreate(path, { pid: process.pid, host, at: now() });
    if (created !== null) {
      return async () => {
        const current = await look(path).catch(() => null);
        if (current !== null && current.dev === created.dev && current.ino === created.ino) await rm(path, { force: true });
      };
    }
    const found = await look(path);
    if (found === null) continue;
    if (isStale(found, now(), staleMs, host)) {
      await breakStale(path, found);
      continue;
    }
    if (now() >= deadline) {
      const who = found.info === null ? 'another process' : `process ${found.info.pid}${found.info.host !== host ? ` on ${found.info.host}` : ''}`;
      throw new LockBusyError(`${path} is held by ${who} (another Portwatch?); try again, or delete that file if no Portwatch is running`);
    }
    await sleep(retryMs + Math.random() * retryMs);
  }
}
