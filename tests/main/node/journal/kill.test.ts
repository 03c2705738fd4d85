import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFile } from '../../../../scripts/bench-lib.mjs';

const ROWS = 50;
const KILLS = 20;

let dir: string;
let child: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-journal-kill-'));
  child = await bundleFile('tests/support/journal-writer-child.ts');
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the writer until it has acknowledged `acks` batches, then kills it with SIGKILL. */
function writeAndKill(file: string, run: number, acks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const acked: number[] = [];
    const proc = fork(child, [file, String(run), String(ROWS)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('message', (message: { at?: number; error?: string }) => {
      if (message.error !== undefined) {
        proc.kill('SIGKILL');
        reject(new Error(`writer failed: ${message.error}`));
        return;
      }
      acked.push(message.at as number);
      // Kill while it keeps writing: the next batch is already on its way.
      if (acked.length === acks) proc.kill('SIGKILL');
    });
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`writer exited on its own (code ${String(code)}): ${stderr}`));
    });
  });
}

describe('journal under kill -9', () => {
  it(`never corrupts and loses at most the batch in flight, over ${KILLS} kills`, async () => {
    const file = join(dir, 'journal.db');
    const allAcked: number[] = [];
    for (let run = 1; run <= KILLS; run += 1) {
      // Vary the moment of the kill: 1 to 40 batches into the run.
      const acked = await writeAndKill(file, run, 1 + ((run * 7) % 40));
      allAcked.push(...acked);
      const db = new Database(file);
      try {
        expect(db.prepare('PRAGMA integrity_check').raw().all()).toEqual([['ok']]);
        const batches = db.prepare('SELECT opened_at, count(*) FROM sessions GROUP BY opened_at ORDER BY opened_at').raw().all() as [number, number][];
        // Every batch is whole or absent: one transaction per poll.
        expect(batches.filter(([, n]) => n !== ROWS)).toEqual([]);
        const stored = new Set(batches.map(([at]) => at));
        // Every acknowledged batch is there…
        expect(allAcked.filter((at) => !stored.has(at))).toEqual([]);
        // …and at most one more (the one in flight when the kill came).
        expect(stored.size - allAcked.length).toBeGreaterThanOrEqual(0);
        expect(stored.size - allAcked.length).toBeLessThanOrEqual(run);
        const lastAck = acked[acked.length - 1] as number;
        expect(batches.filter(([at]) => at > lastAck).length).toBeLessThanOrEqual(1);
        // Each batch closes the one before, so one batch is open; each restart closed the sessions
        // the killed run left open as "closed while not watching".
        expect(db.prepare('SELECT count(*) FROM sessions WHERE closed_at IS NULL').raw().get()).toEqual([ROWS]);
        expect(db.prepare('SELECT count(*) FROM sessions WHERE closed_unseen = 1').raw().get()).toEqual([ROWS * (run - 1)]);
      } finally {
        db.close();
      }
    }
  }, 240_000);
});
