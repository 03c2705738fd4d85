/**
 * `portwatch forget`: deletes a range of the connection journal, or all of it. It takes the
 * journal's one-writer lock, so it refuses while the desktop app or `serve` records the file.
 */
import { existsSync } from 'node:fs';
import { NodeJournal } from '../../main/node/journal/journal';
import { journalPath, localTime, momentOption } from '../journal-output';
import { parseOptions, registerCommand, UsageError } from '../main';
import type { CliIo } from '../main';

async function runForget(args: string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, { from: { type: 'string' }, to: { type: 'string' }, all: { type: 'boolean' }, journal: { type: 'string' } });
  const now = Date.now();
  if (values.all === true && (values.from !== undefined || values.to !== undefined)) throw new UsageError('give either --all or --from/--to, not both');
  if (values.all !== true && values.from === undefined) throw new UsageError('name what to forget: --from T [--to T], or --all');
  const range =
    values.all === true
      ? undefined
      : { from: momentOption('--from', values.from as string, now), to: values.to === undefined ? now : momentOption('--to', values.to, now) };
  if (range !== undefined && range.from > range.to) throw new UsageError('--from is after --to');
  const file = journalPath(values.journal);
  if (!existsSync(file)) {
    io.stderr.write(`portwatch forget: no journal at ${file}; nothing to forget\n`);
    return 0;
  }
  const journal = await NodeJournal.open({ file, paused: true });
  try {
    const sessions = await journal.forget(range);
    const what = range === undefined ? 'everything' : `${localTime(range.from)} to ${localTime(range.to)}`;
    io.stdout.write(`Forgot ${what}: ${sessions} socket session${sessions === 1 ? '' : 's'} deleted from ${file}\n`);
    return 0;
  } finally {
    journal.close();
  }
}

registerCommand('forget', {
  summary: 'delete a range of the connection journal, or all of it',
  help: [
    'Usage: portwatch forget --from T [--to T] [--journal FILE]',
    '       portwatch forget --all [--journal FILE]',
    '',
    'Deletes from the connection journal every socket session open at any moment of the range, its',
    'per-minute counts, the "talked to" counters of the hours it touches and probe results; --all',
    'deletes everything. Freed space goes back to the file system and SQLite\'s log is emptied.',
    'The desktop app or `portwatch serve` must not be recording the same journal (stop it first).',
    '',
    'Options:',
    '      --from T, --to T   the range (--to defaults to now); T is now, a duration ago (2h), HH:MM,',
    '                         a date, ISO 8601 or epoch ms',
    '      --all              forget everything',
    '      --journal FILE     the journal (default: journal.db in the data folder)',
    '  -h, --help             show this help',
    '',
    'Exit codes: 0 ok, 1 the journal cannot be opened (in use, damaged), 2 bad arguments.',
  ].join('\n'),
  run: runForget,
});
