import { mkdtempSync, realpathSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLinuxProcessInfo, createSiProcessInfo, parsePasswd, parseProcStat, parseSiStarted, parseStatusUid } from '../../../src/main/node/process-info';
import type { SiProcess } from '../../../src/main/node/si-source';
import { onlyOn, POSIX } from '../../support/platform';

describe('parsers', () => {
  it('reads comm and start time from /proc/<pid>/stat, even with spaces and parentheses in comm', () => {
    const stat = '4242 (pw (x) y: z) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615';
    expect(parseProcStat(stat)).toEqual({ comm: 'pw (x) y: z', startTicks: 987654 });
    expect(parseProcStat('garbage')).toBeNull();
  });

  it('reads the effective uid from status and user names from passwd', () => {
    expect(parseStatusUid('Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t1\n')).toBe(0);
    expect(parseStatusUid('Name:\tx\n')).toBeNull();
    expect(parsePasswd('root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/:/usr/sbin/nologin\n# comment\n')).toEqual(
      new Map([
        [0, 'root'],
        [65534, 'nobody'],
      ]),
    );
  });

  it('reads systeminformation start times as local time', () => {
    expect(parseSiStarted('2026-11-26 03:04:05')).toBe(new Date(2026, 10, 26, 3, 4, 5).getTime());
    expect(parseSiStarted('')).toBeUndefined();
  });
});

describe.skipIf(onlyOn('linux', 'reads /proc'))('createLinuxProcessInfo on the real /proc', () => {
  it('describes this process: full name, path, command line, user, start time', async () => {
    const info = createLinuxProcessInfo();
    const owner = (await info.lookup([process.pid])).get(process.pid);
    const args = readFileSync(`/proc/${process.pid}/cmdline`, 'latin1').split('\0').filter((a) => a !== '');
    expect(owner).toMatchObject({ pid: process.pid, path: process.execPath, user: userInfo().username, commandLine: args.join(' ') });
    expect(owner?.startedAt).toBeLessThanOrEqual(Date.now());
    expect(owner?.startedAt).toBeGreaterThan(Date.now() - 3_600_000);
  });

  it('leaves out pids that do not exist', async () => {
    expect((await createLinuxProcessInfo().lookup([2 ** 30])).size).toBe(0);
  });
});

describe.skipIf(onlyOn(POSIX, 'a fake /proc with exe links (POSIX symbolic links)'))('createLinuxProcessInfo cache (fake /proc)', () => {
  let root = '';
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function fakeProc(): { proc: string; passwd: string; write: (pid: number, comm: string, start: number, cmdline: string) => void } {
    root = mkdtempSync(join(tmpdir(), 'pw-fake-proc-'));
    const proc = join(root, 'proc');
    mkdirSync(proc);
    writeFileSync(join(proc, 'stat'), 'cpu 1 2 3\nbtime 1700000000\n');
    const passwd = join(root, 'passwd');
    writeFileSync(passwd, 'alice:x:1000:1000::/home/alice:/bin/sh\n');
    const write = (pid: number, comm: string, start: number, cmdline: string): void => {
      const dir = join(proc, String(pid));
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      writeFileSync(join(dir, 'stat'), `${pid} (${comm}) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 0 0`);
      writeFileSync(join(dir, 'cmdline'), cmdline);
      writeFileSync(join(dir, 'status'), 'Uid:\t1000\t1000\t1000\t1000\n');
      symlinkSync('/usr/bin/fake-binary', join(dir, 'exe'));
    };
    return { proc, passwd, write };
  }

  it('reuses details while (pid, start time) holds and rereads them when the pid is recycled', async () => {
    const { proc, passwd, write } = fakeProc();
    const info = createLinuxProcessInfo(proc, passwd);
    write(77, 'first-long-name', 500, 'first-long-name-really\0--flag\0');
    expect((await info.lookup([77])).get(77)).toEqual({
      pid: 77,
      name: 'first-long-name-really',
      path: '/usr/bin/fake-binary',
      commandLine: 'first-long-name-really --flag',
      user: 'alice',
      startedAt: 1_700_000_000_000 + 5_000,
    });
    // Same start time: the cache answers, even if the files changed underneath.
    writeFileSync(join(proc, '77', 'cmdline'), 'changed\0');
    expect((await info.lookup([77])).get(77)?.commandLine).toBe('first-long-name-really --flag');
    // A new process got pid 77: new start time, fresh details.
    write(77, 'second', 900, 'second\0');
    expect((await info.lookup([77])).get(77)).toMatchObject({ name: 'second', commandLine: 'second', startedAt: 1_700_000_000_000 + 9_000 });
  });
});

describe('createSiProcessInfo (macOS/Windows)', () => {
  const list = (procs: Partial<SiProcess>[]): (() => Promise<SiProcess[]>) & { calls: number } => {
    const fn = Object.assign(
      async (): Promise<SiProcess[]> => {
        fn.calls++;
        return procs.map((p) => ({ pid: 0, name: '', path: '', command: '', params: '', user: '', started: '', ...p }));
      },
      { calls: 0 },
    );
    return fn;
  };

  it('fills names Windows netstat leaves blank, with path, command line and user', async () => {
    const procs = list([{ pid: 4321, name: 'svchost.exe', path: 'C:\\Windows\\System32', command: 'svchost.exe', params: '-k netsvcs', user: 'SYSTEM', started: '2026-11-26 01:02:03' }]);
    const info = createSiProcessInfo(procs);
    expect((await info.lookup([4321])).get(4321)).toEqual({
      pid: 4321,
      name: 'svchost.exe',
      path: 'C:\\Windows\\System32\\svchost.exe',
      commandLine: 'svchost.exe -k netsvcs',
      user: 'SYSTEM',
      startedAt: new Date(2026, 10, 26, 1, 2, 3).getTime(),
    });
  });

  it('fetches the full list only for unknown pids and at most every 30 s, falling back to the tool\'s name', async () => {
    const procs = list([{ pid: 1, name: 'launchd' }]);
    const info = createSiProcessInfo(procs);
    await info.lookup([1]);
    await info.lookup([1]);
    expect(procs.calls).toBe(1);
    const out = await info.lookup([1, 99], new Map([[99, 'cupsd']]));
    expect(procs.calls).toBe(1); // 99 is unknown, but the last fetch was under 30 s ago
    expect(out.get(99)).toEqual({ pid: 99, name: 'cupsd' });
  });
});

// node started through a symlink named with spaces: argv[0] and comm carry that name.
describe.skipIf(onlyOn('linux', 'reads /proc'))('a process named with a space', () => {
  it('is named in full from /proc (not the 15-character comm)', async () => {
    const { spawn } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'pw-named-'));
    const exe = join(dir, 'pw sock fixture binary');
    symlinkSync(process.execPath, exe);
    const child = spawn(exe, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const owner = (await createLinuxProcessInfo().lookup([child.pid ?? -1])).get(child.pid ?? -1);
      expect(owner).toMatchObject({ name: 'pw sock fixture binary', path: realpathSync(process.execPath) });
      expect(readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim()).toBe('pw sock fixture');
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
