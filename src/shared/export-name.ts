/** Default file names for exports. */
import type { ExportFormat } from './model';

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * `portwatch-YYYYMMDD-HHMMSS.<ext>` in local time (what the user's clock said when they exported);
 * `utcOffsetMinutes` is passed in because shared code has no clock or time zone of its own.
 */
export function exportFileName(at: number, format: ExportFormat, utcOffsetMinutes = 0): string {
  const local = new Date(at + utcOffsetMinutes * 60_000);
  const date = `${local.getUTCFullYear()}${pad(local.getUTCMonth() + 1)}${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}${pad(local.getUTCMinutes())}${pad(local.getUTCSeconds())}`;
  return `portwatch-${date}-${time}.${format}`;
}
