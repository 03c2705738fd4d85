/**
 * The collector host end to end: the built worker bundle (out/main/collector-worker.js, made by
 * `npx electron-vite build`) reading the real socket table, with real loopback listeners.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CollectorHost } from '../../src/main/node/collector-host';
import { startSnapshotSync } from '../../src/shared/snapshot-sync';
import type { Connection, PollStatus, SnapshotDelta } from '../../src/shared/model';

const WORKER = resolve('out/main/collector-worker.js');
const HANGING_WORKER = resolve('tests/support/hanging-worker.mjs');

/** Resolves the first value a subscription delivers that matches `predicate` (bounded wait). */
function next<T>(subscribe: (listener: (value: T) => void) => () => void, what: string, predicate: (value: T) => boolean, timeoutMs: number): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = subscribe((value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      stop();
      resolvePromise(value);
    });
  });
}

const nextStatus = (host: CollectorHost, predicate: (status: PollStatus) => boolean, timeoutMs = 10_000): Promise<PollStatus> =>
  next((l) => host.onStatus(l), 'status', predicate, timeoutMs);
const nextDelta = (host: CollectorHost, predicate: (delta: SnapshotDelta) => boolean, timeoutMs = 10_000): Promise<SnapshotDelta> =>
  next((l) => host.onSnapshotDelta(l), 'delta', predicate, timeoutMs);

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      resolvePromise({ server, port: address.port });
    });
  });
}

const isOurListener = (port: number) => (row: Connection) => row.protocol === 'tcp' && row.localPort === port && row.state === 'LISTEN';

describe('CollectorHost on real loopback sockets', () => {
  let host: CollectorHost;

  beforeAll(() => {
    host = new CollectorHost({ workerPath: WORKER, settings: { pollIntervalMs: 500, closedRetentionMs: 1500, socketSource: 'auto' } });
  });

  afterAll(async () => {
    await host.stop();
  });

  it('serves a first full snapshot, then sequenced deltas', async () => {
    const snapshot = await host.getSnapshot();
    expect(snapshot.seq).toBeGreaterThanOrEqual(1);
    expect(snapshot.status.ok).toBe(true);
    expect(snapshot.rows.length).toBe(snapshot.counters.total + snapshot.rows.filter((r) => r.change === 'closed').length);
    const seqs: number[] = [];
    const stop = host.onSnapshotDelta((delta) => seqs.push(delta.seq));
    await nextDelta(host, (delta) => delta.seq >= snapshot.seq + 3);
    stop();
    for (let i = 1; i < seqs.length; i += 1) expect(seqs[i]).toBe((seqs[i - 1] as number) + 1);
  });

  it('adds a new listener, marks it closed when it closes, then removes it after the retention', async () => {
    const { server, port } = await listen();
    const added = await nextDelta(host, (delta) => delta.added.some(isOurListener(port)));
    const row = added.added.find(isOurListener(port)) as Connection;
    expect(row.change).toBe('new');
    expect(row.ownerVisibility).toBe('visible');
    expect(row.owners.map((o) => o.pid)).toContain(process.pid);
    expect(row.exposure).toBe('loopback');
    expect(added.counters.newLastMinute).toBeGreaterThanOrEqual(1);

    await new Promise<void>((done) => server.close(() => done()));
    const closed = await nextDelta(host, (delta) => delta.changed.some((r) => r.key === row.key && r.change === 'closed'));
    const closedAt = closed.capturedAt;
    expect((await host.getSnapshot()).rows.find((r) => r.key === row.key)?.change).toBe('closed');
    const removed = await nextDelta(host, (delta) => delta.removedKeys.includes(row.key));
    expect(removed.capturedAt - closedAt).toBeGreaterThanOrEqual(1500);
    expect((await host.getSnapshot()).rows.some((r) => r.key === row.key)).toBe(false);
  });

  it('lets a subscriber that misses a seq re-fetch the full table', async () => {
    let dropped = false;
    const api = {
      getSnapshot: () => host.getSnapshot(),
      // Loses exactly one delta on the way, as a congested transport might.
      onSnapshotDelta: (listener: (delta: SnapshotDelta) => void) =>
        host.onSnapshotDelta((delta) => {
          if (!dropped && sync.current() !== null) {
            dropped = true;
            return;
          }
          listener(delta);
        }),
    };
    let loads = 0;
    let reloaded: () => void = () => undefined;
    const reload = new Promise<void>((done) => (reloaded = done));
    const sync = startSnapshotSync(api, (update) => {
      // delta null = a full (re)load; the second one is the re-fetch after the gap.
      if (update.delta === null && ++loads === 2) reloaded();
    });
    await sync.ready;
    const { server, port } = await listen();
    try {
      await nextDelta(host, (delta) => delta.added.some(isOurListener(port)));
      await reload;
      expect(sync.resyncs()).toBe(1);
      const table = sync.current();
      expect(table).not.toBeNull();
      expect([...(table?.rows.values() ?? [])].some(isOurListener(port))).toBe(true);
      const fresh = await host.getSnapshot();
      expect(table?.seq).toBeLessThanOrEqual(fresh.seq);
    } finally {
      sync.stop();
      server.close();
    }
  });

  it('pauses and resumes polling', async () => {
    const paused = await host.pause();
    expect(paused.paused).toBe(true);
    const seen: number[] = [];
    const stop = host.onSnapshotDelta((delta) => seen.push(delta.seq));
    const before = (await host.getSnapshot()).seq;
    await new Promise((r) => setTimeout(r, 1300));
    // At most the poll that was already running when pause arrived.
    expect(seen.length).toBeLessThanOrEqual(1);
    const resumed = await host.resume();
    expect(resumed.paused).toBe(false);
    const next = await nextDelta(host, () => true);
    expect(next.seq).toBeGreaterThan(before);
    expect(next.status.paused).toBe(false);
    stop();
  });

  it('shares one snapshot per seq among its callers, and fetches a new one after the next delta', async () => {
    const [a, b] = await Promise.all([host.getSnapshot(), host.getSnapshot()]);
    expect(b).toBe(a);
    await nextDelta(host, (delta) => delta.seq > a.seq);
    const c = await host.getSnapshot();
    expect(c).not.toBe(a);
    expect(c.seq).toBeGreaterThan(a.seq);
  });

  it('rejects an interval outside the limits with a clear message', async () => {
    await expect(host.setOptions({ pollIntervalMs: 100 })).rejects.toThrow('pollIntervalMs must be between 500 and 60000 ms (got 100)');
    const status = await host.setOptions({ pollIntervalMs: 600, closedRetentionMs: 1000 });
    expect(status.intervalMs).toBe(600);
  });
});

