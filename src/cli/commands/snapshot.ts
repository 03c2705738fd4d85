/** `portwatch snapshot`: one read of the socket table (or the last of several), printed to stdout. */
import { hostname } from 'node:os';
import type { PollStatus, SnapshotDocument } from '../../shared/model';
import type { SocketSourceKind } from '../../main/node/socket-source';
import { createSocketSource } from '../../main/node/socket-source';
import { RelayTracker } from '../../main/core/relays';
import { SocketInsights } from '../../main/core/socket-insights';
import { createOwnerLookup } from '../../main/node/owner-lookup';
import { readPortRange } from '../../main/node/port-range';
import { createSsInfoSource } from '../../main/node/ss-info';
import { SourceError } from '../../main/core/sources';
import { failedOutcome, okOutcome, pollStatus } from '../../main/core/poll-status';
import type { PollOutcome } from '../../main/core/poll-status';
import { exportChunks, exportDiff } from '../../shared/export';
import { describeDiffCounts } from '../../shared/export/diff';
import { parseFilter } from '../../shared/filter';
import type { ExportTarget } from '../export-output';
import { EXPORT_OPTIONS, exportHelp, parseExportFlags, writeExport } from '../export-output';
import type { CliIo } from '../main';
import { parseOptions, registerCommand, UsageError, VERSION } from '../main';

/** Output formats this command writes. */
const FORMATS = ['csv', 'json', 'ndjson'] as const;
type SnapshotFormat = (typeof FORMATS)[number];

const SOURCES: readonly SocketSourceKind[] = ['auto', 'systeminformation', 'linux-proc'];

/** The parsed command line of `portwatch snapshot`. */
export interface SnapshotOptions {
  format: SnapshotFormat;
  source: SocketSourceKind;
  /**
   * The export flags (`--format`, `--out`, `--columns`, `--separator`, `--bom`, `--filter`); the
   * request's filter already holds the shorthands (`--state`, `--port`, `--process`, `--listening`).
   */
  target: ExportTarget;
  /** `--diff SECONDS`: compare with a second snapshot taken this many seconds later (null = off). */
  diffSeconds: number | null;
  /** `--relays SECONDS`: watch the table this long so relays can be recognised (null = one read). */
  relaySeconds: number | null;
}

/** Bounds of `--relays SECONDS`. */
export const RELAY_SECONDS = { min: 1, max: 60 } as const;

/** How often `--relays` reads the table, ms. */
export const RELAY_READ_INTERVAL_MS = 500;

/** Bounds of `--diff SECONDS`. */
export const DIFF_SECONDS = { min: 1, max: 3600 } as const;

/** The raw values of the filter shorthands as `parseArgs` returns them. */
export interface ShorthandValues {
  filter?: string;
  state?: string;
  port?: string;
  process?: string;
  listening?: boolean;
}

/** Checks one shorthand's term with the grammar, so its error names the flag, not a column. */
function checkTerm(flag: string, term: string): string {
  const parsed = parseFilter(term);
  if (!parsed.ok) throw new UsageError(`${flag}: ${parsed.error.replace(/ at column \d+$/, '')}`);
  return term;
}

/**
 * Translates the shorthands into the filter grammar and ANDs them with `--filter` (the grammar
 * ANDs space-separated terms, so joining is enough). Returns undefined when none is given.
 */
export function shorthandFilter(values: ShorthandValues): string | undefined {
  const terms: string[] = [];
  // An empty --filter matches everything, as before the shorthands existed.
  if (values.filter !== undefined && values.filter.trim() !== '') terms.push(values.filter.trim());
  if (values.state !== undefined) {
    if (!/^[A-Za-z_-]+$/.test(values.state)) throw new UsageError(`--state needs one state word (e.g. listen, established, time-wait), not "${values.state}"`);
    terms.push(checkTerm('--state', `state:${values.state}`));
  }
  if (values.port !== undefined) {
    const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(values.port);
    const low = Number(match?.[1]);
    const high = match?.[2] === undefined ? low : Number(match[2]);
    if (!match || low > 65535 || high > 65535 || low > high) {
      throw new UsageError(`--port needs a port (0–65535) or a range like 8000-8100, not "${values.port}"`);
    }
    terms.push(`port:${values.port}`);
  }
  if (values.process !== undefined) {
    const name = values.process.trim();
    // The grammar has no escape for a quote inside a quoted value.
    if (name === '' || name.includes('"')) throw new UsageError(`--process needs a process name without double quotes, not "${values.process}"`);
    terms.push(checkTerm('--process', `proc:"${name}"`));
  }
  if (values.listening === true) terms.push('listening');
  return terms.length === 0 ? undefined : terms.join(' ');
}

