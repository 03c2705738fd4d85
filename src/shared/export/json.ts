/**
 * JSON and NDJSON snapshots: building a {@link SnapshotDocument}, writing it in chunks (never one
 * giant string), and reading one back — from JSON or NDJSON, with errors that say what and where.
 *
 * JSON layout: the document's metadata on the first line, then one row per line, so the file
 * diffs well in git and streams:
 *
 *   {"format":"portwatch-snapshot",…,"status":{…},"rows":[
 *   {row},
 *   {row}
 *   ]}
 *
 * NDJSON: the document without `rows` on the first line, then one row per line.
 */
import * as v from 'valibot';
import { connectionKey } from '../key';
import { HEALTH_KINDS, SOCKET_STATES } from '../model';
import type { Connection, PollStatus, Snapshot, SnapshotDocument } from '../model';
import { isoTime } from './columns';

/** The value of `format` in every snapshot document. */
export const SNAPSHOT_FORMAT = 'portwatch-snapshot';

/** The document format version this code writes and reads. */
export const SNAPSHOT_FORMAT_VERSION = 1;

/** Everything of a snapshot document but its rows (the NDJSON header line). */
export type SnapshotHeader = Omit<SnapshotDocument, 'rows'>;

/** Chunks are yielded once they reach this many characters. */
const CHUNK_CHARS = 16_384;

/** A snapshot as a document ready to save; `portwatchVersion` is the writer's version. */
export function toSnapshotDocument(
  snapshot: Pick<Snapshot, 'hostname' | 'capturedAt' | 'status' | 'rows'>,
  portwatchVersion: string,
): SnapshotDocument {
  return { ...snapshotHeader(snapshot, portwatchVersion), rows: snapshot.rows };
}

/** The header of a snapshot document (fields in a fixed order, so output is stable). */
export function snapshotHeader(
  snapshot: Pick<Snapshot, 'hostname' | 'capturedAt' | 'status'>,
  portwatchVersion: string,
): SnapshotHeader {
  return {
    format: SNAPSHOT_FORMAT,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    portwatchVersion,
    hostname: snapshot.hostname,
    capturedAt: snapshot.capturedAt,
    capturedAtIso: isoTime(snapshot.capturedAt),
    status: snapshot.status,
  };
}

/** The header part of a document (drops `rows`, keeps the field order). */
export function headerOf(document: SnapshotDocument): SnapshotHeader {
  const { rows: _rows, ...header } = document;
  return header;
}

/**
 * A JSON object made of `head`'s fields plus one array field `arrayKey` holding `items`, written in
 * chunks: head and `"key":[` on the first line, one item per line, `]}` on the last.
 */
export function* jsonObjectChunks(head: object, arrayKey: string, items: Iterable<unknown>): Generator<string> {
  const headText = JSON.stringify(head);
  const open = headText === '{}' ? '{' : `${headText.slice(0, -1)},`;
  let buffer = `${open}${JSON.stringify(arrayKey)}:[`;
  let first = true;
  for (const item of items) {
    buffer += `${first ? '\n' : ',\n'}${JSON.stringify(item)}`;
    first = false;
    if (buffer.length >= CHUNK_CHARS) {
      yield buffer;
      buffer = '';
    }
  }
  yield `${buffer}\n]}\n`;
}

