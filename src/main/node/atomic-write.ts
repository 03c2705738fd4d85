/**
 * Writing a file safely. Used by the settings store, the desktop export and `portwatch snapshot|diff
 * --out`. What happens depends on what is at the target now (looked at with lstat: a link is never
 * followed):
 *
 * - nothing: a new file, mode 0600 unless the caller says otherwise (exports hold command lines),
 *   written to a temporary file in the same folder, flushed, then renamed into place;
 * - a regular file this process's user owns: replaced the same way, so a reader never sees half a
 *   file and a failure leaves the old one whole; it keeps its permission bits and, where chown
 *   allows, its group;
 * - a regular file of another user: refused (replacing it would destroy their file, or, with its
 *   mode kept, hand our data to a file someone else controls);
 * - a symbolic link: refused, neither replaced nor written through: a link planted in a shared
 *   folder (/tmp) must not redirect the write onto another file (the settings store, in the user's
 *   own folder, asks to follow it to the file it names: {@link WriteOptions.throughLink});
 * - a character device (/dev/null, a terminal) or a FIFO of our own: written straight to, with no
 *   temporary file and no rename, so the node itself is never replaced (a FIFO waits for a reader,
 *   as a shell redirection does);
 * - a FIFO of another user (as Linux's protected_fifos), a block device (a disk), a socket, a
 *   folder: refused.
 *
 * Temporary files are removed on every failure path: an error, and SIGINT, SIGTERM or SIGHUP during
 * the write (the handler removes them, then the signal is raised again so the process ends as it
 * would have) or process.exit() (an 'exit' handler). Only SIGKILL or a power cut can leave one;
 * the settings store removes its own at start ({@link removeStaleTemps}).
 */
import { randomBytes } from 'node:crypto';
import { constants, existsSync, rmSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** Text, or chunks of text produced lazily (so a large export never becomes one giant string). */
export type WriteContent = string | Iterable<string> | AsyncIterable<string>;

/** Options of {@link writeFileAtomic}. */
export interface WriteOptions {
  /** Permission bits of a NEW file (default 0o600). An existing file keeps its own. */
  mode?: number;
  /**
   * A symbolic link at the target is followed to the regular file it finally names, which is then
   * replaced like any other (the link stays a link). Only for a path in a folder nobody else can
   * write, where a link is the user's own (settings.json kept with dotfiles); never for exports.
   */
  throughLink?: boolean;
}

/** A write failure with a message meant for the user. */
export class WriteError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'WriteError';
  }
}

/** The `code` of a Node error (ENOENT, EACCES…), or null. */
export function errnoCode(error: unknown): string | null {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : null;
}

function explain(error: unknown, target: string): WriteError {
  const code = errnoCode(error);
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'the operation is not permitted (the file may be locked or read-only)',
    EBUSY: 'the file is busy (open in another program?)',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exceeded',
    EROFS: 'the file system is read-only',
    ENOENT: 'the folder does not exist',
    ENOTDIR: 'a part of the path is not a folder',
    EISDIR: 'the path is a folder',
    EPIPE: 'the reader went away',
    ELOOP: 'it is a symbolic link',
  };
  // ENOENT also comes from folders that exist but take no new files (/proc, /sys).
  if (code === 'ENOENT' && existsSync(dirname(target))) reasons.ENOENT = 'files cannot be created in that folder';
  const reason = (code !== null ? reasons[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
  return new WriteError(`cannot write ${target}: ${reason}`, code);
}

/** The user this process writes as, or null where the OS has no uids (Windows). */
function ourUid(): number | null {
  return typeof process.geteuid === 'function' ? process.geteuid() : null;
}

const TEMP_SUFFIX = /^[0-9a-f]{12}\.tmp$/;

function tempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Removes the temporary files an interrupted write of `target` left in its folder (the name
 * pattern {@link writeFileAtomic} uses) and returns their paths. Call it only when no write of
 * `target` can be in progress (the settings store holds its lock).
 */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(target));
  } catch {
    return [];
  }
  const stale = names.filter((name) => name.startsWith(prefix) && TEMP_SUFFIX.test(name.slice(prefix.length))).map((name) => join(dirname(target), name));
  const removed: string[] = [];
  for (const file of stale) {
    // Only regular files: the pattern is ours, but a folder or a link by that name is not.
    const stats = await lstat(file).catch(() => null);
    if (stats === null || !stats.isFile()) continue;
    if (await rm(file, { force: true }).then(() => true, () => false)) removed.push(file);
  }
  return removed;
}

// --- temporary files of writes in progress, removed on signals and on exit ---

const liveTemps = new Set<string>();
const CLEANUP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function removeLiveTemps(): void {
  for (const temp of liveTemps) rmSync(temp, { force: true });
  liveTemps.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles this signal (serve's or Electron's shutdown): let them; a write still in
  // flight finishes or fails normally, and the 'exit' handler catches a process.exit() meanwhile.
  if (process.listenerCount(signal) > 1) return;
  removeLiveTemps();
  uninstallCleanup();
  // With no listener left the default action applies again: end the process by the same signal.
  process.kill(process.pid, signal);
}

function installCleanup(): void {
  process.on('exit', removeLiveTemps);
  // Worker threads receive no signals (and the collector worker writes no files).
  if (isMainThread) for (const signal of CLEANUP_SIGNALS) process.on(signal, onSignal);
}