/** Parses `--diff SECONDS` (a whole number 1–3600); throws a {@link UsageError}. */
export function parseDiffSeconds(text: string): number {
  const seconds = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(seconds) || seconds < DIFF_SECONDS.min || seconds > DIFF_SECONDS.max) {
    throw new UsageError(`--diff needs a whole number of seconds from ${DIFF_SECONDS.min} to ${DIFF_SECONDS.max}, not "${text}"`);
  }
  return seconds;
}

/** Parses `--relays SECONDS` (a whole number 1–60); throws a {@link UsageError}. */
export function parseRelaySeconds(text: string): number {
  const seconds = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(seconds) || seconds < RELAY_SECONDS.min || seconds > RELAY_SECONDS.max) {
    throw new UsageError(`--relays needs a whole number of seconds from ${RELAY_SECONDS.min} to ${RELAY_SECONDS.max}, not "${text}"`);
  }
  return seconds;
}

/** Parses the arguments; bad ones throw a {@link UsageError}. */
export function parseSnapshotArgs(args: string[]): SnapshotOptions {
  const { values } = parseOptions(args, {
    ...EXPORT_OPTIONS,
    source: { type: 'string', default: 'auto' },
    state: { type: 'string' },
    port: { type: 'string' },
    process: { type: 'string' },
    listening: { type: 'boolean' },
    diff: { type: 'string' },
    relays: { type: 'string' },
  });
  const format = (values.format ?? 'json').toLowerCase();
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`unknown format "${String(format)}" (choose: ${FORMATS.join(', ')})`);
  }
  const filter = shorthandFilter(values);
  const target = parseExportFlags({ ...values, filter }, 'json');
  const source = values.source;
  if (typeof source !== 'string' || !(SOURCES as readonly string[]).includes(source)) {
    throw new UsageError(`unknown source "${String(source)}" (choose: ${SOURCES.join(', ')})`);
  }
  const diffSeconds = values.diff === undefined ? null : parseDiffSeconds(values.diff);
  const relaySeconds = values.relays === undefined ? null : parseRelaySeconds(values.relays);
  if (relaySeconds !== null && diffSeconds !== null) throw new UsageError('--relays and --diff cannot be combined');
  return { format: format as SnapshotFormat, source: source as SocketSourceKind, target, diffSeconds, relaySeconds };
}

/**
 * Reads the table once and builds the document (the poll's failure is a status, not a throw).
 * With `relaySeconds`, reads it every {@link RELAY_READ_INTERVAL_MS} for that long first, feeding
 * the relay heuristic (it needs connections seen opening and closing), and keeps the last read.
 */
export async function takeSnapshot(source: SocketSourceKind, now: () => number = Date.now, relaySeconds: number | null = null): Promise<SnapshotDocument> {
  const reader = createSocketSource({ kind: source });
  const relays = relaySeconds === null ? null : new RelayTracker();
  if (relays !== null && relaySeconds !== null) {
    const reads = Math.round((relaySeconds * 1000) / RELAY_READ_INTERVAL_MS);
    for (let i = 0; i < reads; i += 1) {
      try {
        relays.observe((await reader.read()).rows);
      } catch {
        // The final read below reports the failure.
      }
      await new Promise<void>((resolve) => setTimeout(resolve, RELAY_READ_INTERVAL_MS));
    }
  }
  const started = now();
  let status: PollStatus;
  let rows: SnapshotDocument['rows'] = [];
  // Kernel counters (bytes, RTT, queues; no rates from one read), owner hints and health (Linux).
  const insights = new SocketInsights({ tcpInfo: process.platform === 'linux' ? createSsInfoSource() : null, owners: createOwnerLookup(), portRange: readPortRange });
  try {
    const [result] = await Promise.all([reader.read(), insights.refresh(started, { traffic: true })]);
    rows = result.rows;
    relays?.observe(rows);
    const found = insights.enrich(rows, now(), { traffic: true });
    status = onceStatus(okOutcome({ source: result.source, durationMs: now() - started, polledAt: now(), notices: [...result.notices, ...found.notices] }));
  } catch (error) {
    const kind = error instanceof SourceError ? error.kind : 'other';
    const message = error instanceof Error ? error.message : String(error);
    status = onceStatus(failedOutcome({ message, kind }, { source: reader.name, durationMs: now() - started, polledAt: now() }));
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

/** A one-off read has no poll loop: interval 0, never paused. */
function onceStatus(outcome: PollOutcome): PollStatus {
  return pollStatus(outcome, { intervalMs: 0, baseIntervalMs: 0, paused: false });
}

/** `--diff`: two snapshots SECONDS apart, written as a diff; the wait is announced on stderr. */
async function runDiff(options: SnapshotOptions, seconds: number, io: CliIo): Promise<number> {
  const before = await takeSnapshot(options.source);
  if (!before.status.ok) throw new Error(`cannot read the socket table: ${before.status.error ?? 'unknown error'}`);
  io.stderr.write(`portwatch snapshot: first snapshot taken (${before.rows.length} sockets); waiting ${seconds} s\n`);
  await new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));
  const after = await takeSnapshot(options.source);
  if (!after.status.ok) throw new Error(`cannot read the socket table: ${after.status.error ?? 'unknown error'}`);
  const prepared = exportDiff(before, after, options.target.request, VERSION);
  if (!prepared.ok) throw new UsageError(prepared.error);
  const code = await writeExport('snapshot', prepared.chunks, options.target, io);
  if (code === 0) io.stderr.write(`portwatch snapshot: ${describeDiffCounts(prepared.diff.counts)}${options.target.out !== null ? `; wrote ${options.target.out}` : ''}\n`);
  return code;
}

