import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, chown, lstat, mkdtemp, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WriteError, writeFileAtomic } from '../../../src/main/node/atomic-write';
import { bundleScript, runScript } from '../../support/node-script';
import { onlyOn, POSIX } from '../../support/platform';

const isRoot = process.getuid?.() === 0;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'pw-atomic-'));
}

/** Reads a FIFO until its writer closes it. */
function drain(fifo: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    createReadStream(fifo, 'utf8')
      .on('data', (chunk) => (text += String(chunk)))
      .on('end', () => resolve(text))
      .on('error', reject);
  });
}

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

  it.skipIf(onlyOn(POSIX, 'folder permission bits') || isRoot)('reports permission denied for a read-only folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-atomic-'));
    await chmod(dir, 0o500);
    await expect(writeFileAtomic(join(dir, 'x'), 'x')).rejects.toThrow(/permission denied/);
  });
});

describe('writeFileAtomic in a folder that takes no files', () => {
  it.skipIf(onlyOn('linux', 'writes into /proc, a folder that takes no files'))('says so instead of claiming the folder is missing', async () => {
    await expect(writeFileAtomic('/proc/portwatch-test.csv', 'x')).rejects.toThrow(/cannot write \/proc\/portwatch-test\.csv: (files cannot be created in that folder|permission denied|the operation is not permitted)/);
  });
});

describe('writeFileAtomic modes', () => {
  it.skipIf(onlyOn(POSIX, 'checks POSIX file modes'))('creates a new file with mode 0600 whatever the umask allows', async () => {
    const target = join(await tempDir(), 'new.csv');
    await writeFileAtomic(target, 'pid,command\n');
    expect((await stat(target)).mode & 0o777).toBe(0o600);
  });

  it.skipIf(onlyOn(POSIX, 'checks POSIX file modes'))('lets an existing file keep its mode (0644 stays 0644, 0640 stays 0640)', async () => {
    const dir = await tempDir();
    for (const mode of [0o644, 0o640]) {
      const target = join(dir, `kept-${mode.toString(8)}.csv`);
      await writeFile(target, 'old');
      await chmod(target, mode);
      await writeFileAtomic(target, 'new');
      expect((await stat(target)).mode & 0o777).toBe(mode);
      expect(await readFile(target, 'utf8')).toBe('new');
    }
  });
});

