/** Default file names for exports, shared by the desktop save dialog and the browser download. */
import { EXPORT_FILE_TYPES } from './export';
import type { ExportFormat } from './model';

/** A `YYYYMMDD-HHMMSS` stamp of `epochMs` in local time (what the user sees on their clock). */
export function timestamp(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`;
}

/** The default file name: `portwatch-YYYYMMDD-HHMMSS.csv` (or `.json`, `.ndjson`). */
export function defaultExportName(epochMs: number, format: ExportFormat = 'csv'): string {
  return `portwatch-${timestamp(epochMs)}.${EXPORT_FILE_TYPES[format].extension}`;
}
