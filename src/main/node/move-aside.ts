/**
 * Moving a damaged file aside: renamed to `<file>.corrupt-<time>` (never deleted, never over an
 * earlier moved-aside file), so the user keeps it and a fresh one can start. Used by the settings
 * file and the journal database.
 */
import { rename, stat } from 'node:fs/promises';

/** Reasons in words for the error codes a read or rename commonly fails with. */
export const FILE_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EBUSY: 'the file is busy (open in another program?)',
  EISDIR: 'the path is a folder',
  ENOTDIR: 'a part of the path is not a folder',
};

/** The `code` of a Node error, or null. */
export function errorCode(error: unknown): string | null {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : null;
}

/** An error in words: a known code's reason, else the message. */
export function fileReason(error: unknown): string {
  const code = errorCode(error);
  return (code !== null ? FILE_REASONS[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
}

/** A timestamp that is safe in a file name on every OS (no colons). */
export function fileStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * Renames `file` to `<file>.corrupt-<time>` (`-1`, `-2`… if taken) and each companion suffix that
 * exists (`-wal` → `<file>.corrupt-<time>-wal`). Resolves to the new path or the reason it failed.
 */
export async function moveAside(file: string, now: number, companions: readonly string[] = []): Promise<{ ok: true; path: string } | { ok: false; error: string }> {
  const base = `${file}.corrupt-${fileStamp(now)}`;
  for (let n = 0; n < 100; n += 1) {
    const target = n === 0 ? base : `${base}-${n}`;
    // Never overwrite an earlier moved-aside file.
    if (await exists(target)) continue;
    try {
      await rename(file, target);
    } catch (error) {
      return { ok: false, error: fileReason(error) };
    }
    for (const suffix of companions) {
      // A companion left behind would be read as belonging to the fresh file: move it too.
      if (await exists(`${file}${suffix}`)) await rename(`${file}${suffix}`, `${target}${suffix}`).catch(() => undefined);
    }
    return { ok: true, path: target };
  }
  return { ok: false, error: 'too many moved-aside files' };
}
