/**
 * `portwatch history`: what the connection journal recorded over a range — socket sessions
 * (streamed, however many), or "talked to" lists, or first-seen events — as a table, CSV, JSON or
 * NDJSON. Reads the journal file the desktop app or `portwatch serve` writes; never writes it.
 */
import type { JournalFilter, JournalRange, JournalSession } from '../../shared/journal';
import { csvRecordChunks, guardText, isoTime } from '../../shared/export';
import { jsonObjectChunks, ndjsonChunks } from '../../shared/export/json';
import { openJournalForReading } from '../../main/node/journal/database';
import type { KeyedSession } from '../../main/node/journal/queries';
import { JournalReader } from '../../main/node/journal/queries';
import { writeExport } from '../export-output';
import { JOURNAL_OPTIONS, endpoint, journalPath, localTime, momentOption, parseJournalFilter, parseOut, tableChunks } from '../journal-output';
import { parseOptions, registerCommand, UsageError, VERSION } from '../main';
import type { CliIo } from '../main';
import { parseDuration } from '../../main/core/journal-query';

const FORMATS = ['table', 'csv', 'json', 'ndjson'] as const;
/** An output format of the journal commands. */
export type JournalFormat = (typeof FORMATS)[number];

/** What `history` lists. */
type View = 'sessions' | 'talked-to' | 'events';

/** The parsed command line of `portwatch history`. */
export interface HistoryOptions {
  range: JournalRange;
  filter: JournalFilter;
  format: JournalFormat;
  view: View;
  journal: string;
  out: string | null;
}

