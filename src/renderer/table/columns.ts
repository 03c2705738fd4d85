/**
 * The connections table's columns: what each shows, how it sorts, and which export columns it maps
 * to. Pure functions over `Connection`, shared by the table, copy-row and the CSV export.
 */
import type { Connection, ExportColumn, RowChange, ServiceInfo } from '../../shared/model';
import { forwardShort } from '../../shared/forward';
import { formatEndpoint, isIPv4 } from '../../shared/net';

/** Column ids in on-screen order. */
export const COLUMN_IDS = [
  'change',
  'protocol',
  'local',
  'service',
  'remote',
  'remoteHost',
  'remoteService',
  'state',
  'process',
  'pid',
  'forward',
  'age',
] as const;

/** One of {@link COLUMN_IDS}. */
export type ColumnId = (typeof COLUMN_IDS)[number];

/** A column's presentation. */
export interface ColumnDef {
  id: ColumnId;
  /** Header text. */
  title: string;
  /** CSS grid track width. */
  width: string;
  /** Addresses and ports read better in monospace. */
  mono: boolean;
  /** Export columns this column stands for, in order (none for the change mark). */
  export: ExportColumn[];
}

/** The columns, in order. */
export const COLUMNS: readonly ColumnDef[] = [
  { id: 'change', title: 'Change', width: '5.5rem', mono: false, export: ['change'] },
  { id: 'protocol', title: 'Proto', width: '4.5rem', mono: true, export: ['protocol'] },
  { id: 'local', title: 'Local address', width: 'minmax(10.5rem, 1.4fr)', mono: true, export: ['local_address', 'local_port'] },
  { id: 'service', title: 'Service', width: '7rem', mono: false, export: ['local_service'] },
  { id: 'remote', title: 'Remote address', width: 'minmax(10.5rem, 1.4fr)', mono: true, export: ['remote_address', 'remote_port'] },
  { id: 'remoteHost', title: 'Remote host', width: 'minmax(8rem, 1fr)', mono: false, export: ['remote_host'] },
  { id: 'remoteService', title: 'Remote service', width: '7.5rem', mono: false, export: ['remote_service'] },
  { id: 'state', title: 'State', width: '7.5rem', mono: true, export: ['state'] },
  { id: 'process', title: 'Process', width: 'minmax(7rem, 1fr)', mono: false, export: ['process_name'] },
  { id: 'pid', title: 'PID', width: '5rem', mono: true, export: ['pid'] },
  { id: 'forward', title: 'Forward', width: 'minmax(5rem, 1fr)', mono: false, export: ['forward'] },
  { id: 'age', title: 'Age', width: '4.5rem', mono: true, export: ['first_seen'] },
];

/** The export columns for the on-screen column order (the capture time first, as the CSV has it). */
export function exportColumnsFor(columns: readonly ColumnDef[]): ExportColumn[] {
  const out: ExportColumn[] = ['captured_at'];
  for (const column of columns) for (const name of column.export) if (!out.includes(name)) out.push(name);
  return out;
}

/** The service when it is the local end (a listener we run). */
export function localService(c: Connection): ServiceInfo | null {
  return c.service && c.service.side === 'local' ? c.service : null;
}

/** The service when it is the remote end (a peer we call). */
export function remoteService(c: Connection): ServiceInfo | null {
  return c.service && c.service.side === 'remote' ? c.service : null;
}

/** The process column's text: names of the owners, or why there is none. */
export function processText(c: Connection): string {
  if (c.owners.length > 0) return [...new Set(c.owners.map((o) => o.name))].join(', ');
  return c.ownerVisibility === 'hidden' ? '(another user)' : '—';
}

/** The pid column's text. */
export function pidText(c: Connection): string {
  return c.owners.map((o) => String(o.pid)).join(', ');
}

