/**
 * The difference between two snapshot documents ("what opened since yesterday"), and its export
 * in every format.
 *
 * Rows are matched by {@link connectionKey} — protocol, family, both endpoints, and the inode for
 * peerless sockets — recomputed from each row, so documents written by other versions or edited by
 * hand still match. Several rows with one key (possible for listeners without an inode) are paired
 * in document order.
 *
 * - opened: a key only in the new document.
 * - closed: a key only in the old document.
 * - changed: a key in both whose socket differs in one of {@link DIFF_FIELDS}:
 *   - `state`: the socket state (LISTEN, ESTABLISHED, TIME_WAIT…);
 *   - `owners`: the set of owning pids, a pid's process name, a pid's start time (when both
 *     documents know it: a recycled pid), or whether the owner is visible/hidden/none;
 *   - `exposure`: loopback / all-interfaces / specific;
 *   - `forward`: the port forward the socket takes part in.
 *   Not compared: times (first/last seen move on every poll), `change` (relative to one poll),
 *   reverse-DNS names (depend on settings and timing), services (follow from the ports, which are
 *   in the key) and the inode of a connected socket (the kernel zeroes it in TIME_WAIT).
 * Rows marked `change: "closed"` (kept visible after closing) are not live sockets and are ignored.
 */
import type { Filter } from '../filter';
import { matchesFilter } from '../filter';
import { connectionKey } from '../key';
import { EXPORT_COLUMNS } from '../model';
import type { Connection, ExportColumn, ExportFormat, SnapshotDocument } from '../model';
import { isoTime } from './columns';
import { connectionCells, csvRecordChunks } from './csv';
import type { CsvSeparator } from './csv';
import { jsonObjectChunks, ndjsonChunks } from './json';

/** How a row differs between the two documents. */
export type DiffKind = 'opened' | 'closed' | 'changed';

/** The fields whose difference makes a row `changed`. */
export const DIFF_FIELDS = ['state', 'owners', 'exposure', 'forward'] as const;

/** One of {@link DIFF_FIELDS}. */
export type DiffField = (typeof DIFF_FIELDS)[number];

/** One row of a diff. */
export interface DiffEntry {
  diff: DiffKind;
  key: string;
  /** What changed (`changed` only; empty otherwise), in {@link DIFF_FIELDS} order. */
  fields: DiffField[];
  /** The row as it is now: the new row, or for `closed` the old row. */
  row: Connection;
  /** The old row of a `changed` entry; null otherwise. */
  previous: Connection | null;
}

/** Which snapshot a side of the diff is. */
export interface DiffSide {
  hostname: string;
  capturedAt: number;
  capturedAtIso: string;
  portwatchVersion: string;
}

/** Counts of a diff (after the filter, if any). */
export interface DiffCounts {
  opened: number;
  closed: number;
  changed: number;
  /** Rows present and equal in both. */
  unchanged: number;
}

/** A diff as saved to JSON; NDJSON carries everything but `entries` on its first line. */
export interface SnapshotDiff {
  format: 'portwatch-diff';
  formatVersion: 1;
  portwatchVersion: string;
  old: DiffSide;
  new: DiffSide;
  /** The filter expression the rows were narrowed with; null for none. */
  filter: string | null;
  counts: DiffCounts;
  /** Opened first, then changed (both in the new document's order), then closed (old order). */
  entries: DiffEntry[];
}

/** Options of {@link diffSnapshots}. */
export interface DiffOptions {
  /** The writer's version, recorded in the diff. */
  portwatchVersion: string;
  /** Only rows matching it (on either side) take part. */
  filter?: Filter | null;
}

function sideOf(document: SnapshotDocument): DiffSide {
  return {
    hostname: document.hostname,
    capturedAt: document.capturedAt,
    capturedAtIso: document.capturedAtIso || isoTime(document.capturedAt),
    portwatchVersion: document.portwatchVersion,
  };
}

function ownersDiffer(a: Connection, b: Connection): boolean {
  if (a.ownerVisibility !== b.ownerVisibility || a.owners.length !== b.owners.length) return true;
  const byPid = new Map(a.owners.map((owner) => [owner.pid, owner]));
  return b.owners.some((owner) => {
    const before = byPid.get(owner.pid);
    if (before === undefined || before.name !== owner.name) return true;
    return before.startedAt !== undefined && owner.startedAt !== undefined && before.startedAt !== owner.startedAt;
  });
}

function forwardText(row: Connection): string {
  const f = row.forward;
  return f == null ? '' : JSON.stringify([f.kind, f.listenAddress, f.listenPort, f.targetHost, f.targetPort, f.via]);
}

