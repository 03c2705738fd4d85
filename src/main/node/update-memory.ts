/**
 * What the update checker remembers between runs (updates.json in the app's data folder): whether
 * to check, a version the user skipped, and the versions already announced, so a release is
 * announced by one notification, not one per start.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write';

/** The contents of updates.json. */
export interface UpdateMemory {
  enabled: boolean;
  skippedVersion: string | null;
  notifiedVersions: string[];
}

/** Defaults: check daily, nothing skipped or announced. */
export const DEFAULT_UPDATE_MEMORY: UpdateMemory = { enabled: true, skippedVersion: null, notifiedVersions: [] };

/** Reads updates.json; a missing or malformed file gives the defaults (it holds nothing precious). */
export async function readUpdateMemory(file: string): Promise<UpdateMemory> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return { ...DEFAULT_UPDATE_MEMORY };
  }
  if (typeof raw !== 'object' || raw === null) return { ...DEFAULT_UPDATE_MEMORY };
  const record = raw as Record<string, unknown>;
  const versions = Array.isArray(record.notifiedVersions) ? record.notifiedVersions : [];
  return {
    enabled: typeof record.enabled === 'boolean' ? record.enabled : DEFAULT_UPDATE_MEMORY.enabled,
    skippedVersion: typeof record.skippedVersion === 'string' ? record.skippedVersion.slice(0, 64) : null,
    notifiedVersions: versions.filter((v): v is string => typeof v === 'string').map((v) => v.slice(0, 64)).slice(-10),
  };
}

/** Writes updates.json atomically. */
export async function writeUpdateMemory(file: string, memory: UpdateMemory): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(memory, null, 2)}\n`);
}