/** A short age: 42s, 5m, 3h, 2d. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** How a row change reads, in words and as a symbol (so colour is never the only cue). */
export const CHANGE_MARKS: Record<Exclude<RowChange, null>, { symbol: string; word: string }> = {
  new: { symbol: '+', word: 'new' },
  changed: { symbol: '~', word: 'changed' },
  closed: { symbol: '×', word: 'closed' },
};

/** The text of one cell; `now` (epoch ms) is the table's capture time, for the age. */
export function cellText(c: Connection, column: ColumnId, now: number): string {
  switch (column) {
    case 'change':
      return c.change ? `${CHANGE_MARKS[c.change].symbol} ${CHANGE_MARKS[c.change].word}` : '';
    case 'protocol':
      return `${c.protocol}${c.family === 6 ? '6' : ''}`;
    case 'local':
      return formatEndpoint(c.localAddress, c.localPort);
    case 'service':
      return localService(c)?.name ?? '';
    case 'remote':
      return c.remoteAddress === null && c.remotePort === null ? '—' : formatEndpoint(c.remoteAddress, c.remotePort);
    case 'remoteHost':
      return c.remoteHost ?? '';
    case 'remoteService':
      return remoteService(c)?.name ?? '';
    case 'state':
      return c.state;
    case 'process':
      return processText(c);
    case 'pid':
      return pidText(c);
    case 'forward':
      return c.forward ? forwardShort(c.forward) : '';
    case 'age':
      return c.firstSeen === undefined ? '' : formatAge(now - c.firstSeen);
  }
}

/** A row as tab-separated text with a header line, for the clipboard. */
export function rowAsText(c: Connection, now: number): string {
  const columns = COLUMNS.filter((col) => col.id !== 'change');
  return `${columns.map((col) => col.title).join('\t')}\n${columns.map((col) => cellText(c, col.id, now)).join('\t')}`;
}

/**
 * An endpoint's sort key: a number for IPv4 (address × 65 536 + port, exact in a double) so the
 * common case compares in one step; a string for IPv6, which sorts after every number (see
 * `compareKeys`); -1 for a wildcard remote end, first.
 */
export function endpointSortKey(address: string | null, port: number | null): string | number {
  if (address === null) return -1;
  if (isIPv4(address)) {
    const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
    return (((a * 256 + b) * 256 + c) * 256 + d) * 65_536 + (port ?? 0);
  }
  return `${address.toLowerCase()} ${String(port ?? 0).padStart(5, '0')}`;
}

/** Orders sort keys: numbers before strings, then by value (`<` is cheaper than localeCompare). */
export function compareKeys(a: string | number, b: string | number): number {
  if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
  return typeof a === 'number' ? -1 : 1;
}

const CHANGE_ORDER: Record<string, string> = { new: '0', changed: '1', closed: '2' };

/** The value a column sorts by (compared with {@link compareKeys}). */
export function sortKey(c: Connection, column: ColumnId): string | number {
  switch (column) {
    case 'change':
      return c.change ? (CHANGE_ORDER[c.change] ?? '3') : '3';
    case 'protocol':
      return `${c.protocol}${c.family}`;
    case 'local':
      return endpointSortKey(c.localAddress, c.localPort);
    case 'service':
      return localService(c)?.name ?? '\uffff';
    case 'remote':
      return endpointSortKey(c.remoteAddress, c.remotePort);
    case 'remoteHost':
      return (c.remoteHost ?? '\uffff').toLowerCase();
    case 'remoteService':
      return remoteService(c)?.name ?? '\uffff';
    case 'state':
      return c.state;
    case 'process':
      return c.owners.length > 0 ? (c.owners[0]?.name ?? '').toLowerCase() : '\uffff';
    case 'pid':
      return c.owners[0]?.pid ?? Number.MAX_SAFE_INTEGER;
    case 'forward':
      return c.forward ? forwardShort(c.forward).toLowerCase() : '\uffff';
    case 'age':
      // Ascending age = youngest first.
      return -(c.firstSeen ?? 0);
  }
}
