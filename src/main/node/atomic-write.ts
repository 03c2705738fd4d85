/**
 * Atomic file writing: write a temporary file in the target's folder, flush it, then rename it over
 * the target, so a reader never sees a half-written file and a failure leaves the old file intact.
 * Used by the settings store, the desktop export and `portwatch snapshot --out`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Text, or chunks of text produced lazily (so a large export never becomes one giant string). */
export type WriteContent = string | Iterable<string> | AsyncIterable<string>;

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

function explain(error: unknown, target: string): WriteError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : null;
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
  };
  // ENOENT also comes from folders that exist but take no new files (/proc, /sys).
  if (code === 'ENOENT' && existsSync(dirname(target))) reasons.ENOENT = 'files cannot be created in that folder';
  const reason = (code !== null ? reasons[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
  return new WriteError(`cannot write ${target}: ${reason}`, code);
}

/** Writes `content` to `target` atomically; rejects with a {@link WriteError}. */
export async function writeFileAtomic(target: string, content: WriteContent, options: { mode?: number } = {}): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  try {
    handle = await open(temp, 'wx', options.mode ?? 0o644);
    if (typeof content === 'string') {
      await handle.writeFile(content, 'utf8');
    } else {
      // Batch small chunks into ~64 KiB writes: bounded memory, few syscalls.
      let buffer = '';
      for await (const chunk of content) {
        buffer += chunk;
        if (buffer.length >= 65_536) {
          await handle.write(buffer, null, 'utf8');
          buffer = '';
        }
      }
      if (buffer !== '') await handle.write(buffer, null, 'utf8');
    }
    await handle.sync();
    await handle.close();
    handle = null;
    await rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw error instanceof WriteError ? error : explain(error, target);
  }
}
