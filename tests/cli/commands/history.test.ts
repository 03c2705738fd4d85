import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/shared/model';
import { NodeJournal } from '../../../src/main/node/journal/journal';
import { localTime, tableChunks } from '../../../src/cli/journal-output';
import { parseHistoryArgs } from '../../../src/cli/commands/history';
import { runCliCaptured } from '../../support/cli';
import { makeConnection, makeDelta } from '../../support/connections';

const T = Date.UTC(2026, 0, 1, 10, 0, 0);
let dir: string;
let file: string;


const listener = makeConnection({ localPort: 8080, inode: 3, exposure: 'loopback', owners: [{ pid: 11, name: 'server', user: 'me' }] });
const evil = makeConnection({
  localPort: 40000,
  remoteAddress: '127.0.0.1',
  remotePort: 8080,
  state: 'ESTABLISHED',
  owners: [{ pid: 12, name: '=cmd\u001b[31mred\u202e' }],
  remoteHost: 'localhost',
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-history-cli-'));
  file = join(dir, 'journal.db');
  const clock = { t: T };
  const journal = await NodeJournal.open({ file, now: () => clock.t });
  journal.delta(makeDelta(T, {}), { rows: (): Connection[] => [listener] });
  journal.delta(makeDelta(T + 1000, { added: [evil] }), { rows: () => [listener, evil] });
  journal.delta(makeDelta(T + 2000, { changed: [{ ...evil, state: 'TIME_WAIT', change: 'changed' }] }), { rows: () => [listener, evil] });
  journal.delta(makeDelta(T + 5000, { changed: [{ ...evil, change: 'closed' }] }), { rows: () => [listener] });
  clock.t = T + 6000;
  journal.delta(makeDelta(T + 6000, {}), { rows: () => [listener] });
  journal.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const iso = (ms: number): string => new Date(ms).toISOString();

describe('portwatch history', () => {
  it('prints the sessions of a range as CSV, with formula and state log guarded', async () => {
    const run = await runCliCaptured(['history', '--journal', file, '--from', iso(T), '--to', iso(T + 10_000), '--format', 'csv']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out.split('\r\n')).toEqual([
      'opened_at,closed_at,opened_before,closed_unseen,protocol,ip_version,local_address,local_port,remote_address,remote_port,remote_host,states,pid,process_name,process_path,user,service,exposure,forward',
      `${iso(T)},,true,false,tcp,4,127.0.0.1,8080,,,,LISTEN,11,server,,me,,loopback,`,
      `${iso(T + 1000)},${iso(T + 5000)},false,false,tcp,4,127.0.0.1,40000,127.0.0.1,8080,localhost,ESTABLISHED>TIME_WAIT,12,'=cmd\u001b[31mred\u202e,,,,,`,
      '',
    ]);
  });

  it('filters by port, process and remote; a range before anything is empty with a note', async () => {
    const byPort = await runCliCaptured(['history', '--journal', file, '--from', iso(T), '--to', iso(T + 10_000), '--port', '40000', '--format', 'ndjson']);
    const lines = byPort.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ format: 'portwatch-history', from: T, to: T + 10_000, filter: { port: 40000 }, recorded: [{ from: T, to: T + 6000 }] });
    expect(lines.slice(1).map((l) => [l.localPort, l.closedAt, l.key])).toEqual([[40000, T + 5000, evil.key]]);
    const byProcess = await runCliCaptured(['history', '--journal', file, '--from', iso(T), '--to', iso(T + 10_000), '--process', 'SERV', '--format', 'json']);
    expect((JSON.parse(byProcess.out) as { sessions: { localPort: number }[] }).sessions.map((s) => s.localPort)).toEqual([8080]);
    const byRemote = await runCliCaptured(['history', '--journal', file, '--from', iso(T), '--to', iso(T + 10_000), '--remote', 'localh', '--format', 'json']);
    expect((JSON.parse(byRemote.out) as { sessions: { localPort: number }[] }).sessions.map((s) => s.localPort)).toEqual([40000]);
    const before = await runCliCaptured(['history', '--journal', file, '--from', iso(T - 7_200_000), '--to', iso(T - 3_600_000)]);
    expect(before.code).toBe(0);
    expect(before.out).toBe('OPENED  CLOSED  PROTO  LOCAL  REMOTE  HOST  STATES  PID  PROCESS\n(none)\n');
    expect(before.err).toBe('portwatch history: note: the journal was not recording at any moment of this range\n');
  });

  it('the table escapes control and bidi characters and marks sockets open before first sight', async () => {
    const run = await runCliCaptured(['history', '--journal', file, '--from', iso(T), '--to', iso(T + 10_000)]);
    expect(run.code).toBe(0);
    const lines = run.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`≤${localTime(T)}`);
    expect(lines[1]).toMatch(/ open +tcp +127\.0\.0\.1:8080 +\* +LISTEN +11 +server$/);
    expect(lines[2]).toContain('ESTABLISHED→TIME_WAIT');
    expect(lines[2]).toContain('=cmd\\x1b[31mred\\u{202e}');
    expect(run.out).not.toContain('\u001b');
    expect(run.out).not.toContain('\u202e');
  });

  it('--talked-to and --events', async () => {
    const talked = await runCliCaptured(['history', '--journal', file, '--from', iso(T), '--to', iso(T + 10_000), '--talked-to', '--format', 'csv']);
    expect(talked.out.split('\r\n')).toEqual([
      'process_name,process_path,user,remote_address,remote_host,sessions,first_seen,last_seen,known',
      `'=cmd\u001b[31mred\u202e,,,127.0.0.1,localhost,1,${iso(T + 1000)},${iso(T + 5000)},false`,
      '',
    ]);
    const events = await runCliCaptured(['history', '--journal', file, '--from', iso(T), '--to', iso(T + 10_000), '--events', '--format', 'csv']);
    expect(events.out.split('\r\n')).toEqual([
      'at,event,process_name,what,detail',
      `${iso(T)},new-listener,server,tcp/8080,127.0.0.1 (open when first seen)`,
      `${iso(T + 1000)},first-contact,'=cmd\u001b[31mred\u202e,127.0.0.1,localhost`,
      '',
    ]);
  });

  it('writes --out atomically', async () => {
    const out = join(dir, 'out.json');
    const run = await runCliCaptured(['history', '--journal', file, '--since', '100000d', '--format', 'json', '--out', out]);
    expect(run.code).toBe(0);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { sessions: unknown[] }).sessions).toHaveLength(2);
  });

  it('refuses bad arguments (exit 2) and a missing journal (exit 1), in words', async () => {
    expect(await runCliCaptured(['history', '--since', '2', '--journal', file])).toMatchObject({ code: 2, err: expect.stringContaining('--since needs a duration like 30m, 2h, 7d or 1w; not "2"') });
    expect(await runCliCaptured(['history', '--since', '2h', '--from', '1h', '--journal', file])).toMatchObject({ code: 2, err: expect.stringContaining('give either --since or --from/--to') });
    expect(await runCliCaptured(['history', '--port', '70000', '--journal', file])).toMatchObject({ code: 2, err: expect.stringContaining('--port needs a port number 0–65535; not "70000"') });
    expect(await runCliCaptured(['history', '--format', 'xml', '--journal', file])).toMatchObject({ code: 2, err: expect.stringContaining('--format must be table, csv, json, ndjson; not "xml"') });
    expect(await runCliCaptured(['history', '--from', 'yesterday-ish', '--journal', file])).toMatchObject({ code: 2, err: expect.stringContaining('--from needs a time') });
    const missing = await runCliCaptured(['history', '--journal', join(dir, 'nope.db')]);
    expect(missing).toMatchObject({ code: 1, out: '' });
    expect(missing.err).toMatch(/^portwatch history: No journal at .*nope\.db/);
  });

  it('reads --since and --from/--to relative to now', () => {
    const now = T + 3_600_000;
    expect(parseHistoryArgs(['--since', '2h', '--journal', 'x'], now).range).toEqual({ from: now - 7_200_000, to: now });
    expect(parseHistoryArgs(['--from', '90m', '--to', '30m', '--journal', 'x'], now).range).toEqual({ from: now - 5_400_000, to: now - 1_800_000 });
    expect(parseHistoryArgs(['--journal', 'x'], now).range).toEqual({ from: now - 3_600_000, to: now });
  });
});