describe('CollectorHost when the worker gets stuck', () => {
  it('reports "not responding" after 3 poll intervals without a status or an answer, restarts the worker, and recovers', async () => {
    const host = new CollectorHost({ workerPath: HANGING_WORKER, settings: { pollIntervalMs: 500 }, restartDelayMs: { initial: 200, max: 1000 } });
    const statuses: PollStatus[] = [];
    const seqs: number[] = [];
    host.onStatus((s) => statuses.push(s));
    host.onSnapshotDelta((d) => seqs.push(d.seq));
    try {
      // The first worker posts one delta, then freezes in a busy loop.
      const stuck = await nextStatus(host, (s) => s.error !== null && s.error.startsWith('The collector is not responding'), 30_000);
      expect(stuck).toMatchObject({ ok: false, errorKind: 'other', intervalMs: 500 });
      // The silence is reported as measured: at least the 3 intervals (1.5 s), more on a busy machine.
      const silence = /^The collector is not responding \(no answer from the collector for (\d+(?:\.\d+)?) s\); restarting in 0\.2 s$/.exec(stuck.error ?? '');
      expect(silence, stuck.error ?? '').not.toBeNull();
      expect(Number(silence?.[1])).toBeGreaterThanOrEqual(1.5);
      expect(seqs).toEqual([1]);
      // A new worker takes over; its first delta skips a seq, so subscribers re-fetch.
      const recovered = await nextDelta(host, () => true, 30_000);
      expect(recovered.seq).toBe(3);
      expect(recovered.status.ok).toBe(true);
      expect(host.status()?.ok).toBe(true);
      expect(host.restarts).toBe(1);
      expect((await host.getSnapshot()).seq).toBeGreaterThanOrEqual(3);
      const errors = statuses.filter((s) => !s.ok).map((s) => s.error);
      expect(errors).toEqual(['The collector is not responding (no answer from the collector for 1.5 s); restarting in 0.2 s']);
    } finally {
      await host.stop();
    }
  });
});

describe('CollectorHost when the worker crashes', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports an error status and restarts with back-off, never throwing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-crash-'));
    const crashing = join(dir, 'crash-worker.js');
    writeFileSync(crashing, "throw new Error('boom in the worker');\n");
    const host = new CollectorHost({ workerPath: crashing, restartDelayMs: { initial: 50, max: 200 } });
    const statuses: PollStatus[] = [];
    host.onStatus((s) => statuses.push(s));
    const snapshot = host.getSnapshot().catch((error: Error) => error.message);
    await new Promise((r) => setTimeout(r, 800));
    await host.stop();
    expect(await snapshot).toMatch(/^The collector stopped unexpectedly \(boom in the worker\); restarting in 0\.1 s$/);
    expect(host.restarts).toBeGreaterThanOrEqual(2);
    expect(statuses[0]).toMatchObject({ ok: false, errorKind: 'other' });
    expect(statuses.map((s) => s.error)).toContain('The collector stopped unexpectedly (boom in the worker); restarting in 0.1 s');
    await expect(host.getSnapshot()).rejects.toThrow('The collector was stopped');
  });

  it('refuses to start without the worker bundle', () => {
    expect(() => new CollectorHost({ workerPath: '/nonexistent/collector-worker.js' })).toThrow(
      'The collector worker bundle is missing at /nonexistent/collector-worker.js: build the app first (npx electron-vite build).',
    );
  });
});