registerCommand('snapshot', {
  summary: 'print the socket table once (JSON, NDJSON or CSV), or what changed over N seconds',
  help: [
    'Usage: portwatch snapshot [--format csv|json|ndjson] [--out FILE] [--columns a,b,c] [--separator S] [--bom]',
    '                          [--filter EXPR] [--state S] [--port N[-M]] [--process NAME] [--listening]',
    '                          [--diff SECONDS] [--relays SECONDS] [--source auto|systeminformation|linux-proc]',
    '',
    'Reads the socket table once and prints it to stdout (or --out FILE) as a portwatch-snapshot',
    'document (JSON, NDJSON) or as CSV. `portwatch diff` compares two JSON/NDJSON snapshots.',
    'With --diff SECONDS it reads the table, waits, reads it again and prints what opened, closed',
    'and changed in between (the same output as `portwatch diff`).',
    '',
    'Options:',
    exportHelp('json'),
    '      --state S                 only sockets in state S: listen, established, syn-sent, syn-recv,',
    '                                fin-wait1, fin-wait2, time-wait, close, close-wait, last-ack, closing,',
    '                                bound (UDP), unconn (UDP), unknown; a prefix works (fin-wait = both)',
    '      --port N[-M]              only sockets with port N (or N to M) at either end',
    '      --process NAME            only sockets of a process whose name contains NAME (a,b = either)',
    '      --listening               only listening sockets',
    '                                (shorthands for the filter grammar; all given conditions must hold,',
    '                                 together with --filter)',
    `      --diff SECONDS            wait SECONDS (${DIFF_SECONDS.min}–${DIFF_SECONDS.max}) between two snapshots and print the diff`,
    `      --relays SECONDS          watch the table for SECONDS (${RELAY_SECONDS.min}–${RELAY_SECONDS.max}) before printing it, so relays are`,
    '                                recognised: processes pairing each accepted connection with one of',
    '                                their own (forwards of ssh, socat, docker-proxy, kubectl show anyway)',
    '      --source NAME             socket source: auto (default; linux-proc on Linux), systeminformation, linux-proc',
    '  -h, --help                    show this help',
    '',
    'Examples:',
    '  portwatch snapshot --listening --format csv',
    '  portwatch snapshot --port 443 --state established --process firefox',
    '  portwatch snapshot --diff 10 --format csv --filter tcp',
    '',
    'Exit codes: 0 ok, 1 the table could not be read (the document still prints, with status.error), 2 bad arguments.',
  ].join('\n'),
  run: async (args, io) => {
    const options = parseSnapshotArgs(args);
    if (options.diffSeconds !== null) return runDiff(options, options.diffSeconds, io);
    const doc = await takeSnapshot(options.source, Date.now, options.relaySeconds);
    const prepared = exportChunks(doc, options.target.request);
    if (!prepared.ok) throw new UsageError(prepared.error);
    const written = await writeExport('snapshot', prepared.chunks, options.target, io);
    if (!doc.status.ok) io.stderr.write(`portwatch snapshot: ${doc.status.error ?? 'the socket table could not be read'}\n`);
    return written !== 0 ? written : doc.status.ok ? 0 : 1;
  },
});
