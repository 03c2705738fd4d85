/**
 * The export columns, defined once: how each column is read from a {@link Connection} and what
 * kind of value it holds. The CSV writer, the diff writer and the renderer's table/export all use
 * this table, so a column means the same thing everywhere.
 */
import { forwardLong } from '../forward';
import { EXPORT_COLUMNS } from '../model';
import type { Connection, ExportColumn, ProcessOwner } from '../model';

/**
 * What a column holds. Only `text` cells pass through the formula-injection guard: `number` cells
 * are printed from real numbers and `address` cells are IP literals, so both must stay exact.
 * `time` cells are ISO 8601 UTC instants (they start with a digit, never a formula trigger).
 */
export type ColumnKind = 'text' | 'number' | 'address' | 'time';

/** What a column reader gets besides the row. */
export interface ColumnContext {
  /** When the snapshot the row belongs to was taken, epoch ms. */
  capturedAt: number;
}

/** One export column: its kind and how to read its plain (unguarded, unquoted) value. */
export interface ColumnSpec {
  kind: ColumnKind;
  /** The cell as plain text; '' for an empty value (never "null" or "undefined"). */
  read(row: Connection, context: ColumnContext): string;
}

/** Valid epoch ms as ISO 8601 UTC; '' for a missing or out-of-range time. */
export function isoTime(ms: number | null | undefined): string {
  // Date supports ±8.64e15 ms; beyond that toISOString throws.
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : '';
}

/** A finite number as text; '' for anything else (a missing port, a wildcard, bad input). */
function num(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

/** Bytes per second to the whole byte (a rate between two polls is no more precise). */
function rounded(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : null;
}

/** Plain text; '' for null/undefined or a non-string. */
function str(value: string | null | undefined): string {
  return typeof value === 'string' ? value : '';
}

/**
 * One value per owner, joined with `;` in owner order so the n-th pid lines up with the n-th name,
 * path and user; '' when no owner has the value at all.
 */
function owners(row: Connection, pick: (owner: ProcessOwner) => string): string {
  const values = row.owners.map(pick);
  return values.every((value) => value === '') ? '' : values.join(';');
}

/** Every export column, keyed by name. */
export const COLUMN_SPECS: Readonly<Record<ExportColumn, ColumnSpec>> = {
  captured_at: { kind: 'time', read: (_row, context) => isoTime(context.capturedAt) },
  protocol: { kind: 'text', read: (row) => str(row.protocol) },
  ip_version: { kind: 'number', read: (row) => num(row.family) },
  local_address: { kind: 'address', read: (row) => str(row.localAddress) },
  local_port: { kind: 'number', read: (row) => num(row.localPort) },
  local_service: { kind: 'text', read: (row) => (row.service?.side === 'local' ? str(row.service.name) : '') },
  remote_address: { kind: 'address', read: (row) => str(row.remoteAddress) },
  remote_port: { kind: 'number', read: (row) => num(row.remotePort) },
  remote_host: { kind: 'text', read: (row) => str(row.remoteHost) },
  remote_service: { kind: 'text', read: (row) => (row.service?.side === 'remote' ? str(row.service.name) : '') },
  state: { kind: 'text', read: (row) => str(row.state) },
  pid: { kind: 'number', read: (row) => owners(row, (owner) => num(owner.pid)) },
  process_name: { kind: 'text', read: (row) => owners(row, (owner) => str(owner.name)) },
  process_path: { kind: 'text', read: (row) => owners(row, (owner) => str(owner.path)) },
  command_line: { kind: 'text', read: (row) => owners(row, (owner) => str(owner.commandLine)) },
  user: { kind: 'text', read: (row) => owners(row, (owner) => str(owner.user)) },
  first_seen: { kind: 'time', read: (row) => isoTime(row.firstSeen) },
  last_seen: { kind: 'time', read: (row) => isoTime(row.lastSeen) },
  change: { kind: 'text', read: (row) => str(row.change) },
  exposure: { kind: 'text', read: (row) => str(row.exposure) },
  // `via` holds command-line words, so this is guarded text like command_line.
  forward: { kind: 'text', read: (row) => (row.forward ? forwardLong(row.forward) : '') },
  // Kernel counters (Linux): empty where there are none (UDP, not measured) — never a made-up 0.
  bytes_sent: { kind: 'number', read: (row) => num(row.traffic?.bytesSent) },
  bytes_received: { kind: 'number', read: (row) => num(row.traffic?.bytesReceived) },
  send_rate: { kind: 'number', read: (row) => num(rounded(row.traffic?.sendRate)) },
  recv_rate: { kind: 'number', read: (row) => num(rounded(row.traffic?.recvRate)) },
  rtt_ms: { kind: 'number', read: (row) => num(row.traffic?.rttMs) },
  retransmits: { kind: 'number', read: (row) => num(row.traffic?.retransmits) },
  health: { kind: 'text', read: (row) => (row.health ?? []).join(';') },
  // Names chosen by other users (container names) may appear here: guarded text.
  owner_hint: { kind: 'text', read: (row) => str(row.ownerHint?.label) },
};

/** True for a column name of {@link EXPORT_COLUMNS}. */
export function isExportColumn(name: string): name is ExportColumn {
  return (EXPORT_COLUMNS as readonly string[]).includes(name);
}
