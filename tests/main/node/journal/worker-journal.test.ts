import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkerJournal } from '../../../../src/main/node/journal/worker-journal';
import { NodeJournal } from '../../../../src/main/node/journal/journal';
import { lockJournal } from '../../../../src/main/node/journal/database';
import { makeConnection, makeDelta } from '../../../support/connections';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-worker-journal-'));
  file = join(dir, 'data', 'journal.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));


const on = { journalEnabled: true, journalRetentionDays: 7, journalMaxMb: 0 };

describe('WorkerJournal', () => {
  it('creates nothing while off; turned on, it opens the file and records from the next poll', async () => {
    const j = new WorkerJournal(file, { ...on, journalEnabled: false });
    await j.ready();
    j.delta(makeDelta(Date.now()), { rows: () => [makeConnection()] });
    expect(existsSync(file)).toBe(false);
    j.update({ journalEnabled: true });
    await j.ready();
    j.delta(makeDelta(Date.now()), { rows: () => [makeConnection()] });
    j.close();
    const check = await NodeJournal.open({ file });
    expect(check.reader.stats().sessions).toBe(1);
    check.close();
  });

  it('turned off, it pauses: the recorded run ends and nothing more is written', async () => {
    const j = new WorkerJournal(file, on);
    await j.ready();
    const t = Date.now();
    j.delta(makeDelta(t), { rows: () => [makeConnection()] });
    j.update({ journalEnabled: false });
    j.delta(makeDelta(t + 1000), { rows: () => [makeConnection(), makeConnection({ localPort: 1 })] });
    expect(j.notices()).toEqual([]);
    j.close();
    const check = await NodeJournal.open({ file });
    expect(check.reader.stats().sessions).toBe(1);
    expect(check.reader.runs()).toHaveLength(1);
    check.close();
  });

  it('a journal that cannot be opened is a notice, not an error; deltas are ignored', async () => {
    writeFileSync(join(dir, 'data'), 'a file where the folder should be');
    const j = new WorkerJournal(file, on);
    await j.ready();
    j.delta(makeDelta(Date.now()), { rows: () => [makeConnection()] });
    expect(j.notices()).toEqual([expect.stringMatching(/^The connection journal is off: Cannot (lock|create) the journal .*journal\.db: /)]);
    j.update({ journalEnabled: false });
    expect(j.notices()).toEqual([]);
    j.close();
  });

  it('one recorder per journal: a second one is refused while the first holds the lock', async () => {
    const first = await NodeJournal.open({ file });
    await expect(NodeJournal.open({ file })).rejects.toThrow(`The journal ${file} is being recorded by another Portwatch (pid ${process.pid}); this one does not record it.`);
    first.close();
    // A lock left by a process that is gone, or by a (crashed) worker thread of this process, is taken over.
    for (const stale of ['999999999:0', `${process.pid}:${threadId + 1000}`]) {
      writeFileSync(`${file}.lock`, `${stale}\n`);
      const release = lockJournal(file);
      expect(readFileSync(`${file}.lock`, 'utf8')).toBe(`${process.pid}:${threadId}\n`);
      release();
      expect(existsSync(`${file}.lock`)).toBe(false);
    }
  });
});
