/** `portwatch snapshot`: one read of the socket table, printed to stdout. */
import { hostname } from 'node:os';
import type { PollStatus, SnapshotDocument } from '../../shared/model';
import type { SocketSourceKind } from '../../main/node/socket-source';
import { createSocketSource } from '../../main/node/socket-source';
import { SourceError } from '../../main/core/sources';
import { exportChunks } from '../../shared/export';
import type { ExportTarget } from '../export-output';
import { EXPORT_OPTIONS, exportHelp, parseExportFlags, writeExport } from '../export-output';
import { parseOptions, registerCommand, UsageError, VERSION } from '../main';

/** Output formats this command writes. */
const FORMATS = ['csv', 'json', 'ndjson'] as const;
type SnapshotFormat = (typeof FORMATS)[number];

const SOURCES: readonly SocketSourceKind[] = ['auto', 'systeminformation', 'linux-proc'];

/** The parsed command line of `portwatch snapshot`. */
export interface SnapshotOptions {
  format: SnapshotFormat;
  source: SocketSourceKind;
  /** The export flags (`--format`, `--out`, `--columns`, `--separator`, `--bom`, `--filter`). */
  target: ExportTarget;
}

/** Parses the arguments; bad ones throw a {@link UsageError}. */
export function parseSnapshotArgs(args: string[]): SnapshotOptions {
  const { values } = parseOptions(args, {
    ...EXPORT_OPTIONS,
    source: { type: 'string', default: 'auto' },
  });
  const format = (values.format ?? 'json').toLowerCase();
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`unknown format "${String(format)}" (choose: ${FORMATS.join(', ')})`);
  }
  const target = parseExportFlags(values, 'json');
  const source = values.source;
  if (typeof source !== 'string' || !(SOURCES as readonly string[]).includes(source)) {
    throw new UsageError(`unknown source "${String(source)}" (choose: ${SOURCES.join(', ')})`);
  }
  return { format: format as SnapshotFormat, source: source as SocketSourceKind, target };
}

/** Reads the table once and builds the document (the poll's failure is a status, not a throw). */
export async function takeSnapshot(source: SocketSourceKind, now: () => number = Date.now): Promise<SnapshotDocument> {
  const reader = createSocketSource({ kind: source });
  const started = now();
  let status: PollStatus;
  let rows: SnapshotDocument['rows'] = [];
  try {
    const result = await reader.read();
    rows = result.rows;
    status = statusOf(true, null, null, now() - started, now(), result.source, result.notices);
  } catch (error) {
    const kind = error instanceof SourceError ? error.kind : 'other';
    const message = error instanceof Error ? error.message : String(error);
    status = statusOf(false, message, kind, now() - started, now(), reader.name, []);
  }
  return {
    format: 'portwatch-snapshot',
    formatVersion: 1,
    portwatchVersion: VERSION,
    hostname: hostname(),
    capturedAt: status.polledAt,
    capturedAtIso: new Date(status.polledAt).toISOString(),
    status,
    rows,
  };
}

function statusOf(
  ok: boolean,
  error: string | null,
  errorKind: PollStatus['errorKind'],
  durationMs: number,
  polledAt: number,
  source: string,
  notices: string[],
): PollStatus {
  return { ok, error, errorKind, durationMs, polledAt, intervalMs: 0, paused: false, source, notices };
}

registerCommand('snapshot', {
  summary: 'print the socket table once (JSON, NDJSON or CSV)',
  help: [
    'Usage: portwatch snapshot [--format csv|json|ndjson] [--out FILE] [--columns a,b,c] [--separator S] [--bom]',
    '                          [--filter EXPR] [--source auto|systeminformation|linux-proc]',
    '',
    'Reads the socket table once and prints it to stdout (or --out FILE) as a portwatch-snapshot',
    'document (JSON, NDJSON) or as CSV. `portwatch diff` compares two JSON/NDJSON snapshots.',
    '',
    'Options:',
    exportHelp('json'),
    '      --source NAME             socket source: auto (default; linux-proc on Linux), systeminformation, linux-proc',
    '  -h, --help                    show this help',
    '',
    'Exit codes: 0 ok, 1 the table could not be read (the document still prints, with status.error), 2 bad arguments.',
  ].join('\n'),
  run: async (args, io) => {
    const options = parseSnapshotArgs(args);
    const doc = await takeSnapshot(options.source);
    const prepared = exportChunks(doc, options.target.request);
    if (!prepared.ok) throw new UsageError(prepared.error);
    const written = await writeExport('snapshot', prepared.chunks, options.target, io);
    if (!doc.status.ok) io.stderr.write(`portwatch snapshot: ${doc.status.error ?? 'the socket table could not be read'}\n`);
    return written !== 0 ? written : doc.status.ok ? 0 : 1;
  },
});
