import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessControl } from '../../../src/main/node/process-control';
import { createProcessInfo } from '../../../src/main/node/process-info';
import { onlyOn } from '../../support/platform';

const children: ChildProcess[] = [];
afterEach(() => {
  children.splice(0).forEach((child) => child.kill('SIGKILL'));
});

function startSleeper(command: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  return new Promise((resolve) => child.stdout?.once('data', () => resolve(child)));
}

const sleeper = ['-e', "process.stdout.write('ready'); setInterval(() => {}, 1000)"];

describe.skipIf(onlyOn('linux', 'ends processes checked through /proc'))('endProcess', () => {
  const end = createProcessControl({ info: createProcessInfo() });

  it('ends an own-user process and says so', async () => {
    const child = await startSleeper(process.execPath, sleeper);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const result = await end({ pid: child.pid as number });
    expect(result).toEqual({ ok: true, message: `Ended node (${child.pid}).` });
    await exited;
  });

  it('refuses a recycled pid (start time differs) and does nothing', async () => {
    const child = await startSleeper(process.execPath, sleeper);
    const result = await end({ pid: child.pid as number, startedAt: 1_000 });
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/is not the one shown/);
    expect(child.exitCode).toBeNull();
  });

  it('refuses itself, init and a vanished pid', async () => {
    expect(await end({ pid: process.pid })).toEqual({ ok: false, message: 'Portwatch will not end itself.' });
    expect((await end({ pid: 1 })).ok).toBe(false);
    expect(await end({ pid: 2 ** 22 + 12345 })).toEqual({ ok: false, message: `Process ${2 ** 22 + 12345} is no longer running.` });
  });

  it.runIf(process.getuid?.() === 0)("refuses another user's process", async () => {
    const child = await startSleeper('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...sleeper]);
    const result = await end({ pid: child.pid as number });
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/only ends processes of its own user/);
    expect(child.exitCode).toBeNull();
  });
});