/** `head` on the first line, then one item per line (NDJSON, `\n` line ends). */
export function* ndjsonChunks(head: object, items: Iterable<unknown>): Generator<string> {
  let buffer = `${JSON.stringify(head)}\n`;
  for (const item of items) {
    buffer += `${JSON.stringify(item)}\n`;
    if (buffer.length >= CHUNK_CHARS) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}

/** A snapshot as JSON chunks; `rows` defaults to the document's (pass a filtered iterable to narrow). */
export function snapshotJsonChunks(header: SnapshotHeader, rows: Iterable<Connection>): Generator<string> {
  return jsonObjectChunks(header, 'rows', rows);
}

/** A snapshot as NDJSON chunks: the header line, then one row per line. */
export function snapshotNdjsonChunks(header: SnapshotHeader, rows: Iterable<Connection>): Generator<string> {
  return ndjsonChunks(header, rows);
}

// ---------------------------------------------------------------------------------------------
// Reading

const finite = (field: string): v.GenericSchema<unknown, number> =>
  v.pipe(v.number(`${field} must be a number`), v.finite(`${field} must be a finite number`));

const wholeIn = (field: string, min: number, max: number): v.GenericSchema<unknown, number> =>
  v.pipe(
    v.number(`${field} must be a number`),
    v.integer(`${field} must be a whole number`),
    v.minValue(min, `${field} must be at least ${min}`),
    v.maxValue(max, `${field} must be at most ${max}`),
  );

const textOf = (field: string, max: number): v.GenericSchema<unknown, string> =>
  v.pipe(v.string(`${field} must be text`), v.maxLength(max, `${field} must be at most ${max} characters`));

const optionalNullable = <T>(schema: v.GenericSchema<unknown, T>): v.GenericSchema<unknown, T | null | undefined> =>
  v.optional(v.nullable(schema));

const ownerSchema = v.object({
  pid: wholeIn('owners.pid', 0, 2 ** 32),
  name: textOf('owners.name', 4096),
  path: v.optional(textOf('owners.path', 65_536)),
  user: v.optional(textOf('owners.user', 4096)),
  commandLine: v.optional(textOf('owners.commandLine', 1_048_576)),
  startedAt: v.optional(finite('owners.startedAt')),
  exited: v.optional(v.boolean('owners.exited must be true or false')),
});

const serviceSchema = v.object({
  name: textOf('service.name', 256),
  description: textOf('service.description', 4096),
  port: wholeIn('service.port', 0, 65535),
  portClass: v.picklist(['well-known', 'registered', 'dynamic'], 'service.portClass must be well-known, registered or dynamic'),
  side: v.picklist(['local', 'remote'], 'service.side must be local or remote'),
});

const forwardSchema = v.object({
  kind: v.picklist(
    ['ssh-local', 'ssh-remote', 'ssh-dynamic', 'socat', 'docker-proxy', 'kubectl', 'portproxy', 'relay', 'nat'],
    'forward.kind is not a known forward kind',
  ),
  listenAddress: textOf('forward.listenAddress', 256),
  listenPort: wholeIn('forward.listenPort', 0, 65535),
  targetHost: v.nullable(textOf('forward.targetHost', 256)),
  targetPort: v.nullable(wholeIn('forward.targetPort', 0, 65535)),
  via: textOf('forward.via', 4096),
  targetContainer: optionalNullable(textOf('forward.targetContainer', 4096)),
});

const nullableCount = (field: string): v.GenericSchema<unknown, number | null> => v.nullable(v.pipe(finite(field), v.minValue(0, `${field} must not be negative`)));

const trafficSchema = v.object({
  bytesSent: nullableCount('traffic.bytesSent'),
  bytesReceived: nullableCount('traffic.bytesReceived'),
  sendRate: nullableCount('traffic.sendRate'),
  recvRate: nullableCount('traffic.recvRate'),
  rttMs: nullableCount('traffic.rttMs'),
  rttVarMs: nullableCount('traffic.rttVarMs'),
  retransmits: wholeIn('traffic.retransmits', 0, Number.MAX_SAFE_INTEGER),
  sendQueue: wholeIn('traffic.sendQueue', 0, Number.MAX_SAFE_INTEGER),
  recvQueue: wholeIn('traffic.recvQueue', 0, Number.MAX_SAFE_INTEGER),
});

const ownerHintSchema = v.object({
  label: textOf('ownerHint.label', 4096),
  source: v.picklist(['cgroup', 'container-metadata', 'socket-uid'], 'ownerHint.source must be cgroup, container-metadata or socket-uid'),
  confidence: v.picklist(['high', 'medium', 'low'], 'ownerHint.confidence must be high, medium or low'),
  unit: v.optional(textOf('ownerHint.unit', 4096)),
  container: v.optional(v.object({ runtime: textOf('ownerHint.container.runtime', 64), id: textOf('ownerHint.container.id', 256), name: v.nullable(textOf('ownerHint.container.name', 4096)) })),
  uid: optionalNullable(wholeIn('ownerHint.uid', 0, 2 ** 32)),
  user: optionalNullable(textOf('ownerHint.user', 4096)),
  cgroup: optionalNullable(textOf('ownerHint.cgroup', 65_536)),
});

/** A row of a snapshot document: every field type-checked, unknown fields dropped. */
const connectionSchema = v.object({
  key: v.optional(textOf('key', 1024)),
  protocol: v.picklist(['tcp', 'udp'], 'protocol must be tcp or udp'),
  family: v.picklist([4, 6], 'family must be 4 or 6'),
  localAddress: textOf('localAddress', 256),
  localPort: wholeIn('localPort', 0, 65535),
  remoteAddress: v.nullable(textOf('remoteAddress', 256)),
  remotePort: v.nullable(wholeIn('remotePort', 0, 65535)),
  state: v.picklist(SOCKET_STATES, `state must be one of ${SOCKET_STATES.join(', ')}`),
  inode: v.optional(wholeIn('inode', 0, Number.MAX_SAFE_INTEGER)),
  owners: v.array(ownerSchema, 'owners must be a list'),
  ownerVisibility: v.picklist(['visible', 'hidden', 'none'], 'ownerVisibility must be visible, hidden or none'),
  service: optionalNullable(serviceSchema),
  remoteHost: optionalNullable(textOf('remoteHost', 1024)),
  exposure: optionalNullable(v.picklist(['loopback', 'all-interfaces', 'specific'], 'exposure must be loopback, all-interfaces or specific')),
  forward: optionalNullable(forwardSchema),
  traffic: optionalNullable(trafficSchema),
  ownerHint: optionalNullable(ownerHintSchema),
  health: v.optional(v.array(v.picklist(HEALTH_KINDS, `health must list ${HEALTH_KINDS.join(', ')}`), 'health must be a list')),
  firstSeen: v.optional(finite('firstSeen')),
  lastSeen: v.optional(finite('lastSeen')),
  change: optionalNullable(v.picklist(['new', 'changed', 'closed'], 'change must be new, changed or closed')),
});

const statusSchema: v.GenericSchema<unknown, PollStatus> = v.object({
  ok: v.boolean('status.ok must be true or false'),
  error: v.nullable(textOf('status.error', 65_536)),
  errorKind: v.nullable(v.picklist(['missing-tool', 'permission', 'timeout', 'other'], 'status.errorKind is not a known kind')),
  durationMs: finite('status.durationMs'),
  polledAt: finite('status.polledAt'),
  intervalMs: finite('status.intervalMs'),
  paused: v.boolean('status.paused must be true or false'),
  source: textOf('status.source', 256),
  notices: v.array(textOf('status.notices', 65_536), 'status.notices must be a list'),
});

const headerSchema = v.object({
  portwatchVersion: textOf('portwatchVersion', 256),
  hostname: textOf('hostname', 1024),
  capturedAt: finite('capturedAt'),
  capturedAtIso: v.optional(textOf('capturedAtIso', 64)),
  status: statusSchema,
});

/** The outcome of reading a snapshot document: never throws. */
export type ParsedSnapshot = { ok: true; document: SnapshotDocument } | { ok: false; error: string };

type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** One line per problem; our messages already start with the dotted field name. */
function describe(issues: readonly v.BaseIssue<unknown>[]): string {
  const lines = issues.map((issue) => {
    const field = (issue.path ?? [])
      .map((item) => String(item.key))
      .filter((key) => !/^\d+$/.test(key))
      .join('.');
    return field === '' || issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
  });
  return [...new Set(lines)].join('; ');
}

function check<T>(schema: v.GenericSchema<unknown, T>, value: unknown): Checked<T> {
  const result = v.safeParse(schema, value);
  return result.success ? { ok: true, value: result.output } : { ok: false, error: describe(result.issues) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates one row; `where` names it in errors ("row 3", "line 5"). */
export function parseConnection(value: unknown, where: string): { ok: true; row: Connection } | { ok: false; error: string } {
  if (!isRecord(value)) return { ok: false, error: `${where}: a row must be a JSON object` };
  const checked = check(connectionSchema, value);
  if (!checked.ok) return { ok: false, error: `${where}: ${checked.error}` };
  const parsed = checked.value;
  const row: Connection = { ...parsed, key: parsed.key ?? connectionKey(parsed) };
  // Optional fields absent in the input stay absent (no `undefined` keys in the output).
  for (const name of Object.keys(row) as Array<keyof Connection>) {
    if (row[name] === undefined) delete row[name];
  }
  return { ok: true, row };
}

/** Validates the metadata of a document (everything but rows). */
function parseHeader(value: unknown, where: string): { ok: true; header: SnapshotHeader } | { ok: false; error: string } {
  if (!isRecord(value)) return { ok: false, error: `not a Portwatch snapshot: ${where} is not a JSON object` };
  if (value.format !== SNAPSHOT_FORMAT) {
    const found = typeof value.format === 'string' ? `"${value.format.slice(0, 60)}"` : 'missing';
    return { ok: false, error: `not a Portwatch snapshot: ${where} has format ${found}, expected "${SNAPSHOT_FORMAT}"` };
  }
  if (value.formatVersion !== SNAPSHOT_FORMAT_VERSION) {
    const found = JSON.stringify(value.formatVersion) ?? 'missing';
    return {
      ok: false,
      error: `unsupported snapshot formatVersion ${found.slice(0, 30)}: this Portwatch reads version ${SNAPSHOT_FORMAT_VERSION}`,
    };
  }
  const checked = check(headerSchema, value);
  if (!checked.ok) return { ok: false, error: `${where}: ${checked.error}` };
  const h = checked.value;
  return {
    ok: true,
    header: {
      format: SNAPSHOT_FORMAT,
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      portwatchVersion: h.portwatchVersion,
      hostname: h.hostname,
      capturedAt: h.capturedAt,
      capturedAtIso: h.capturedAtIso ?? isoTime(h.capturedAt),
      status: h.status,
    },
  };
}

function jsonErrorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function parseJsonDocument(value: unknown): ParsedSnapshot {
  const header = parseHeader(value, 'the document');
  if (!header.ok) return header;
  const rawRows = isRecord(value) ? value.rows : undefined;
  if (rawRows === undefined) return { ok: true, document: { ...header.header, rows: [] } };
  if (!Array.isArray(rawRows)) return { ok: false, error: 'rows must be a list' };
  const rows: Connection[] = [];
  for (let i = 0; i < rawRows.length; i += 1) {
    const row = parseConnection(rawRows[i], `row ${i + 1}`);
    if (!row.ok) return row;
    rows.push(row.row);
  }
  return { ok: true, document: { ...header.header, rows } };
}

function parseNdjsonDocument(lines: string[]): ParsedSnapshot {
  let header: SnapshotHeader | null = null;
  const rows: Connection[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      return { ok: false, error: `line ${i + 1}: not valid JSON (${jsonErrorText(error)})` };
    }
    if (header === null) {
      const parsed = parseHeader(value, `line ${i + 1}`);
      if (!parsed.ok) return parsed;
      if (isRecord(value) && value.rows !== undefined) {
        return { ok: false, error: `line ${i + 1}: an NDJSON header line must not hold rows (one row per line follows it)` };
      }
      header = parsed.header;
      continue;
    }
    const row = parseConnection(value, `line ${i + 1}`);
    if (!row.ok) return row;
    rows.push(row.row);
  }
  return header === null ? { ok: false, error: 'the file is empty' } : { ok: true, document: { ...header, rows } };
}

/**
 * Reads a snapshot document from JSON or NDJSON text (a leading BOM is ignored). Never throws;
 * errors say what is wrong and where: a wrong format marker, an unsupported version, bad JSON on
 * line N, a bad field of row N.
 */
export function parseSnapshotDocument(text: string): ParsedSnapshot {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') return { ok: false, error: 'the file is empty' };
  let whole: unknown;
  let wholeError: string | null = null;
  try {
    whole = JSON.parse(body);
  } catch (error) {
    wholeError = jsonErrorText(error);
  }
  if (wholeError === null) return parseJsonDocument(whole);
  // Not one JSON value: NDJSON when the first line is a JSON value on its own.
  const lines = body.split(/\r?\n/);
  const firstIndex = lines.findIndex((line) => line.trim() !== '');
  try {
    JSON.parse(lines[firstIndex] ?? '');
  } catch {
    return { ok: false, error: `not valid JSON or NDJSON (${wholeError})` };
  }
  return parseNdjsonDocument(lines);
}
