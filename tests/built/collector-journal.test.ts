/**
 * The journal written by the built collector worker (out/main/collector-worker.js): the worker
 * records real loopback sockets into a real file, follows the journal settings, and the CLI reads
 * it back while it runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorHost } from '../../src/main/node/collector-host';
import { JournalReader } from '../../src/main/node/journal/queries';
import { openJournalForReading } from '../../src/main/node/journal/database';
import type { SnapshotDelta } from '../../src/shared/model';
import { runCliCaptured } from '../support/cli';

const WORKER = resolve('out/main/collector-worker.js');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-collector-journal-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function deltas(host: CollectorHost, count: number): Promise<SnapshotDelta[]> {
  return new Promise((done, fail) => {
    const seen: SnapshotDelta[] = [];
    const timer = setTimeout(() => fail(new Error(`fewer than ${count} deltas within 15 s`)), 15_000);
    const stop = host.onSnapshotDelta((delta) => {
      seen.push(delta);
      if (seen.length < count) return;
      clearTimeout(timer);
      stop();
      done(seen);
    });
  });
}

describe('the collector worker records the journal', () => {
  it('records a loopback listener, readable by `portwatch history` while it runs; pausing ends the run', async () => {
    const file = join(dir, 'journal.db');
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    const host = new CollectorHost({ workerPath: WORKER, settings: { pollIntervalMs: 500, closedRetentionMs: 1000, journalEnabled: true }, journalFile: file });
    try {
      const seen = await deltas(host, 3);
      expect(seen.flatMap((d) => d.status.notices).filter((n) => n.includes('journal'))).toEqual([]);
      const run = await runCliCaptured(['history', '--journal', file, '--since', '1m', '--port', String(port), '--format', 'json']);
      expect(run.err).toBe('');
      const sessions = (JSON.parse(run.out) as { sessions: { localPort: number; listener: boolean; closedAt: number | null; owners: { pid: number }[] }[] }).sessions;
      expect(sessions.map((s) => [s.localPort, s.listener, s.closedAt, s.owners.map((o) => o.pid)])).toEqual([[port, true, null, [process.pid]]]);

      await host.setOptions({ journalEnabled: false });
      await new Promise<void>((done) => server.close(() => done()));
      await deltas(host, 3);
    } finally {
      await host.stop();
    }
    const db = await openJournalForReading(file);
    try {
      const reader = new JournalReader(db);
      expect(reader.runs()).toHaveLength(1);
      // Paused before the listener closed: the journal does not claim to know when it did.
      const listener = [...reader.sessions({ from: 0, to: Date.now() }, { port })];
      expect(listener.map((s) => s.session.closedAt)).toEqual([null]);
      expect(reader.coverage(Date.now()).recorded).toBe(false);
    } finally {
      db.close();
    }
  });

  it('a journal that cannot be opened shows as a notice in the status; polling goes on', async () => {
    const host = new CollectorHost({ workerPath: WORKER, settings: { pollIntervalMs: 500, journalEnabled: true }, journalFile: join(dir, 'missing-folder', '\u0000bad') });
    try {
      const seen = await deltas(host, 3);
      expect(seen.every((d) => d.status.ok)).toBe(true);
      expect(seen[seen.length - 1]?.status.notices.filter((n) => n.startsWith('The connection journal is off: '))).toHaveLength(1);
    } finally {
      await host.stop();
    }
  });
});
