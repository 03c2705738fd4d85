/**
 * The export flags shared by `portwatch snapshot` and `portwatch diff` — `--format`, `--out`,
 * `--columns`, `--separator`, `--bom`, `--filter` — and writing the chunks: to stdout as they are
 * produced (a closed pipe, as in `| head`, ends quietly), or to a file atomically.
 */
import { EXPORT_COLUMNS } from '../shared/model';
import type { ExportColumn, ExportFormat, ExportRequest } from '../shared/model';
import { checkExportRequest } from '../shared/export';
import { WriteError, writeFileAtomic } from '../main/node/atomic-write';
import { UsageError } from './main';
import type { CliIo } from './main';

/** The `util.parseArgs` option table of the export flags (spread into a command's own). */
export const EXPORT_OPTIONS = {
  format: { type: 'string', short: 'f' },
  out: { type: 'string', short: 'o' },
  columns: { type: 'string' },
  separator: { type: 'string' },
  bom: { type: 'boolean' },
  filter: { type: 'string' },
} as const;

/** The help lines of the export flags, naming the command's default format. */
export function exportHelp(defaultFormat: ExportFormat): string {
  return [
    `  -f, --format csv|json|ndjson  output format (default ${defaultFormat})`,
    '  -o, --out FILE                write to FILE instead of stdout ("-" or /dev/stdout = stdout):',
    '                                  a new FILE is created with mode 0600 (exports hold command',
    '                                  lines); an existing file of yours is replaced atomically and',
    '                                  keeps its mode; a character device (/dev/null, a terminal) or',
    '                                  a FIFO of yours is written straight to, never replaced;',
    '                                  refused: a symbolic link (never replaced nor followed), a',
    '                                  file or FIFO of another user, a folder, a disk, a socket',
    '      --columns a,b,c           CSV columns and their order (default: all, in this order):',
    ...wrap(EXPORT_COLUMNS.join(', '), 60).map((line) => `                                  ${line}`),
    '      --separator S             CSV separator: comma (default), semicolon or tab (or , ; \\t)',
    '      --bom                     start the CSV with a UTF-8 byte order mark (for Excel)',
    '      --filter EXPR             only rows matching EXPR (the filter grammar, e.g. "port:443 tcp")',
  ].join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The raw values of the export flags as `parseArgs` returns them. */
export interface ExportFlagValues {
  format?: string;
  out?: string;
  columns?: string;
  separator?: string;
  bom?: boolean;
  filter?: string;
}

/** Parsed export flags: the request for the writers and where the output goes (null = stdout). */
export interface ExportTarget {
  request: ExportRequest;
  out: string | null;
}

const FORMATS: readonly ExportFormat[] = ['csv', 'json', 'ndjson'];

/**
 * `--out` names that mean standard output. /dev/stdout is a symbolic link (to /proc/self/fd/1),
 * which the file writer refuses; said this way it is what the user means, so it becomes stdout.
 */
const STDOUT_NAMES: ReadonlySet<string> = new Set(['-', '/dev/stdout']);

const SEPARATORS: Record<string, ',' | ';' | '\t'> = {
  comma: ',',
  ',': ',',
  semicolon: ';',
  ';': ';',
  tab: '\t',
  '\\t': '\t',
  '\t': '\t',
};

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/** The closest column name, when one is close enough to be a typo. */
function suggestColumn(name: string): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const column of EXPORT_COLUMNS) {
    const distance = column.includes(name) || name.includes(column) ? 1 : editDistance(name, column);
    if (distance < bestDistance) {
      best = column;
      bestDistance = distance;
    }
  }
  return bestDistance <= 3 ? best : null;
}

/** Parses `--columns a,b,c` (case-insensitive, `-` read as `_`); throws a {@link UsageError}. */
export function parseColumns(text: string): ExportColumn[] {
  const names = text.split(',').map((name) => name.trim().toLowerCase().replace(/-/g, '_'));
  if (names.some((name) => name === '')) {
    throw new UsageError('--columns has an empty name (write --columns local_port,process_name)');
  }
  const columns: ExportColumn[] = [];
  for (const name of names) {
    const column = EXPORT_COLUMNS.find((candidate) => candidate === name);
    if (column === undefined) {
      const suggestion = suggestColumn(name);
      throw new UsageError(
        `unknown column "${name}"${suggestion !== null ? ` (did you mean ${suggestion}?)` : ''}; columns are: ${EXPORT_COLUMNS.join(', ')}`,
      );
    }
    if (columns.includes(column)) throw new UsageError(`--columns names "${column}" twice`);
    columns.push(column);
  }
  return columns;
}

