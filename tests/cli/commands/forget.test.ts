import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeJournal } from '../../../src/main/node/journal/journal';
import { runCliCaptured } from '../../support/cli';
import { makeConnection, makeDelta } from '../../support/connections';

const T = Date.UTC(2026, 0, 1, 10);
let dir: string;
let file: string;


beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-forget-'));
  file = join(dir, 'journal.db');
  const journal = await NodeJournal.open({ file, now: () => T });
  const early = makeConnection({ localPort: 1000, remoteAddress: '127.0.0.1', remotePort: 1, state: 'ESTABLISHED' });
  const late = makeConnection({ localPort: 2000, remoteAddress: '127.0.0.1', remotePort: 2, state: 'ESTABLISHED' });
  journal.delta(makeDelta(T), { rows: () => [early] });
  journal.delta(makeDelta(T + 60_000, { removedKeys: [early.key] }), { rows: () => [] });
  journal.delta(makeDelta(T + 7_200_000, { added: [late] }), { rows: () => [late] });
  journal.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ports = async (): Promise<number[]> => {
  const run = await runCliCaptured(['history', '--journal', file, '--from', String(T - 1), '--to', String(T + 9_000_000), '--format', 'json']);
  return (JSON.parse(run.out) as { sessions: { localPort: number }[] }).sessions.map((s) => s.localPort);
};

describe('portwatch forget', () => {
  it('forgets a range, then everything', async () => {
    expect(await ports()).toEqual([1000, 2000]);
    const range = await runCliCaptured(['forget', '--journal', file, '--from', new Date(T).toISOString(), '--to', new Date(T + 3_600_000).toISOString()]);
    expect(range.code).toBe(0);
    expect(range.out).toMatch(/^Forgot .* to .*: 1 socket session deleted from .*journal\.db\n$/);
    expect(await ports()).toEqual([2000]);
    const all = await runCliCaptured(['forget', '--journal', file, '--all']);
    expect(all.out).toBe(`Forgot everything: 1 socket session deleted from ${file}\n`);
    expect(await ports()).toEqual([]);
  });

  it('refuses while a recorder holds the journal, and bad arguments', async () => {
    const recorder = await NodeJournal.open({ file });
    try {
      const run = await runCliCaptured(['forget', '--journal', file, '--all']);
      expect(run.code).toBe(1);
      expect(run.err).toBe(`portwatch forget: The journal ${file} is being recorded by another Portwatch (pid ${process.pid}); this one does not record it.\n`);
    } finally {
      recorder.close();
    }
    expect(await ports()).toEqual([1000, 2000]);
    expect((await runCliCaptured(['forget', '--journal', file])).code).toBe(2);
    expect((await runCliCaptured(['forget', '--journal', file, '--all', '--from', '2h'])).code).toBe(2);
    expect(await runCliCaptured(['forget', '--journal', join(dir, 'none.db'), '--all'])).toMatchObject({ code: 0, err: expect.stringContaining('nothing to forget') });
  });
});