function uninstallCleanup(): void {
  process.off('exit', removeLiveTemps);
  for (const signal of CLEANUP_SIGNALS) process.off(signal, onSignal);
}

function track(temp: string): void {
  if (liveTemps.size === 0) installCleanup();
  liveTemps.add(temp);
}

function untrack(temp: string): void {
  if (!liveTemps.delete(temp)) return;
  // The handlers exist only while a write is in progress: otherwise the process keeps Node's
  // default signal behaviour untouched.
  if (liveTemps.size === 0) uninstallCleanup();
}

// --- writing ---

async function writeAll(handle: FileHandle, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  // A FIFO or a terminal may take less than asked in one write.
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

async function writeContent(handle: FileHandle, content: WriteContent): Promise<void> {
  if (typeof content === 'string') {
    await writeAll(handle, content);
    return;
  }
  // Batch small chunks into ~64 KiB writes: bounded memory, few syscalls.
  let buffer = '';
  for await (const chunk of content) {
    buffer += chunk;
    if (buffer.length >= 65_536) {
      await writeAll(handle, buffer);
      buffer = '';
    }
  }
  if (buffer !== '') await writeAll(handle, buffer);
}

/** What is at the target now; null when nothing is. */
async function inspect(target: string): Promise<Stats | null> {
  try {
    return await lstat(target);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw explain(error, target);
  }
}

function refuse(target: string, reason: string, code: string): WriteError {
  return new WriteError(`cannot write ${target}: ${reason}`, code);
}

/** Refuses what must not be written, else says how to write it. */
async function plan(target: string, stats: Stats | null): Promise<'replace' | 'stream'> {
  if (stats === null) return 'replace';
  const uid = ourUid();
  const foreign = uid !== null && stats.uid !== uid;
  if (stats.isSymbolicLink()) {
    const to = await readlink(target).catch(() => null);
    throw refuse(
      target,
      `it is a symbolic link${to !== null ? ` (to ${to})` : ''}; Portwatch neither replaces a link nor writes through one: give the path of the file itself`,
      'ESYMLINK',
    );
  }
  if (stats.isDirectory()) throw refuse(target, 'the path is a folder', 'EISDIR');
  if (stats.isFile()) {
    if (foreign) throw refuse(target, `it belongs to another user (uid ${stats.uid}); Portwatch only replaces files it owns: remove it or choose another name`, 'ENOTOWNER');
    return 'replace';
  }
  if (stats.isCharacterDevice()) return 'stream';
  if (stats.isFIFO()) {
    if (foreign) throw refuse(target, `it is a FIFO of another user (uid ${stats.uid}); Portwatch only writes into its own`, 'ENOTOWNER');
    return 'stream';
  }
  if (stats.isBlockDevice()) throw refuse(target, 'it is a block device (a disk); Portwatch never writes onto one', 'ENOTREG');
  if (stats.isSocket()) throw refuse(target, 'it is a socket, not a file', 'ENOTREG');
  throw refuse(target, 'it is not a regular file', 'ENOTREG');
}

/** Straight into a device or FIFO: no temporary file, no rename, the node stays what it is. */
async function writeStream(target: string, stats: Stats, content: WriteContent): Promise<void> {
  // O_NOFOLLOW: a link swapped in since lstat fails instead of being followed. Never O_CREAT.
  const flags = constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NOCTTY ?? 0);
  let handle: FileHandle | null = null;
  try {
    handle = await open(target, flags);
    const opened = await handle.stat();
    if (opened.dev !== stats.dev || opened.ino !== stats.ino) throw refuse(target, 'it was replaced while being opened', 'ECHANGED');
    await writeContent(handle, content);
    await handle.close();
    handle = null;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    throw error instanceof WriteError ? error : explain(error, target);
  }
}

/** A temporary file renamed over the target; the old file stays whole until the rename. */
async function writeReplace(target: string, stats: Stats | null, content: WriteContent, newMode: number): Promise<void> {
  const temp = tempPath(target);
  let handle: FileHandle | null = null;
  track(temp);
  try {
    handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    // Exactly this mode, whatever the umask: the existing file's bits, or the caller's for a new one.
    await handle.chmod(stats !== null ? stats.mode & 0o777 : newMode);
    if (stats !== null && ourUid() !== null) {
      const own = await handle.stat();
      // Keep the group (the owner is us already); allowed only for groups we belong to.
      if (own.gid !== stats.gid) await handle.chown(stats.uid, stats.gid).catch(() => undefined);
    }
    await writeContent(handle, content);
    await handle.sync();
    await handle.close();
    handle = null;
    await rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw error instanceof WriteError ? error : explain(error, target);
  } finally {
    untrack(temp);
  }
}

/**
 * Writes `content` to `target` as the module comment says (replace atomically, stream into a device
 * or FIFO, or refuse); rejects with a {@link WriteError} whose message names the target and why.
 */
export async function writeFileAtomic(target: string, content: WriteContent, options: WriteOptions = {}): Promise<void> {
  let stats = await inspect(target);
  if (stats?.isSymbolicLink() === true && options.throughLink === true) {
    // The file the link names; a dangling link is refused below (it would create a file elsewhere).
    const real = await realpath(target).catch(() => null);
    if (real !== null) {
      target = real;
      stats = await inspect(real);
    }
  }
  const how = await plan(target, stats);
  if (how === 'stream' && stats !== null) await writeStream(target, stats, content);
  else await writeReplace(target, stats, content, options.mode ?? 0o600);
}
