/**
 * `portwatch at TIME`: the socket table as the journal recorded it at a past moment — sockets
 * closed since included — as a table, or as a snapshot document (CSV, JSON, NDJSON) that
 * `portwatch diff` can compare with another moment or with now.
 */
import { hostname } from 'node:os';
import type { Connection, PollStatus } from '../../shared/model';
import { exportChunks } from '../../shared/export';
import { sessionAsConnection } from '../../main/core/journal-codec';
import type { JournalReader } from '../../main/node/journal/queries';
import { writeExport } from '../export-output';
import { JOURNAL_OPTIONS, endpoint, journalPath, localTime, momentOption, parseJournalFilter, parseOut, tableChunks } from '../journal-output';
import { parseOptions, registerCommand, UsageError, VERSION } from '../main';
import type { CliIo } from '../main';
import { parseFormat, withJournal } from './history';
import type { JournalFilter } from '../../shared/journal';

function* rowsAt(reader: JournalReader, at: number, filter: JournalFilter): Generator<Connection> {
  for (const { key, session } of reader.asOf(at, filter)) yield sessionAsConnection(session, key, at);
}

function tableRow(row: Connection): string[] {
  return [
    `${row.protocol}${row.family === 6 ? '6' : ''}`,
    endpoint(row.localAddress, row.localPort),
    endpoint(row.remoteAddress, row.remotePort),
    row.remoteHost ?? '',
    row.state,
    row.owners.map((o) => o.pid).join(';'),
    row.owners.map((o) => o.name).join(';'),
    localTime(row.firstSeen ?? null),
  ];
}

async function runAt(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, JOURNAL_OPTIONS, true);
  if (positionals.length !== 1) throw new UsageError('name one moment (portwatch at 14:05, portwatch at 2h, portwatch at 2026-12-03T02:30)');
  const now = Date.now();
  const at = momentOption('TIME', positionals[0] as string, now);
  const format = parseFormat(values.format);
  const filter = parseJournalFilter(values);
  const out = parseOut(values.out);
  return withJournal(journalPath(values.journal), async (reader) => {
    const coverage = reader.coverage(at);
    if (!coverage.recorded) {
      const last = coverage.run === null ? 'it holds no earlier recording' : `the last recording before it ended at ${localTime(coverage.run.to)}`;
      io.stderr.write(`portwatch at: the journal was not recording at ${localTime(at)} (${last})\n`);
      return 1;
    }
    const rows = rowsAt(reader, at, filter);
    let chunks: Iterable<string>;
    if (format === 'table') {
      chunks = tableChunks(['PROTO', 'LOCAL', 'REMOTE', 'HOST', 'STATE', 'PID', 'PROCESS', 'SINCE'], (function* () {
        for (const row of rows) yield tableRow(row);
      })());
    } else {
      const status: PollStatus = { ok: true, error: null, errorKind: null, durationMs: 0, polledAt: at, intervalMs: 0, paused: false, source: 'journal', notices: [] };
      const prepared = exportChunks(rows, { format }, { portwatchVersion: VERSION, hostname: hostname(), capturedAt: at, status });
      if (!prepared.ok) throw new Error(prepared.error);
      chunks = prepared.chunks;
    }
    return writeExport('at', chunks, { request: { format: 'csv' }, out }, io);
  });
}

registerCommand('at', {
  summary: 'the socket table as the journal recorded it at a past moment',
  help: [
    'Usage: portwatch at TIME [--process NAME] [--port N] [--remote HOST] [--format table|csv|json|ndjson]',
    '                    [--out FILE] [--journal FILE]',
    '',
    'Prints every socket that was open at TIME, in the state it had then, from the connection journal',
    '(sockets closed since are included). TIME is a duration ago (2h, 90m), HH:MM (today, or yesterday',
    'if still to come), a date, ISO 8601 (2026-12-03T02:30) or epoch ms.',
    'CSV, JSON and NDJSON are snapshot documents: `portwatch diff` compares two of them, or one with now.',
    '',
    'Options:',
    '      --process NAME     only sockets of a process whose name contains NAME',
    '      --port N           only sockets with port N at either end',
    '      --remote HOST      only sockets whose remote address or host name contains HOST',
    '  -f, --format F         table (default), csv, json or ndjson',
    '  -o, --out FILE         write to FILE atomically instead of stdout',
    '      --journal FILE     the journal to read (default: journal.db in the data folder)',
    '  -h, --help             show this help',
    '',
    'Examples:',
    '  portwatch at 03:00 --port 22',
    '  portwatch at 2h --format json --out two-hours-ago.json && portwatch diff two-hours-ago.json',
    '',
    'Exit codes: 0 ok, 1 the journal cannot be read or was not recording at TIME, 2 bad arguments.',
  ].join('\n'),
  run: runAt,
});
