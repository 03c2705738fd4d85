/**
 * RFC 4180 CSV, produced lazily in chunks so a 100 000-row export never becomes one giant string.
 *
 * - Header row, CRLF line ends, fields quoted when they hold the separator, a quote, CR or LF
 *   (quotes doubled inside).
 * - Comma by default; semicolon (what Excel expects in locales with a decimal comma) or tab.
 * - UTF-8 text; an optional byte order mark so Excel detects UTF-8 instead of the ANSI code page.
 * - Spreadsheet formula injection (CWE-1236): a text cell starting with `=`, `+`, `-`, `@`, tab or
 *   CR would be run as a formula by Excel/LibreOffice (a process name like `=HYPERLINK(…)` is in
 *   any attacker's reach), so it gets a leading apostrophe. Only text columns are guarded: numbers
 *   and addresses must stay exact, and they cannot carry a formula anyway.
 */
import { EXPORT_COLUMNS } from '../model';
import type { Connection, ExportColumn } from '../model';
import { isIpLiteral } from '../net';
import { COLUMN_SPECS } from './columns';
import type { ColumnKind } from './columns';

/** A CSV field separator. */
export type CsvSeparator = ',' | ';' | '\t';

/** Options of {@link csvChunks}. */
export interface CsvOptions {
  /** Columns in order; default all of {@link EXPORT_COLUMNS}. */
  columns?: readonly ExportColumn[];
  /** Default comma. */
  separator?: CsvSeparator;
  /** Start with a UTF-8 byte order mark (for Excel). Default false. */
  bom?: boolean;
  /** When the snapshot was taken, epoch ms (the captured_at column). */
  capturedAt: number;
}

/** Options of {@link csvRecordChunks}. */
export interface CsvRecordOptions {
  separator?: CsvSeparator;
  bom?: boolean;
}

/** The UTF-8 byte order mark as a character (encoded as EF BB BF). */
export const BOM = '\uFEFF';

/** Line end required by RFC 4180. */
const CRLF = '\r\n';

/** Chunks are yielded once they reach this many characters: few writes, bounded memory. */
const CHUNK_CHARS = 16_384;

const FORMULA_START = /^[=+\-@\t\r]/;

/** Per separator: the characters that force a field into quotes (one regex test per field). */
const NEEDS_QUOTES: Readonly<Record<CsvSeparator, RegExp>> = {
  ',': /[,"\r\n]/,
  ';': /[;"\r\n]/,
  '\t': /[\t"\r\n]/,
};

/**
 * The formula-injection guard for one text cell: a leading apostrophe when the cell starts with
 * `=`, `+`, `-`, `@`, tab or CR (spreadsheets show the rest as text and hide the apostrophe).
 */
export function guardText(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * A plain cell value made safe for its column kind: text is guarded; an address that is a real IP
 * literal is left exact, anything else in an address column (only possible from a hand-made
 * document) is guarded like text. Numbers and times are printed from numbers and stay exact.
 */
export function guardCell(value: string, kind: ColumnKind): string {
  if (kind === 'text') return guardText(value);
  // No IP literal starts with a trigger character, so only a non-address can be altered here.
  if (kind === 'address') return FORMULA_START.test(value) && !isIpLiteral(value) ? `'${value}` : value;
  return value;
}

/** Quotes a field when RFC 4180 requires it (separator, quote, CR or LF inside). */
export function quoteField(value: string, separator: CsvSeparator): string {
  return NEEDS_QUOTES[separator].test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The low-level writer: a header and records whose cells are already guarded, as CSV chunks.
 * Shared by the snapshot and the diff CSV.
 */
export function* csvRecordChunks(
  header: readonly string[],
  records: Iterable<readonly string[]>,
  options: CsvRecordOptions = {},
): Generator<string> {
  const separator = options.separator ?? ',';
  const line = (cells: readonly string[]): string => cells.map((cell) => quoteField(cell, separator)).join(separator) + CRLF;
  let buffer = (options.bom === true ? BOM : '') + line(header);
  for (const record of records) {
    buffer += line(record);
    if (buffer.length >= CHUNK_CHARS) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}

/** The guarded cells of one connection for the given columns. */
export function connectionCells(row: Connection, columns: readonly ExportColumn[], capturedAt: number): string[] {
  const context = { capturedAt };
  return columns.map((column) => {
    const spec = COLUMN_SPECS[column];
    return guardCell(spec.read(row, context), spec.kind);
  });
}

/** Connections as CSV chunks (header first), produced lazily as the caller consumes them. */
export function* csvChunks(rows: Iterable<Connection>, options: CsvOptions): Generator<string> {
  const columns = options.columns ?? EXPORT_COLUMNS;
  function* records(): Generator<string[]> {
    for (const row of rows) yield connectionCells(row, columns, options.capturedAt);
  }
  yield* csvRecordChunks(columns, records(), { separator: options.separator ?? ',', bom: options.bom ?? false });
}