describe('portwatch at', () => {
  it('prints the table as of a moment, including a socket closed since, in the state it had then', async () => {
    const run = await runCliCaptured(['at', iso(T + 1500), '--journal', file, '--format', 'csv']);
    expect(run.code).toBe(0);
    const rows = run.out.split('\r\n');
    expect(rows[0]?.startsWith('captured_at,protocol,ip_version,local_address,local_port')).toBe(true);
    expect(rows.slice(1, -1).map((r) => r.split(',').slice(3, 11).join(','))).toEqual(['127.0.0.1,8080,,,,,,LISTEN', '127.0.0.1,40000,,127.0.0.1,8080,localhost,,ESTABLISHED']);
    const later = await runCliCaptured(['at', iso(T + 3000), '--journal', file, '--format', 'json']);
    const doc = JSON.parse(later.out) as { format: string; capturedAt: number; rows: { localPort: number; state: string }[] };
    expect(doc.format).toBe('portwatch-snapshot');
    expect(doc.capturedAt).toBe(T + 3000);
    expect(doc.rows.map((r) => [r.localPort, r.state])).toEqual([
      [8080, 'LISTEN'],
      [40000, 'TIME_WAIT'],
    ]);
    const after = await runCliCaptured(['at', iso(T + 5500), '--journal', file, '--format', 'json']);
    expect((JSON.parse(after.out) as { rows: { localPort: number }[] }).rows.map((r) => r.localPort)).toEqual([8080]);
  });

  it('says so when the journal was not recording then (exit 1)', async () => {
    const run = await runCliCaptured(['at', iso(T + 60_000), '--journal', file]);
    expect(run.code).toBe(1);
    expect(run.out).toBe('');
    expect(run.err).toBe(`portwatch at: the journal was not recording at ${localTime(T + 60_000)} (the last recording before it ended at ${localTime(T + 6000)})\n`);
    expect((await runCliCaptured(['at', '--journal', file])).code).toBe(2);
  });
});

describe('tableChunks', () => {
  it('fits widths to the first rows, cuts longer cells later, and says (none) for no rows', () => {
    const rows = [['a', 'bb'], ...Array.from({ length: 200 }, () => ['x', 'y']), ['toolong', 'z']];
    const out = [...tableChunks(['H1', 'H2'], rows)].join('').split('\n');
    expect(out[0]).toBe('H1  H2');
    expect(out[1]).toBe('a   bb');
    expect(out[202]).toBe('t…  z');
    expect([...tableChunks(['A'], [])].join('')).toBe('A\n(none)\n');
  });
});