/** The {@link DIFF_FIELDS} in which two rows of one key differ. */
export function changedFields(before: Connection, after: Connection): DiffField[] {
  const fields: DiffField[] = [];
  if (before.state !== after.state) fields.push('state');
  if (ownersDiffer(before, after)) fields.push('owners');
  if ((before.exposure ?? null) !== (after.exposure ?? null)) fields.push('exposure');
  if (forwardText(before) !== forwardText(after)) fields.push('forward');
  return fields;
}

function liveRows(document: SnapshotDocument): Connection[] {
  return document.rows.filter((row) => row.change !== 'closed');
}

/** Compares two snapshot documents. */
export function diffSnapshots(before: SnapshotDocument, after: SnapshotDocument, options: DiffOptions): SnapshotDiff {
  const filter = options.filter ?? null;
  const oldByKey = new Map<string, Connection[]>();
  for (const row of liveRows(before)) {
    const key = connectionKey(row);
    const list = oldByKey.get(key);
    if (list) list.push(row);
    else oldByKey.set(key, [row]);
  }
  const paired = new Set<Connection>();
  const opened: DiffEntry[] = [];
  const changed: DiffEntry[] = [];
  const closed: DiffEntry[] = [];
  let unchanged = 0;
  const keep = (...rows: Connection[]): boolean => filter === null || rows.some((row) => matchesFilter(filter, row));
  for (const row of liveRows(after)) {
    const key = connectionKey(row);
    const previous = oldByKey.get(key)?.find((candidate) => !paired.has(candidate));
    if (previous === undefined) {
      if (keep(row)) opened.push({ diff: 'opened', key, fields: [], row, previous: null });
      continue;
    }
    paired.add(previous);
    if (!keep(row, previous)) continue;
    const fields = changedFields(previous, row);
    if (fields.length === 0) unchanged += 1;
    else changed.push({ diff: 'changed', key, fields, row, previous });
  }
  for (const row of liveRows(before)) {
    if (!paired.has(row) && keep(row)) closed.push({ diff: 'closed', key: connectionKey(row), fields: [], row, previous: null });
  }
  return {
    format: 'portwatch-diff',
    formatVersion: 1,
    portwatchVersion: options.portwatchVersion,
    old: sideOf(before),
    new: sideOf(after),
    filter: filter === null || filter.terms.length === 0 ? null : filter.source,
    counts: { opened: opened.length, closed: closed.length, changed: changed.length, unchanged },
    entries: [...opened, ...changed, ...closed],
  };
}

/** One line for people: `3 opened, 1 closed, 2 changed, 40 unchanged`. */
export function describeDiffCounts(counts: DiffCounts): string {
  return `${counts.opened} opened, ${counts.closed} closed, ${counts.changed} changed, ${counts.unchanged} unchanged`;
}

/** The columns a diff CSV starts with, before the normal export columns. */
export const DIFF_CSV_LEADING_COLUMNS = ['diff', 'diff_fields'] as const;

/** How to write a diff. */
export interface DiffWriteOptions {
  format: ExportFormat;
  /** CSV only: the normal columns after `diff` and `diff_fields`; default all. */
  columns?: readonly ExportColumn[];
  separator?: CsvSeparator;
  bom?: boolean;
}

/**
 * A diff as chunks. CSV: `diff` (opened/closed/changed), `diff_fields` (the changed fields joined
 * with `;`), then the normal columns of the row (the old row for closed, with the old capture time
 * as captured_at). JSON: the {@link SnapshotDiff} with one entry per line. NDJSON: the diff without
 * `entries` on the first line, then one entry per line.
 */
export function* diffChunks(diff: SnapshotDiff, options: DiffWriteOptions): Generator<string> {
  const { entries, ...head } = diff;
  if (options.format === 'json') {
    yield* jsonObjectChunks(head, 'entries', entries);
    return;
  }
  if (options.format === 'ndjson') {
    yield* ndjsonChunks(head, entries);
    return;
  }
  const columns = options.columns ?? EXPORT_COLUMNS;
  function* records(): Generator<string[]> {
    for (const entry of entries) {
      const capturedAt = entry.diff === 'closed' ? diff.old.capturedAt : diff.new.capturedAt;
      yield [entry.diff, entry.fields.join(';'), ...connectionCells(entry.row, columns, capturedAt)];
    }
  }
  yield* csvRecordChunks([...DIFF_CSV_LEADING_COLUMNS, ...columns], records(), { separator: options.separator ?? ',', bom: options.bom ?? false });
}
