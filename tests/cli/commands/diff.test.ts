import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../support/cli';
import { openLoopbackListener } from '../../support/loopback';
import type { LoopbackListener } from '../../support/loopback';
import type { CliRun } from '../../support/cli';
import { headerOf, snapshotNdjsonChunks, toSnapshotDocument } from '../../../src/shared/export/json';
import type { SnapshotDocument } from '../../../src/shared/model';
import { makeConnection, okStatus } from '../../support/connections';

const cli = (...args: string[]): Promise<CliRun> => runCliCaptured([...args]);

const T = 1_700_000_000_000;
const doc = (capturedAt: number, rows: SnapshotDocument['rows'], hostname = 'h1'): SnapshotDocument =>
  toSnapshotDocument({ hostname, capturedAt, status: okStatus(), rows }, '1.0.0');

const ssh = makeConnection({ localAddress: '0.0.0.0', localPort: 22, inode: 1, owners: [{ pid: 20, name: 'sshd' }] });
const web = makeConnection({ localAddress: '0.0.0.0', localPort: 80, inode: 2, owners: [{ pid: 30, name: 'nginx' }], exposure: 'loopback' });
const shell = makeConnection({ localAddress: '0.0.0.0', localPort: 4444, inode: 3, owners: [{ pid: 40, name: '=cmd|calc' }] });

let dir = '';
let oldJson = '';
let newNdjson = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pw-diff-'));
  oldJson = join(dir, 'old.json');
  newNdjson = join(dir, 'new.ndjson');
  await writeFile(oldJson, JSON.stringify(doc(T, [ssh, web])));
  const after = doc(T + 1000, [{ ...web, exposure: 'all-interfaces' }, shell]);
  await writeFile(newNdjson, [...snapshotNdjsonChunks(headerOf(after), after.rows)].join(''));
});

describe('portwatch diff', () => {
  it('prints opened, changed and closed rows as CSV from a JSON and an NDJSON snapshot', async () => {
    const result = await cli('diff', oldJson, newNdjson, '--columns', 'local_port,process_name,exposure');
    expect(result).toEqual({
      code: 0,
      err: '',
      out: "diff,diff_fields,local_port,process_name,exposure\r\nopened,,4444,'=cmd|calc,\r\nchanged,exposure,80,nginx,all-interfaces\r\nclosed,,22,sshd,\r\n",
    });
  });

  it('writes JSON and NDJSON diffs', async () => {
    const json = await cli('diff', oldJson, newNdjson, '--format', 'json');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out) as { format: string; counts: unknown; entries: Array<{ diff: string }> };
    expect(parsed.format).toBe('portwatch-diff');
    expect(parsed.counts).toEqual({ opened: 1, closed: 1, changed: 1, unchanged: 0 });
    expect(parsed.entries.map((entry) => entry.diff)).toEqual(['opened', 'changed', 'closed']);
    const ndjson = await cli('diff', oldJson, newNdjson, '--format', 'ndjson', '--filter', 'port:22');
    const lines = ndjson.out.trim().split('\n').map((line) => JSON.parse(line) as { diff?: string; filter?: string });
    expect(lines.map((line) => line.diff ?? `head:${line.filter ?? ''}`)).toEqual(['head:port:22', 'closed']);
  });

  it('writes --out atomically with a one-line summary on stderr', async () => {
    const target = join(dir, 'diff.csv');
    const result = await cli('diff', oldJson, newNdjson, '--out', target, '--separator', 'tab', '--bom');
    expect(result).toEqual({ code: 0, out: '', err: `portwatch diff: 1 opened, 1 closed, 1 changed, 0 unchanged; wrote ${target}\n` });
    const text = await readFile(target, 'utf8');
    expect(text.startsWith('\uFEFFdiff\tdiff_fields\tcaptured_at\t')).toBe(true);
    const rows = Papa.parse<string[]>(text.slice(1), { delimiter: '\t', newline: '\r\n' }).data;
    expect(rows.slice(1, -1).map((row) => row[0])).toEqual(['opened', 'changed', 'closed']);
  });

  it('notes snapshots from different hosts', async () => {
    const other = join(dir, 'other-host.json');
    await writeFile(other, JSON.stringify(doc(T, [ssh], 'h2')));
    const result = await cli('diff', oldJson, other, '--format', 'json');
    expect(result.code).toBe(0);
    expect(result.err).toBe('portwatch diff: note: the snapshots come from different hosts (h1, h2)\n');
  });

  it('explains unreadable, malformed and foreign files with exit code 1', async () => {
    const missing = join(dir, 'missing.json');
    expect(await cli('diff', missing, oldJson)).toEqual({ code: 1, out: '', err: `portwatch diff: cannot read ${missing}: no such file\n` });
    const broken = join(dir, 'broken.ndjson');
    await writeFile(broken, `${JSON.stringify(headerOf(doc(T, [])))}\n{"protocol":\n`);
    expect((await cli('diff', broken, oldJson)).err).toMatch(new RegExp(`^portwatch diff: ${broken}: line 2: not valid JSON \\(`));
    const csv = join(dir, 'snapshot.csv');
    await writeFile(csv, 'protocol,local_port\r\ntcp,22\r\n');
    const result = await cli('diff', oldJson, csv);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`^portwatch diff: ${csv}: not valid JSON or NDJSON \\(`));
    const foreign = join(dir, 'foreign.json');
    await writeFile(foreign, '{"format":"something-else"}');
    expect((await cli('diff', foreign, oldJson)).err).toBe(
      `portwatch diff: ${foreign}: not a Portwatch snapshot: the document has format "something-else", expected "portwatch-snapshot"\n`,
    );
  });

  it('rejects bad usage with exit code 2 before reading anything', async () => {
    expect(await cli('diff')).toEqual({
      code: 2,
      out: '',
      err: 'portwatch diff: name the old snapshot (portwatch diff OLD.json [NEW.json]) (try: portwatch diff --help)\n',
    });
    expect((await cli('diff', 'a', 'b', 'c')).err).toContain('expected at most two snapshots, got 3');
    const badColumn = await cli('diff', join(dir, 'missing.json'), '--columns', 'proces_name');
    expect(badColumn.code).toBe(2);
    expect(badColumn.err).toContain('unknown column "proces_name" (did you mean process_name?)');
    expect((await cli('diff', oldJson, '--bogus')).code).toBe(2);
  });
});

describe('portwatch diff against now', () => {
  let listener: LoopbackListener;
  let port = 0;
  beforeAll(async () => {
    listener = await openLoopbackListener();
    port = listener.port;
  });
  afterAll(() => listener.close());

  it('takes a fresh snapshot when NEW is omitted: a listener opened since shows as opened', async () => {
    const empty = join(dir, 'empty.json');
    await writeFile(empty, JSON.stringify(doc(T, [], 'h1')));
    const result = await cli('diff', empty, '--format', 'csv', '--columns', 'local_address,local_port,state', '--filter', `lport:${port} listening`);
    expect(result.code).toBe(0);
    expect(result.out).toBe(`diff,diff_fields,local_address,local_port,state\r\nopened,,127.0.0.1,${port},LISTEN\r\n`);
  });
});