/** Parses `--separator`; throws a {@link UsageError}. */
export function parseSeparator(text: string): ',' | ';' | '\t' {
  const separator = SEPARATORS[text] ?? SEPARATORS[text.toLowerCase()];
  if (separator === undefined) throw new UsageError(`--separator must be comma, semicolon or tab (or , ; \\t), not "${text}"`);
  return separator;
}

/**
 * Turns the export flags into a request and a target; throws a {@link UsageError} on bad flags,
 * including a bad `--filter`, so nothing is read or written before the command line is right.
 */
export function parseExportFlags(values: ExportFlagValues, defaultFormat: ExportFormat = 'csv'): ExportTarget {
  const format = (values.format ?? defaultFormat).toLowerCase();
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be csv, json or ndjson, not "${values.format ?? ''}"`);
  }
  const request: ExportRequest = { format: format as ExportFormat };
  if (format !== 'csv') {
    const csvOnly = (['columns', 'separator', 'bom'] as const).filter((flag) => values[flag] !== undefined);
    if (csvOnly.length > 0) {
      const names = csvOnly.map((flag) => `--${flag}`).join(', ');
      throw new UsageError(`${names} only ${csvOnly.length === 1 ? 'applies' : 'apply'} to --format csv`);
    }
  }
  if (values.columns !== undefined) request.columns = parseColumns(values.columns);
  if (values.separator !== undefined) request.separator = parseSeparator(values.separator);
  if (values.bom === true) request.bom = true;
  if (values.filter !== undefined) request.filter = values.filter;
  if (values.out === '') throw new UsageError('--out needs a file name');
  const checked = checkExportRequest(request);
  if (!checked.ok) throw new UsageError(checked.error);
  return { request, out: values.out === undefined || STDOUT_NAMES.has(values.out) ? null : values.out };
}

/** Per stream: the pipe error seen, if any (one listener per stream, kept for its lifetime). */
const pipeErrors = new WeakMap<NodeJS.WritableStream, { error: Error | null }>();

function watchErrors(stream: NodeJS.WritableStream): { error: Error | null } {
  let state = pipeErrors.get(stream);
  if (state === undefined) {
    const created: { error: Error | null } = { error: null };
    // Kept on purpose: a closed pipe reports EPIPE asynchronously, possibly after the last write,
    // and an 'error' event without a listener would crash the process.
    stream.on('error', (error: Error) => {
      created.error ??= error;
    });
    pipeErrors.set(stream, created);
    state = created;
  }
  return state;
}

function isEpipe(error: Error | null): boolean {
  return error !== null && 'code' in error && (error as { code: unknown }).code === 'EPIPE';
}

/** Writes one chunk; resolves once the stream took it (or failed), respecting backpressure. */
function writeChunk(stream: NodeJS.WritableStream, chunk: string): Promise<void> {
  return new Promise((resolve) => {
    stream.write(chunk, () => resolve());
  });
}

async function streamChunks(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<Error | null> {
  const state = watchErrors(stream);
  state.error = null;
  for (const chunk of chunks) {
    if (state.error !== null) break;
    // Waiting for each chunk's callback bounds memory to one chunk in flight.
    await writeChunk(stream, chunk);
  }
  return state.error;
}

/**
 * Writes export chunks to `target.out` with the file writer (atomically, or straight into a device
 * or FIFO; links and other users' files refused: see atomic-write.ts), or to stdout as they are
 * produced. Resolves to the exit code; failures are printed as one line (`portwatch <command>:
 * cannot write …`) and leave no partial file.
 */
export async function writeExport(command: string, chunks: Iterable<string>, target: ExportTarget, io: CliIo): Promise<number> {
  if (target.out !== null) {
    try {
      await writeFileAtomic(target.out, chunks);
      return 0;
    } catch (error) {
      const message = error instanceof WriteError ? error.message : `cannot write ${target.out}: ${error instanceof Error ? error.message : String(error)}`;
      io.stderr.write(`portwatch ${command}: ${message}\n`);
      return 1;
    }
  }
  try {
    const error = await streamChunks(io.stdout, chunks);
    if (error === null || isEpipe(error)) return 0;
    io.stderr.write(`portwatch ${command}: cannot write to the output: ${error.message}\n`);
    return 1;
  } catch (error) {
    io.stderr.write(`portwatch ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
