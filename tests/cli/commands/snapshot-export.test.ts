import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../support/cli';
import { openLoopbackListener } from '../../support/loopback';
import type { LoopbackListener } from '../../support/loopback';
import type { CliRun } from '../../support/cli';
import { parseSnapshotDocument } from '../../../src/shared/export/json';
import { EXPORT_COLUMNS } from '../../../src/shared/model';

const cli = (...args: string[]): Promise<CliRun> => runCliCaptured([...args]);

let listener: LoopbackListener;
let port = 0;

beforeAll(async () => {
  listener = await openLoopbackListener();
  port = listener.port;
});

afterAll(() => listener.close());

describe('portwatch snapshot export flags', () => {
  it('--format csv prints the default columns with the loopback listener row', async () => {
    const result = await cli('snapshot', '--format', 'csv');
    expect(result.code).toBe(0);
    const rows = Papa.parse<string[]>(result.out, { newline: '\r\n' }).data;
    expect(rows[0]).toEqual([...EXPORT_COLUMNS]);
    const index = (name: string): number => EXPORT_COLUMNS.indexOf(name as (typeof EXPORT_COLUMNS)[number]);
    const mine = rows.filter((row) => row[index('local_port')] === String(port) && row[index('state')] === 'LISTEN');
    expect(mine).toHaveLength(1);
    expect(mine[0]?.[index('local_address')]).toBe('127.0.0.1');
    expect(mine[0]?.[index('protocol')]).toBe('tcp');
    expect(mine[0]?.[index('pid')]).toBe(String(process.pid));
  });

  it('--columns, --separator and --filter narrow the CSV to the listener', async () => {
    const result = await cli('snapshot', '--format', 'csv', '--columns', 'local_port,state,local_address', '--separator', ';', '--filter', `lport:${port} listening`);
    expect(result).toEqual({ code: 0, err: '', out: `local_port;state;local_address\r\n${port};LISTEN;127.0.0.1\r\n` });
  });

  it('--format ndjson and json read back as snapshot documents holding the listener', async () => {
    for (const format of ['ndjson', 'json']) {
      const result = await cli('snapshot', '--format', format);
      expect(result.code).toBe(0);
      const parsed = parseSnapshotDocument(result.out);
      if (!parsed.ok) throw new Error(parsed.error);
      expect(parsed.document.rows.some((row) => row.localPort === port && row.state === 'LISTEN')).toBe(true);
      expect(result.out.split('\n')[0]?.includes('"rows"')).toBe(format === 'json');
    }
  });

  it('--out writes the file atomically; an unwritable --out exits 1 with one line and leaves nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-snap-'));
    const target = join(dir, 'snap.csv');
    await writeFile(target, 'old');
    expect(await cli('snapshot', '--format', 'csv', '--bom', '--out', target)).toEqual({ code: 0, out: '', err: '' });
    const text = await readFile(target, 'utf8');
    expect(text.startsWith(`\uFEFF${EXPORT_COLUMNS.join(',')}\r\n`)).toBe(true);
    expect(text).toContain(`,127.0.0.1,${port},`);
    expect(await readdir(dir)).toEqual(['snap.csv']);
    const missing = join(dir, 'missing', 'snap.csv');
    expect(await cli('snapshot', '--out', missing)).toEqual({ code: 1, out: '', err: `portwatch snapshot: cannot write ${missing}: the folder does not exist\n` });
    expect(await readdir(dir)).toEqual(['snap.csv']);
  });

  it('rejects bad export flags with exit code 2', async () => {
    const badColumn = await cli('snapshot', '--format', 'csv', '--columns', 'local_prot');
    expect(badColumn.code).toBe(2);
    expect(badColumn.err).toContain('unknown column "local_prot" (did you mean local_port?)');
    expect((await cli('snapshot', '--format', 'json', '--separator', 'tab')).err).toContain('--separator only applies to --format csv');
    expect((await cli('snapshot', '--filter', 'port:x')).code).toBe(2);
  });
});
