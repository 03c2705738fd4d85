import { chmod, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WriteError, writeFileAtomic } from '../../../src/main/node/atomic-write';

describe('writeFileAtomic', () => {
  it('writes text and replaces an existing file, leaving no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-atomic-'));
    const target = join(dir, 'out.txt');
    await writeFile(target, 'old');
    await writeFileAtomic(target, 'new content');
    expect(await readFile(target, 'utf8')).toBe('new content');
    expect(await readdir(dir)).toEqual(['out.txt']);
  });

  it('writes lazily produced chunks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-atomic-'));
    const target = join(dir, 'big.csv');
    function* lines(): Generator<string> {
      for (let i = 0; i < 50_000; i += 1) yield `${i},row\r\n`;
    }
    await writeFileAtomic(target, lines());
    const text = await readFile(target, 'utf8');
    expect(text.split('\r\n')).toHaveLength(50_001);
    expect(text.startsWith('0,row\r\n1,row\r\n')).toBe(true);
  });

  it('reports a missing folder in words and leaves nothing behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-atomic-'));
    const target = join(dir, 'no-such-dir', 'x.csv');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow(new WriteError(`cannot write ${target}: the folder does not exist`, 'ENOENT'));
  });

  it('keeps the old file when a chunk source fails midway', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-atomic-'));
    const target = join(dir, 'keep.txt');
    await writeFile(target, 'original');
    async function* failing(): AsyncGenerator<string> {
      yield 'partial';
      throw new Error('source broke');
    }
    await expect(writeFileAtomic(target, failing())).rejects.toThrow(/source broke/);
    expect(await readFile(target, 'utf8')).toBe('original');
    expect(await readdir(dir)).toEqual(['keep.txt']);
  });

  it.skipIf(process.getuid?.() === 0)('reports permission denied for a read-only folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-atomic-'));
    await chmod(dir, 0o500);
    await expect(writeFileAtomic(join(dir, 'x'), 'x')).rejects.toThrow(/permission denied/);
  });
});

describe('writeFileAtomic in a folder that takes no files', () => {
  it.runIf(process.platform === 'linux')('says so instead of claiming the folder is missing', async () => {
    await expect(writeFileAtomic('/proc/portwatch-test.csv', 'x')).rejects.toThrow(/cannot write \/proc\/portwatch-test\.csv: (files cannot be created in that folder|permission denied|the operation is not permitted)/);
  });
});
