import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/main/core/sources';
import { createSsInfoSource, DETAILS_RETRY_MS, SS_ARGS, SS_ARGS_NO_DETAILS } from '../../../src/main/node/ss-info';
import type { RunCommand } from '../../../src/main/node/portproxy';

const FIXTURES = join(__dirname, '../../fixtures/linux');
const withDetails = readFileSync(join(FIXTURES, 'ss-tuine-1.txt'), 'utf8');
const without = readFileSync(join(FIXTURES, 'ss-tuin.txt'), 'utf8');

/** A runner that answers from a script of outcomes and records what it was asked. */
function scripted(outcomes: Array<string | Error>): { run: RunCommand; calls: string[][] } {
  const calls: string[][] = [];
  const run: RunCommand = async (file, args) => {
    calls.push([file, ...args]);
    const next = outcomes.shift();
    if (next === undefined) throw new Error('unexpected call');
    if (next instanceof Error) throw next;
    return next;
  };
  return { run, calls };
}

const failure = (fields: Record<string, unknown>): Error => Object.assign(new Error(String(fields.message ?? 'Command failed')), fields);

describe('createSsInfoSource', () => {
  it('runs ss -tuine without TIME_WAIT and parses its output', async () => {
    const { run, calls } = scripted([withDetails]);
    const read = await createSsInfoSource({ platform: 'linux', run, kernelRelease: '6.1.0' }).read();
    expect(calls).toEqual([['ss', ...SS_ARGS]]);
    expect(SS_ARGS).toEqual(['-tuine', 'state', 'all', 'exclude', 'time-wait']);
    expect(read.sockets.length).toBeGreaterThan(30);
    expect(read.sockets.every((s) => s.inode !== null)).toBe(true);
    expect(read.notices).toEqual([]);
  });

  it('says clearly that ss is missing (iproute2), never crashes', async () => {
    const { run } = scripted([failure({ code: 'ENOENT', message: 'spawn ss ENOENT' })]);
    const error = await createSsInfoSource({ platform: 'linux', run }).read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ kind: 'missing-tool', message: expect.stringContaining('apt install iproute2') });
  });

  it('falls back to ss without -e when -e fails (no cgroup v2 mount), says so, and retries -e later', async () => {
    let t = 0;
    const { run, calls } = scripted([failure({ code: 1, stderr: '' }), without, without, withDetails]);
    const source = createSsInfoSource({ platform: 'linux', run, now: () => t, kernelRelease: '6.1.0' });
    const first = await source.read();
    expect(calls).toEqual([
      ['ss', ...SS_ARGS],
      ['ss', ...SS_ARGS_NO_DETAILS],
    ]);
    expect(first.notices).toEqual(['`ss -e` failed (exit 1: Command failed); traffic is read without socket cgroups and uids, so hidden owners cannot be named.']);
    expect(first.sockets.every((s) => s.inode === null && s.tcp !== null === (s.protocol === 'tcp'))).toBe(true);
    t = DETAILS_RETRY_MS - 1;
    const second = await source.read();
    expect(calls.at(-1)).toEqual(['ss', ...SS_ARGS_NO_DETAILS]);
    expect(second.notices[0]).toContain('unavailable');
    t = DETAILS_RETRY_MS;
    const third = await source.read();
    expect(calls.at(-1)).toEqual(['ss', ...SS_ARGS]);
    expect(third.notices).toEqual([]);
  });

  it('reports a time-out and a failure of both forms as errors with a kind', async () => {
    const timeout = await createSsInfoSource({ platform: 'linux', run: scripted([failure({ killed: true, signal: 'SIGTERM' })]).run })
      .read()
      .catch((e: unknown) => e);
    expect(timeout).toMatchObject({ kind: 'timeout', message: 'ss did not answer within 10 s.' });
    const both = await createSsInfoSource({ platform: 'linux', run: scripted([failure({ code: 1 }), failure({ code: 255, stderr: 'ss: bad option\n' })]).run })
      .read()
      .catch((e: unknown) => e);
    expect(both).toMatchObject({ kind: 'other', message: 'ss failed (exit 255: ss: bad option): per-connection traffic is unavailable.' });
  });

  it('is unavailable, with a reason, off Linux', async () => {
    const { run, calls } = scripted([]);
    for (const platform of ['darwin', 'win32'] as const) {
      await expect(createSsInfoSource({ platform, run }).read()).rejects.toMatchObject({
        kind: 'missing-tool',
        message: 'Per-connection traffic comes from Linux kernel counters; it is not available on this system.',
      });
    }
    expect(calls).toEqual([]);
  });

  it('says when the kernel has no byte counters, and gives null bytes', async () => {
    const read = await createSsInfoSource({ platform: 'linux', run: scripted([withDetails]).run, kernelRelease: '3.10.0-1160.el7.x86_64' }).read();
    expect(read.notices).toEqual(['This kernel (before Linux 4.1) keeps no per-socket byte counters: traffic shows RTT and queues only.']);
    const tcp = read.sockets.filter((s) => s.tcp !== null);
    expect(tcp.length).toBeGreaterThan(0);
    for (const s of tcp) expect([s.tcp?.bytesSent, s.tcp?.bytesReceived]).toEqual([null, null]);
  });

  it.runIf(process.platform === 'linux')('runs the real ss here', async () => {
    const read = await createSsInfoSource().read();
    expect(Array.isArray(read.sockets)).toBe(true);
  });
});
