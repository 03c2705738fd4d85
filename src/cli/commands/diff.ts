/** `portwatch diff OLD.json [NEW.json]`: what opened, closed and changed between two snapshots. */
import { readFile } from 'node:fs/promises';
import { exportDiff, parseSnapshotDocument } from '../../shared/export';
import { describeDiffCounts } from '../../shared/export/diff';
import type { SnapshotDocument } from '../../shared/model';
import { EXPORT_OPTIONS, exportHelp, parseExportFlags, writeExport } from '../export-output';
import { parseOptions, registerCommand, UsageError, VERSION } from '../main';
import { takeSnapshot } from './snapshot';

const HELP = `Usage: portwatch diff OLD.json [NEW.json] [options]

Compares two snapshots saved with \`portwatch snapshot --format json\` (or ndjson) and prints the
sockets that opened, closed or changed (state, owning processes, exposure, port forward). Without
NEW.json, compares OLD.json with the sockets open now.

CSV output starts with two columns: diff (opened, closed or changed) and diff_fields (what
changed, joined with ";"), then the usual export columns. JSON and NDJSON hold the whole diff.

Options:
${exportHelp('csv')}
  -h, --help                    show this help

Without NEW.json, \`portwatch snapshot --diff SECONDS\` does both reads itself.
Exit codes: 0 ok, 1 a snapshot cannot be read or the output cannot be written, 2 bad arguments.`;

/** Reads a snapshot document from a file, with errors that name the file. */
export async function readSnapshotFile(path: string): Promise<SnapshotDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    const reasons: Record<string, string> = {
      ENOENT: 'no such file',
      EACCES: 'permission denied',
      EISDIR: 'it is a folder',
    };
    throw new Error(`cannot read ${path}: ${reasons[code] ?? (error instanceof Error ? error.message : String(error))}`);
  }
  const parsed = parseSnapshotDocument(text);
  if (!parsed.ok) throw new Error(`${path}: ${parsed.error}`);
  return parsed.document;
}

registerCommand('diff', {
  summary: 'compare two snapshots: sockets opened, closed, changed',
  help: HELP,
  run: async (args, io) => {
    const { values, positionals } = parseOptions(args, EXPORT_OPTIONS, true);
    if (positionals.length === 0) throw new UsageError('name the old snapshot (portwatch diff OLD.json [NEW.json])');
    if (positionals.length > 2) throw new UsageError(`expected at most two snapshots, got ${positionals.length}`);
    const target = parseExportFlags(values);
    const [oldPath = '', newPath] = positionals;
    const before = await readSnapshotFile(oldPath);
    let after: SnapshotDocument;
    if (newPath !== undefined) {
      after = await readSnapshotFile(newPath);
    } else {
      // NEW omitted: compare with the sockets open now.
      after = await takeSnapshot('auto');
      if (!after.status.ok) throw new Error(`cannot read the socket table now: ${after.status.error ?? 'unknown error'}`);
    }
    const prepared = exportDiff(before, after, target.request, VERSION);
    if (!prepared.ok) throw new UsageError(prepared.error);
    if (before.hostname !== after.hostname) {
      io.stderr.write(`portwatch diff: note: the snapshots come from different hosts (${before.hostname}, ${after.hostname})\n`);
    }
    const code = await writeExport('diff', prepared.chunks, target, io);
    if (code === 0 && target.out !== null) io.stderr.write(`portwatch diff: ${describeDiffCounts(prepared.diff.counts)}; wrote ${target.out}\n`);
    return code;
  },
});