/** `--format`, checked. */
export function parseFormat(text: string | undefined): JournalFormat {
  const format = (text ?? 'table').toLowerCase();
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be ${FORMATS.join(', ')}; not "${text ?? ''}"`);
  return format as JournalFormat;
}

/** Parses the arguments (times relative to `now`); bad ones throw a {@link UsageError}. */
export function parseHistoryArgs(args: string[], now: number): HistoryOptions {
  const { values } = parseOptions(args, {
    ...JOURNAL_OPTIONS,
    since: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'talked-to': { type: 'boolean' },
    events: { type: 'boolean' },
  });
  if (values.since !== undefined && (values.from !== undefined || values.to !== undefined)) throw new UsageError('give either --since or --from/--to, not both');
  let range: JournalRange;
  if (values.since !== undefined) {
    const span = parseDuration(values.since);
    if (span === null) throw new UsageError(`--since needs a duration like 30m, 2h, 7d or 1w; not "${values.since}"`);
    range = { from: now - span, to: now };
  } else {
    const to = values.to === undefined ? now : momentOption('--to', values.to, now);
    const from = values.from === undefined ? to - 3_600_000 : momentOption('--from', values.from, now);
    if (from > to) throw new UsageError('--from is after --to');
    range = { from, to };
  }
  const filter = parseJournalFilter(values);
  if (values['talked-to'] === true && values.events === true) throw new UsageError('choose one of --talked-to and --events');
  const view: View = values['talked-to'] === true ? 'talked-to' : values.events === true ? 'events' : 'sessions';
  if (view !== 'sessions' && filter.port !== undefined) throw new UsageError(`--port does not apply to --${view} (they are per address)`);
  return { range, filter, format: parseFormat(values.format), view, journal: journalPath(values.journal), out: parseOut(values.out) };
}

const SESSION_CSV = [
  'opened_at',
  'closed_at',
  'opened_before',
  'closed_unseen',
  'protocol',
  'ip_version',
  'local_address',
  'local_port',
  'remote_address',
  'remote_port',
  'remote_host',
  'states',
  'pid',
  'process_name',
  'process_path',
  'user',
  'service',
  'exposure',
  'forward',
] as const;

const text = (value: string | null | undefined): string => guardText(value ?? '');
const num = (value: number | null | undefined): string => (typeof value === 'number' ? String(value) : '');
const ownersOf = (s: JournalSession, pick: (o: JournalSession['owners'][number]) => string | number | null): string => s.owners.map((o) => pick(o) ?? '').join(';');

function sessionCsv(s: JournalSession): string[] {
  return [
    isoTime(s.openedAt),
    isoTime(s.closedAt),
    s.openedBefore ? 'true' : 'false',
    s.closedUnseen ? 'true' : 'false',
    s.protocol,
    String(s.family),
    s.localAddress,
    String(s.localPort),
    s.remoteAddress ?? '',
    num(s.remotePort),
    text(s.remoteHost),
    s.states.map((x) => x.state).join('>'),
    ownersOf(s, (o) => o.pid),
    text(ownersOf(s, (o) => o.name)),
    text(ownersOf(s, (o) => o.path)),
    text(ownersOf(s, (o) => o.user)),
    text(s.service?.name),
    s.exposure ?? '',
    text(s.forward?.via),
  ];
}

const SESSION_TABLE = ['OPENED', 'CLOSED', 'PROTO', 'LOCAL', 'REMOTE', 'HOST', 'STATES', 'PID', 'PROCESS'];

function sessionRow(s: JournalSession): string[] {
  return [
    `${s.openedBefore ? '≤' : ''}${localTime(s.openedAt)}`,
    s.closedAt === null ? 'open' : `${s.closedUnseen ? '≥' : ''}${localTime(s.closedAt)}`,
    `${s.protocol}${s.family === 6 ? '6' : ''}`,
    endpoint(s.localAddress, s.localPort),
    endpoint(s.remoteAddress, s.remotePort),
    s.remoteHost ?? '',
    s.states.map((x) => x.state).join('→'),
    ownersOf(s, (o) => o.pid),
    ownersOf(s, (o) => o.name),
  ];
}

/** The header of JSON/NDJSON output of the journal commands. */
export function journalHeader(kind: string, journal: string, range: JournalRange, filter: JournalFilter, reader: JournalReader): object {
  return {
    format: kind,
    formatVersion: 1,
    portwatchVersion: VERSION,
    journal,
    from: range.from,
    fromIso: isoTime(range.from),
    to: range.to,
    toIso: isoTime(range.to),
    filter,
    recorded: reader.runs(range),
  };
}

function* map<T, U>(items: Iterable<T>, f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}

/** The chunks of one view in one format. */
export function historyChunks(options: HistoryOptions, reader: JournalReader): Iterable<string> {
  const { range, filter, format, view } = options;
  const head = (): object => journalHeader(`portwatch-${view === 'sessions' ? 'history' : view}`, options.journal, range, filter, reader);
  if (view === 'sessions') {
    const sessions = (): Generator<KeyedSession> => reader.sessions(range, filter);
    if (format === 'table') return tableChunks(SESSION_TABLE, map(sessions(), (s) => sessionRow(s.session)));
    if (format === 'csv') return csvRecordChunks(SESSION_CSV, map(sessions(), (s) => sessionCsv(s.session)));
    const items = map(sessions(), (s) => ({ key: s.key, ...s.session }));
    return format === 'json' ? jsonObjectChunks(head(), 'sessions', items) : ndjsonChunks(head(), items);
  }
  if (view === 'talked-to') {
    const list = reader.talkedTo(range, filter);
    if (format === 'table') {
      return tableChunks(
        ['PROCESS', 'REMOTE', 'HOST', 'SESSIONS', 'FIRST SEEN', 'LAST SEEN', 'KNOWN'],
        list.map((t) => [t.process || '(no owner)', t.remoteAddress, t.remoteHost ?? '', String(t.sessions), localTime(t.firstSeen), localTime(t.lastSeen), t.known ? 'yes' : '']),
      );
    }
    if (format === 'csv') {
      return csvRecordChunks(
        ['process_name', 'process_path', 'user', 'remote_address', 'remote_host', 'sessions', 'first_seen', 'last_seen', 'known'],
        list.map((t) => [text(t.process), text(t.path), text(t.user), t.remoteAddress, text(t.remoteHost), String(t.sessions), isoTime(t.firstSeen), isoTime(t.lastSeen), String(t.known)]),
      );
    }
    return format === 'json' ? jsonObjectChunks(head(), 'talkedTo', list) : ndjsonChunks(head(), list);
  }
  const events = reader.events(range);
  const describe = (e: (typeof events)[number]): [string, string, string, string] =>
    e.kind === 'first-contact'
      ? ['first-contact', e.process, e.remoteAddress, e.remoteHost ?? '']
      : ['new-listener', e.process ?? '', `${e.protocol}/${e.port}`, `${e.localAddress}${e.openedBefore ? ' (open when first seen)' : ''}`];
  if (format === 'table') return tableChunks(['AT', 'EVENT', 'PROCESS', 'WHAT', 'DETAIL'], events.map((e) => [localTime(e.at), ...describe(e)]));
  if (format === 'csv') return csvRecordChunks(['at', 'event', 'process_name', 'what', 'detail'], events.map((e) => [isoTime(e.at), ...describe(e).map(text)]));
  return format === 'json' ? jsonObjectChunks(head(), 'events', events) : ndjsonChunks(head(), events);
}

/** Opens the journal read-only, runs `body`, closes it. */
export async function withJournal(file: string, body: (reader: JournalReader) => Promise<number>): Promise<number> {
  const db = await openJournalForReading(file);
  try {
    return await body(new JournalReader(db));
  } finally {
    db.close();
  }
}

async function runHistory(args: string[], io: CliIo): Promise<number> {
  const options = parseHistoryArgs(args, Date.now());
  return withJournal(options.journal, async (reader) => {
    const code = await writeExport('history', historyChunks(options, reader), { request: { format: 'csv' }, out: options.out }, io);
    const missing = reader.runs(options.range).length === 0;
    if (code === 0 && missing) io.stderr.write('portwatch history: note: the journal was not recording at any moment of this range\n');
    return code;
  });
}

registerCommand('history', {
  summary: 'what the connection journal recorded: sessions, "talked to" lists, first-seen events',
  help: [
    'Usage: portwatch history [--since 2h | --from T --to T] [--process NAME] [--port N] [--remote HOST]',
    '                         [--talked-to | --events] [--format table|csv|json|ndjson] [--out FILE] [--journal FILE]',
    '',
    'Prints the socket sessions the journal recorded (each socket from the poll that first saw it to',
    'the poll that no longer did) that were open at any moment of the range, oldest first. The desktop',
    'app and `portwatch serve` write the journal while they run; this command only reads it.',
    'In the table, ≤ before a time means the socket was already open when first seen, ≥ that it',
    'closed while the journal was not recording.',
    '',
    'Options:',
    '      --since DURATION   the last 30m, 2h, 7d, 1w … (default: the last hour)',
    '      --from T, --to T   a range; T is now, a duration ago (2h), HH:MM, a date, ISO 8601 or epoch ms',
    '      --process NAME     only sockets of a process whose name contains NAME',
    '      --port N           only sockets with port N at either end',
    '      --remote HOST      only sockets whose remote address or host name contains HOST',
    '      --talked-to        per process, the remote addresses it talked to: sessions, first and last seen',
    '                         (counted per hour: the range is widened to whole hours)',
    '      --events           first contacts of a process with an address, and new listening ports',
    '  -f, --format F         table (default), csv, json or ndjson (json/ndjson stream, for large ranges)',
    '  -o, --out FILE         write to FILE atomically instead of stdout',
    '      --journal FILE     the journal to read (default: journal.db in the data folder)',
    '  -h, --help             show this help',
    '',
    'Examples:',
    '  portwatch history --since 24h --port 8080',
    '  portwatch history --since 7d --process firefox --talked-to',
    '  portwatch history --from 2026-12-03T02:00 --to 2026-12-03T04:00 --format csv > night.csv',
    '',
    'Exit codes: 0 ok, 1 the journal cannot be read or the output cannot be written, 2 bad arguments.',
  ].join('\n'),
  run: runHistory,
});
