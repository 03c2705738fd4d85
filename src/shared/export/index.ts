/**
 * One entry point for every export (the desktop save, the browser download, the CLI): validate the
 * request, parse its filter — so a bad request fails with a clear message before anything is
 * written — then pick the writer for the format. The result is a lazy generator of string chunks.
 */
import { parseFilter } from '../filter';
import type { Filter } from '../filter';
import { matchesFilter } from '../filter';
import type { Connection, ExportFormat, ExportRequest, PollStatus, SnapshotDocument } from '../model';
import { exportRequestSchema, validate } from '../schemas';
import { csvChunks } from './csv';
import { diffChunks, diffSnapshots } from './diff';
import type { SnapshotDiff } from './diff';
import { headerOf, snapshotHeader, snapshotJsonChunks, snapshotNdjsonChunks } from './json';
import type { SnapshotHeader } from './json';

/** What a JSON export needs besides the rows when it is given bare rows. */
export interface ExportMeta {
  portwatchVersion: string;
  hostname: string;
  /** Epoch ms. */
  capturedAt: number;
  status: PollStatus;
}

/** A ready export, or why it cannot be made. */
export type PreparedExport = { ok: true; chunks: Generator<string>; format: ExportFormat } | { ok: false; error: string };

/** File name extension and media type per format (for save dialogs and downloads). */
export const EXPORT_FILE_TYPES: Readonly<Record<ExportFormat, { extension: string; mimeType: string }>> = {
  csv: { extension: 'csv', mimeType: 'text/csv;charset=utf-8' },
  json: { extension: 'json', mimeType: 'application/json' },
  ndjson: { extension: 'ndjson', mimeType: 'application/x-ndjson' },
};

/** A request checked against the schema, with its filter parsed (null = no filter). */
export type CheckedRequest = { ok: true; request: ExportRequest; filter: Filter | null } | { ok: false; error: string };

/** Validates an export request (untrusted: it may come from the renderer or a browser tab). */
export function checkExportRequest(request: unknown): CheckedRequest {
  const validated = validate(exportRequestSchema, request);
  if (!validated.ok) return { ok: false, error: `export request: ${validated.error}` };
  const source = validated.value.filter?.trim() ?? '';
  if (source === '') return { ok: true, request: validated.value, filter: null };
  const parsed = parseFilter(source);
  if (!parsed.ok) return { ok: false, error: `filter: ${parsed.error}` };
  return { ok: true, request: validated.value, filter: parsed.filter };
}

function* matching(rows: Iterable<Connection>, filter: Filter | null): Generator<Connection> {
  for (const row of rows) if (filter === null || matchesFilter(filter, row)) yield row;
}

function isDocument(source: SnapshotDocument | Iterable<Connection>): source is SnapshotDocument {
  return typeof (source as Partial<SnapshotDocument>).format === 'string' && Array.isArray((source as Partial<SnapshotDocument>).rows);
}

/**
 * A snapshot export as chunks: a document (its own metadata), or bare rows with `meta`. Rows not
 * matching `request.filter` are left out. Never throws for a bad request: returns its error.
 */
export function exportChunks(document: SnapshotDocument, request: ExportRequest): PreparedExport;
export function exportChunks(rows: Iterable<Connection>, request: ExportRequest, meta: ExportMeta): PreparedExport;
export function exportChunks(source: SnapshotDocument | Iterable<Connection>, request: ExportRequest, meta?: ExportMeta): PreparedExport {
  const checked = checkExportRequest(request);
  if (!checked.ok) return checked;
  let header: SnapshotHeader;
  let rows: Iterable<Connection>;
  if (isDocument(source)) {
    header = headerOf(source);
    rows = source.rows;
  } else if (meta !== undefined) {
    header = snapshotHeader(meta, meta.portwatchVersion);
    rows = source;
  } else {
    return { ok: false, error: 'export: rows given without their metadata (host name, capture time, status)' };
  }
  const { format, columns, separator, bom } = checked.request;
  const selected = matching(rows, checked.filter);
  switch (format) {
    case 'csv':
      return { ok: true, format, chunks: csvChunks(selected, { columns, separator, bom, capturedAt: header.capturedAt }) };
    case 'json':
      return { ok: true, format, chunks: snapshotJsonChunks(header, selected) };
    case 'ndjson':
      return { ok: true, format, chunks: snapshotNdjsonChunks(header, selected) };
  }
}

/** A diff ready to write, or why not. */
export type PreparedDiff = { ok: true; diff: SnapshotDiff; chunks: Generator<string>; format: ExportFormat } | { ok: false; error: string };

/**
 * The diff of two documents as chunks, in the request's format; `request.filter` keeps only rows
 * matching it on either side (the counts then describe those rows).
 */
export function exportDiff(before: SnapshotDocument, after: SnapshotDocument, request: ExportRequest, portwatchVersion: string): PreparedDiff {
  const checked = checkExportRequest(request);
  if (!checked.ok) return checked;
  const { format, columns, separator, bom } = checked.request;
  const diff = diffSnapshots(before, after, { portwatchVersion, filter: checked.filter });
  return { ok: true, format, diff, chunks: diffChunks(diff, { format, columns, separator, bom }) };
}

export { BOM, csvChunks, csvRecordChunks, guardCell, guardText, quoteField } from './csv';
export type { CsvOptions, CsvSeparator } from './csv';
export { COLUMN_SPECS, isExportColumn, isoTime } from './columns';
export type { ColumnKind, ColumnSpec } from './columns';
export { parseSnapshotDocument, snapshotHeader, toSnapshotDocument } from './json';
export type { ParsedSnapshot, SnapshotHeader } from './json';
export { DIFF_FIELDS, describeDiffCounts, diffChunks, diffSnapshots } from './diff';
export type { DiffEntry, DiffField, DiffKind, SnapshotDiff } from './diff';
