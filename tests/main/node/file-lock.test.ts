import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireFileLock, LockBusyError } from '../../../src/main/node/file-lock';

async function lockPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'pw-lock-')), 'settings.json.lock');
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('acquireFileLock', () => {
  it('writes the owner into the lock and removes it on release', async () => {
    const path = await lockPath();
    const release = await acquireFileLock(path);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it('lets a second taker in only after the first released', async () => {
    const path = await lockPath();
    const order: string[] = [];
    const first = await acquireFileLock(path);
    const second = acquireFileLock(path, { retryMs: 2 }).then((release) => {
      order.push('second acquired');
      return release;
    });
    // Time for a broken lock to let the second in early.
    await new Promise((resolve) => setTimeout(resolve, 50));
    order.push('first released');
    await first();
    await (await second)();
    expect(order).toEqual(['first released', 'second acquired']);
  });

  it('takes over the lock of a process that no longer exists', async () => {
    const path = await lockPath();
    const pid = deadPid();
    await writeFile(path, JSON.stringify({ pid, host: hostname(), at: Date.now() }));
    const release = await acquireFileLock(path, { timeoutMs: 60_000 });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid });
    await release();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it('takes over a lock older than staleMs even if its process lives (a hung holder)', async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify({ pid: process.pid, host: hostname(), at: 0 }));
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const release = await acquireFileLock(path, { staleMs: 10_000, timeoutMs: 60_000 });
    await release();
  });

  it('waits for a live holder on another host (its pid cannot be checked) and then names it', async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify({ pid: deadPid(), host: 'elsewhere.example', at: Date.now() }));
    const error = await acquireFileLock(path, { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockBusyError);
    expect((error as LockBusyError).message).toBe(`${path} is held by process ${JSON.parse(await readFile(path, 'utf8')).pid} on elsewhere.example (another Portwatch?); try again, or delete that file if no Portwatch is running`);
  });

  it('judges an empty lock (its owner still writing it) by age alone', async () => {
    const path = await lockPath();
    await writeFile(path, '');
    await expect(acquireFileLock(path, { timeoutMs: 30 })).rejects.toThrow(/is held by another process/);
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    await (await acquireFileLock(path))();
  });

  it('does not release a lock that is no longer its own', async () => {
    const path = await lockPath();
    const release = await acquireFileLock(path);
    // Broken as stale by someone else, who now holds a new lock.
    await writeFile(`${path}.other`, 'x');
    const { rename } = await import('node:fs/promises');
    await rename(`${path}.other`, path);
    await release();
    expect(await readFile(path, 'utf8')).toBe('x');
  });

  it('rejects with the file system error when the folder is missing', async () => {
    const path = join(await lockPath(), '..', 'missing', 'x.lock');
    await expect(acquireFileLock(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
