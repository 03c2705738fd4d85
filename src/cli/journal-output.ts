/**
 * What `portwatch history` and `portwatch at` share: the `--journal` option and where the journal
 * is by default, the time options, and the `table` format (a plain width-fitted text table with
 * control characters escaped, streamed: widths come from the first rows, longer cells are cut).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { JOURNAL_FILE_NAME, defaultDataDir } from '../main/node/settings-file';
import { parseMoment } from '../main/core/journal-query';
import type { JournalFilter } from '../shared/journal';
import { UsageError } from './main';

/** The journal file: `--journal FILE`, else journal.db in the app's data folder. */
export function journalPath(option: string | undefined): string {
  if (option !== undefined) {
    if (option.trim() === '') throw new UsageError('--journal needs a file name');
    return option;
  }
  return join(defaultDataDir(process.platform, process.env, homedir()), JOURNAL_FILE_NAME);
}

/** The `util.parseArgs` options both journal commands take. */
export const JOURNAL_OPTIONS = {
  process: { type: 'string' },
  port: { type: 'string' },
  remote: { type: 'string' },
  format: { type: 'string', short: 'f' },
  out: { type: 'string', short: 'o' },
  journal: { type: 'string' },
} as const;

/** `--process`, `--port`, `--remote` as a filter; throws a {@link UsageError}. */
export function parseJournalFilter(values: { process?: string; port?: string; remote?: string }): JournalFilter {
  const filter: JournalFilter = {};
  if (values.process !== undefined) {
    if (values.process.trim() === '') throw new UsageError('--process needs a name');
    filter.process = values.process.trim();
  }
  if (values.port !== undefined) {
    const port = /^\d{1,5}$/.test(values.port) ? Number(values.port) : NaN;
    if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port needs a port number 0–65535; not "${values.port}"`);
    filter.port = port;
  }
  if (values.remote !== undefined) {
    if (values.remote.trim() === '') throw new UsageError('--remote needs an address or host name');
    filter.remote = values.remote.trim();
  }
  return filter;
}

/** `--out FILE` (null = stdout, also for `-`); throws a {@link UsageError}. */
export function parseOut(out: string | undefined): string | null {
  if (out === '') throw new UsageError('--out needs a file name');
  return out === undefined || out === '-' ? null : out;
}

/** Parses a moment option; throws a {@link UsageError} naming the option. */
export function momentOption(flag: string, text: string, now: number): number {
  const at = parseMoment(text, now);
  if (at === null) {
    throw new UsageError(`${flag} needs a time: now, a duration ago (2h, 30m, 7d), HH:MM, a date (2026-12-03), ISO 8601 (2026-12-03T14:05) or epoch ms; not "${text}"`);
  }
  return at;
}

/** Local time as `YYYY-MM-DD HH:MM:SS` (the table is for people; CSV and JSON carry ISO UTC). */
export function localTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** `address:port`, `[v6]:port`, `*` for a wildcard. */
export function endpoint(address: string | null, port: number | null): string {
  if (address === null) return '*';
  const host = address.includes(':') ? `[${address}]` : address;
  return port === null ? `${host}:*` : `${host}:${port}`;
}

/** Rows the table measures before it starts printing. */
const MEASURE_ROWS = 200;
/** No column gets wider than this; longer cells end in `…`. */
const MAX_CELL = 48;

/**
 * A cell made safe for a terminal: C0/C1 control characters, DEL and bidirectional overrides
 * (attacker-chosen process names could move the cursor or reorder text) print as `\xNN`/`\u{…}`.
 */
function escapeCell(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.codePointAt(0) as number;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/**
 * A text table as chunks. Column widths fit the header and the first {@link MEASURE_ROWS} rows
 * (capped at {@link MAX_CELL}); later rows are streamed with those widths, long cells cut with `…`.
 * The last column is never padded. Prints `(none)` under the header when there are no rows.
 */
export function* tableChunks(header: readonly string[], records: Iterable<readonly string[]>): Generator<string> {
  const iterator = records[Symbol.iterator]();
  const head: string[][] = [];
  let result = iterator.next();
  while (!result.done && head.length < MEASURE_ROWS) {
    head.push(result.value.map(escapeCell));
    result = iterator.next();
  }
  const widths = header.map((h, i) => Math.min(MAX_CELL, Math.max(h.length, ...head.map((r) => (r[i] ?? '').length))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const w = widths[i] ?? 0;
        const fitted = cell.length > w ? `${cell.slice(0, Math.max(0, w - 1))}…` : cell;
        return i === cells.length - 1 ? fitted : fitted.padEnd(w);
      })
      .join('  ')
      .trimEnd() + '\n';
  let buffer = line(header);
  if (head.length === 0 && result.done === true) {
    yield `${buffer}(none)\n`;
    return;
  }
  for (const row of head) buffer += line(row);
  while (result.done !== true) {
    buffer += line(result.value.map(escapeCell));
    if (buffer.length >= 16_384) {
      yield buffer;
      buffer = '';
    }
    result = iterator.next();
  }
  if (buffer !== '') yield buffer;
}