describe.skipIf(onlyOn(POSIX, 'symbolic links, /dev/null, FIFOs and socket files'))('writeFileAtomic never replaces what is not a regular file of ours', () => {
  it('refuses a symbolic link: the link and the file it points to stay as they were', async () => {
    const dir = await tempDir();
    const victim = join(dir, 'victim.txt');
    const link = join(dir, 'report.csv');
    await writeFile(victim, 'precious');
    await symlink(victim, link);
    await expect(writeFileAtomic(link, 'export')).rejects.toThrow(
      new WriteError(`cannot write ${link}: it is a symbolic link (to ${victim}); Portwatch neither replaces a link nor writes through one: give the path of the file itself`, 'ESYMLINK'),
    );
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(victim);
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect((await readdir(dir)).sort()).toEqual(['report.csv', 'victim.txt']);
  });

  it('refuses a dangling symbolic link too (it would create the file it points to)', async () => {
    const dir = await tempDir();
    const link = join(dir, 'report.csv');
    await symlink(join(dir, 'elsewhere.csv'), link);
    await expect(writeFileAtomic(link, 'export')).rejects.toMatchObject({ code: 'ESYMLINK' });
    expect((await readdir(dir)).sort()).toEqual(['report.csv']);
  });

  it('writes straight into /dev/null, which stays the device it is', async () => {
    await writeFileAtomic('/dev/null', 'discarded');
    expect((await lstat('/dev/null')).isCharacterDevice()).toBe(true);
  });

  it('writes straight into a FIFO of ours, which stays a FIFO', async () => {
    const dir = await tempDir();
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const received = drain(fifo);
    await writeFileAtomic(fifo, (function* () {
      for (let i = 0; i < 3000; i += 1) yield `${i},row\n`;
    })());
    const text = await received;
    expect(text.split('\n')).toHaveLength(3001);
    expect((await lstat(fifo)).isFIFO()).toBe(true);
    expect(await readdir(dir)).toEqual(['pipe']);
  });

  it('refuses a socket and a folder', async () => {
    const dir = await tempDir();
    const socketPath = join(dir, 'sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      await expect(writeFileAtomic(socketPath, 'x')).rejects.toThrow(new WriteError(`cannot write ${socketPath}: it is a socket, not a file`, 'ENOTREG'));
      expect((await lstat(socketPath)).isSocket()).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await expect(writeFileAtomic(dir, 'x')).rejects.toThrow(new WriteError(`cannot write ${dir}: the path is a folder`, 'EISDIR'));
  });

  it.runIf(isRoot)('refuses a file and a FIFO of another user (as root too), leaving them as they were', async () => {
    const dir = await tempDir();
    const file = join(dir, 'theirs.csv');
    const fifo = join(dir, 'their-pipe');
    await writeFile(file, 'theirs');
    await chmod(file, 0o666);
    await chown(file, 65534, 65534);
    execFileSync('mkfifo', [fifo]);
    await chown(fifo, 65534, 65534);
    await expect(writeFileAtomic(file, 'ours')).rejects.toThrow(
      new WriteError(`cannot write ${file}: it belongs to another user (uid 65534); Portwatch only replaces files it owns: remove it or choose another name`, 'ENOTOWNER'),
    );
    await expect(writeFileAtomic(fifo, 'ours')).rejects.toThrow(new WriteError(`cannot write ${fifo}: it is a FIFO of another user (uid 65534); Portwatch only writes into its own`, 'ENOTOWNER'));
    expect(await readFile(file, 'utf8')).toBe('theirs');
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });

  it.runIf(isRoot)('refuses a block device (a disk), which stays a block device', async (context) => {
    const dir = await tempDir();
    const disk = join(dir, 'disk');
    try {
      execFileSync('mknod', [disk, 'b', '7', '250'], { stdio: 'ignore' });
    } catch {
      // A container without CAP_MKNOD: nothing to test with.
      context.skip('mknod is not permitted here');
    }
    await expect(writeFileAtomic(disk, 'x')).rejects.toThrow(new WriteError(`cannot write ${disk}: it is a block device (a disk); Portwatch never writes onto one`, 'ENOTREG'));
    expect((await lstat(disk)).isBlockDevice()).toBe(true);
  });
});

describe.skipIf(onlyOn(POSIX, 'sends SIGTERM/SIGINT to a handler'))('writeFileAtomic interrupted by a signal', () => {
  let script = '';
  beforeAll(async () => {
    script = await bundleScript('slow-export');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('leaves no temporary file and ends the process by %s', async (signal) => {
    const dir = await tempDir();
    const target = join(dir, 'big.csv');
    const child = runScript(script, [target]);
    await child.line(/^writing$/);
    const names = await readdir(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^\.big\.csv\.[0-9a-f]{12}\.tmp$/);
    expect((await stat(join(dir, names[0] ?? ''))).size).toBeGreaterThan(1_000_000);
    child.child.kill(signal);
    expect(await child.exited).toMatchObject({ code: null, signal });
    expect(await readdir(dir)).toEqual([]);
  });

  it('leaves no temporary file when the program handles SIGTERM itself and exits', async () => {
    const dir = await tempDir();
    const child = runScript(script, [join(dir, 'big.csv'), 'own-handler']);
    await child.line(/^writing$/);
    expect(await readdir(dir)).toHaveLength(1);
    child.child.kill('SIGTERM');
    expect(await child.exited).toMatchObject({ code: 3, signal: null });
    expect(await readdir(dir)).toEqual([]);
  });
});
