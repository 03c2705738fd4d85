/**
 * A child process that writes journal batches as fast as it can and reports each committed one
 * to its parent (`{ at }` after the commit), so a test can kill it with SIGKILL at any moment.
 * argv: FILE RUN ROWS. Bundled for plain Node by the test (tests/main/node/journal/kill.test.ts).
 */
import type { Connection, SnapshotDelta } from '../../src/shared/model';
import { connectionKey } from '../../src/shared/key';
import { NodeJournal } from '../../src/main/node/journal/journal';

function rowsOf(run: number, batch: number, count: number): Connection[] {
  return Array.from({ length: count }, (_, i) => {
    const base = {
      protocol: 'tcp' as const,
      family: 4 as const,
      localAddress: `127.${run}.${batch % 250}.${1 + (i % 250)}`,
      localPort: 10_000 + Math.floor(batch / 250) * 100 + Math.floor(i / 250),
      remoteAddress: '127.0.0.1',
      remotePort: 443,
      state: 'ESTABLISHED' as const,
      owners: [{ pid: process.pid, name: `writer-${run}` }],
      ownerVisibility: 'visible' as const,
    };
    return { ...base, key: connectionKey(base) };
  });
}

async function main(): Promise<void> {
  const [file = '', runText = '0', rowsText = '50'] = process.argv.slice(2);
  const run = Number(runText);
  const count = Number(rowsText);
  const journal = await NodeJournal.open({ file, cleanupEveryMs: Number.MAX_SAFE_INTEGER });
  let previous: Connection[] = [];
  let last = 0;
  let batch = 0;
  const step = (): void => {
    const at = Math.max(Date.now(), last + 1);
    last = at;
    const rows = rowsOf(run, batch, count);
    const delta: SnapshotDelta = {
      seq: batch + 1,
      capturedAt: at,
      added: rows,
      changed: [],
      removedKeys: previous.map((r) => r.key),
      aggregates: { byPort: [], byProcess: [], byRemoteHost: [], byState: { ESTABLISHED: count } },
      counters: { total: count, established: count, listening: 0, udp: 0, newLastMinute: 0, closedLastMinute: 0 },
      status: { ok: true, error: null, errorKind: null, durationMs: 1, polledAt: at, intervalMs: 1000, paused: false, source: 'child', notices: [] },
    };
    journal.delta(delta, { rows: () => rows });
    const problems = journal.notices();
    // The batch is committed when delta() returns: only then is it acknowledged.
    process.send?.(problems.length > 0 ? { error: problems.join('; ') } : { at });
    previous = rows;
    batch += 1;
    setImmediate(step);
  };
  step();
}

void main().catch((error: unknown) => {
  process.send?.({ error: error instanceof Error ? error.message : String(error) });
});
