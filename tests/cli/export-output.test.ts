import { mkdtemp, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseColumns, parseExportFlags, parseSeparator, writeExport } from '../../src/cli/export-output';
import type { CliIo } from '../../src/cli/main';
import { UsageError } from '../../src/cli/main';
import { onlyOn, POSIX } from '../support/platform';

/** Streams that collect what a command writes. */
function capture(): { io: CliIo; out: () => string; err: () => string } {
  const chunks = { out: '', err: '' };
  const sink = (name: 'out' | 'err'): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, callback): void {
        chunks[name] += chunk.toString('utf8');
        callback();
      },
    });
  return { io: { stdout: sink('out'), stderr: sink('err') }, out: () => chunks.out, err: () => chunks.err };
}

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('parseExportFlags', () => {
  it('defaults to the given format on stdout', () => {
    expect(parseExportFlags({})).toEqual({ request: { format: 'csv' }, out: null });
    expect(parseExportFlags({}, 'json')).toEqual({ request: { format: 'json' }, out: null });
    expect(parseExportFlags({ format: 'NDJSON', out: '-' })).toEqual({ request: { format: 'ndjson' }, out: null });
    // A symbolic link the file writer would refuse; what the user means is stdout.
    expect(parseExportFlags({ out: '/dev/stdout' })).toEqual({ request: { format: 'csv' }, out: null });
  });

  it('collects every CSV flag into the request', () => {
    expect(parseExportFlags({ format: 'csv', out: 'x.csv', columns: 'pid,Process-Name', separator: 'semicolon', bom: true, filter: 'tcp' })).toEqual({
      request: { format: 'csv', columns: ['pid', 'process_name'], separator: ';', bom: true, filter: 'tcp' },
      out: 'x.csv',
    });
  });

  it('accepts separator names and characters', () => {
    expect([',', 'comma', ';', 'semicolon', 'SEMICOLON', '\t', '\\t', 'tab'].map(parseSeparator)).toEqual([',', ',', ';', ';', ';', '\t', '\t', '\t']);
    expect(usageError(() => parseSeparator('|'))).toBe('--separator must be comma, semicolon or tab (or , ; \\t), not "|"');
  });

  it('explains an unknown column, suggesting the closest one and listing all', () => {
    expect(usageError(() => parseColumns('local_prot'))).toMatch(/^unknown column "local_prot" \(did you mean local_port\?\); columns are: captured_at, protocol,/);
    expect(usageError(() => parseColumns('zzzzzzzzzzzz'))).toMatch(/^unknown column "zzzzzzzzzzzz"; columns are: /);
    expect(usageError(() => parseColumns('pid,,state'))).toBe('--columns has an empty name (write --columns local_port,process_name)');
    expect(usageError(() => parseColumns('pid,state,PID'))).toBe('--columns names "pid" twice');
  });

  it('rejects a bad format, CSV-only flags with JSON, an empty --out and a bad filter', () => {
    expect(usageError(() => parseExportFlags({ format: 'xml' }))).toBe('--format must be csv, json or ndjson, not "xml"');
    expect(usageError(() => parseExportFlags({ format: 'json', columns: 'pid', bom: true }))).toBe('--columns, --bom only apply to --format csv');
    expect(usageError(() => parseExportFlags({ out: '' }))).toBe('--out needs a file name');
    expect(usageError(() => parseExportFlags({ filter: 'proto:icmp' }))).toBe('filter: "icmp" is not a protocol (tcp, udp)');
  });
});

describe('writeExport', () => {
  it('streams the chunks to stdout in order', async () => {
    const { io, out, err } = capture();
    expect(await writeExport('snapshot', ['a,b\r\n', '1,2\r\n'], { request: { format: 'csv' }, out: null }, io)).toBe(0);
    expect(out()).toBe('a,b\r\n1,2\r\n');
    expect(err()).toBe('');
  });

  it('stops quietly with exit code 0 when the reader closes the pipe (EPIPE), without pulling more chunks', async () => {
    const { io, err } = capture();
    const stdout = new Writable({
      write(_chunk, _encoding, callback): void {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    let pulled = 0;
    function* chunks(): Generator<string> {
      for (let i = 0; i < 1000; i += 1) {
        pulled += 1;
        yield `${i}\r\n`;
      }
    }
    expect(await writeExport('snapshot', chunks(), { request: { format: 'csv' }, out: null }, { ...io, stdout })).toBe(0);
    expect(pulled).toBeLessThan(3);
    expect(err()).toBe('');
  });

  it('reports another stdout failure in one line with exit code 1', async () => {
    const { io, err } = capture();
    const stdout = new Writable({
      write(_chunk, _encoding, callback): void {
        callback(Object.assign(new Error('no space left'), { code: 'ENOSPC' }));
      },
    });
    expect(await writeExport('diff', ['x'], { request: { format: 'csv' }, out: null }, { ...io, stdout })).toBe(1);
    expect(err()).toBe('portwatch diff: cannot write to the output: no space left\n');
  });

  it('writes --out atomically, replacing an existing file and leaving no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-export-'));
    const target = join(dir, 'snap.csv');
    await writeFile(target, 'old');
    const { io, out } = capture();
    expect(await writeExport('snapshot', ['a\r\n', 'b\r\n'], { request: { format: 'csv' }, out: target }, io)).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('a\r\nb\r\n');
    expect(await readdir(dir)).toEqual(['snap.csv']);
    expect(out()).toBe('');
  });

  it.skipIf(onlyOn(POSIX, 'symbolic links without Developer Mode'))('refuses --out onto a symbolic link in one line, exit 1, the link and its target untouched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-export-'));
    const victim = join(dir, 'victim');
    const link = join(dir, 'snap.csv');
    await writeFile(victim, 'precious');
    await symlink(victim, link);
    const { io, err } = capture();
    expect(await writeExport('snapshot', ['a'], { request: { format: 'csv' }, out: link }, io)).toBe(1);
    expect(err()).toBe(`portwatch snapshot: cannot write ${link}: it is a symbolic link (to ${victim}); Portwatch neither replaces a link nor writes through one: give the path of the file itself\n`);
    expect(await readlink(link)).toBe(victim);
    expect(await readFile(victim, 'utf8')).toBe('precious');
  });

  it('reports an unwritable --out in one line, exit 1, keeping the old file and no partial file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-export-'));
    const missing = join(dir, 'no-such-folder', 'snap.csv');
    const { io, err } = capture();
    expect(await writeExport('snapshot', ['a'], { request: { format: 'csv' }, out: missing }, io)).toBe(1);
    expect(err()).toBe(`portwatch snapshot: cannot write ${missing}: the folder does not exist\n`);

    const target = join(dir, 'keep.csv');
    await writeFile(target, 'original');
    function* failing(): Generator<string> {
      yield 'partial';
      throw new Error('the source broke');
    }
    const second = capture();
    expect(await writeExport('snapshot', failing(), { request: { format: 'csv' }, out: target }, second.io)).toBe(1);
    expect(second.err()).toBe(`portwatch snapshot: cannot write ${target}: the source broke\n`);
    expect(await readFile(target, 'utf8')).toBe('original');
    expect((await readdir(dir)).sort()).toEqual(['keep.csv']);
  });
});
