/**
 * The desktop export: ask where to save with the native dialog, write the chunks with the file
 * writer (src/main/node/atomic-write.ts), and show a dialog when the write fails (permission denied,
 * disk full, a symbolic link or another user's file chosen). The writer leaves nothing partial
 * behind (the target is replaced only after the whole file is on disk), creates a new export with
 * mode 0600 (it holds command lines) and lets an existing file keep its mode.
 *
 * Electron is injected (`dialog`, the parent window) so this is tested in Node on real files.
 */
import { EXPORT_FILE_TYPES, exportChunks } from '../../shared/export';
import type { ExportFormat, ExportRequest, ExportResult, Snapshot } from '../../shared/model';
import type { WriteContent } from '../node/atomic-write';
import { defaultExportName } from '../../shared/export-name';

export { defaultExportName, timestamp } from '../../shared/export-name';

const FILTER_NAMES: Record<ExportFormat, string> = { csv: 'CSV', json: 'JSON', ndjson: 'NDJSON (one JSON object per line)' };

/** The subset of Electron's save dialog the exporter uses. */
export interface SaveDialogOptions {
  title: string;
  defaultPath: string;
  buttonLabel: string;
  filters: { name: string; extensions: string[] }[];
  properties: ('createDirectory' | 'showOverwriteConfirmation')[];
}

/** What the exporter needs from the outside world. */
export interface ExporterDeps {
  /** Electron's `dialog.showSaveDialog`, bound to the main window when there is one. */
  showSaveDialog(options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }>;
  /** Electron's `dialog.showErrorBox` (or a message box) for a failed write. */
  showError(title: string, message: string): void;
  /** The file writer (`writeFileAtomic` of src/main/node/atomic-write.ts, with its default 0600 for new files). */
  writeFile(target: string, content: WriteContent): Promise<void>;
  /** Epoch ms, for the default name. */
  now(): number;
  /** The folder proposed in the dialog (`app.getPath('documents')`), remembered after each save. */
  defaultFolder: string;
  /** Joins a folder and a file name (`node:path` join). */
  join(folder: string, name: string): string;
  /** The folder of a path (`node:path` dirname). */
  dirname(path: string): string;
}

/** Saves an export; the service calls it with the request and the export writer's chunks. */
export type Exporter = (request: ExportRequest, chunks: Iterable<string> | AsyncIterable<string>) => Promise<ExportResult>;

/**
 * Creates the desktop exporter. A cancelled dialog resolves `{ kind: 'cancelled' }`; a failed write
 * is shown in a dialog and rejects with the same message (so an API caller learns it too).
 */
export function createExporter(deps: ExporterDeps): Exporter {
  let folder = deps.defaultFolder;
  return async (request, chunks) => {
    const format = request.format;
    const choice = await deps.showSaveDialog({
      title: 'Export snapshot',
      defaultPath: deps.join(folder, defaultExportName(deps.now(), format)),
      buttonLabel: 'Export',
      filters: [{ name: FILTER_NAMES[format], extensions: [EXPORT_FILE_TYPES[format].extension] }],
      properties: ['createDirectory', 'showOverwriteConfirmation'],
    });
    if (choice.canceled || choice.filePath === undefined || choice.filePath === '') return { kind: 'cancelled' };
    const target = choice.filePath;
    try {
      await deps.writeFile(target, chunks);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.showError('Export failed', message);
      throw new Error(message);
    }
    folder = deps.dirname(target);
    return { kind: 'saved', path: target };
  };
}

/**
 * The service's `exporter` for the desktop: takes the current snapshot, turns it into the request's
 * format with the shared export writers (a bad request or filter fails before the dialog opens, in
 * an error dialog too), and saves it with `save`.
 */
export function createSnapshotExporter(
  getSnapshot: () => Promise<Snapshot>,
  save: Exporter,
  portwatchVersion: string,
  showError: (title: string, message: string) => void,
): (request: ExportRequest) => Promise<ExportResult> {
  return async (request) => {
    const snapshot = await getSnapshot();
    const prepared = exportChunks(snapshot.rows, request, {
      portwatchVersion,
      hostname: snapshot.hostname,
      capturedAt: snapshot.capturedAt,
      status: snapshot.status,
    });
    if (!prepared.ok) {
      showError('Export failed', prepared.error);
      throw new Error(prepared.error);
    }
    return save(request, prepared.chunks);
  };
}
