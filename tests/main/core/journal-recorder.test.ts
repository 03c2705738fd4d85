import { describe, expect, it } from 'vitest';
import type { Connection, ProbeResult, SnapshotDelta } from '../../../src/shared/model';
import { JournalRecorder, LONG_SESSION_MS } from '../../../src/main/core/journal-recorder';
import type { DeltaContext, JournalBatch } from '../../../src/main/core/journal-recorder';
import { decodeStates, sessionAsConnection } from '../../../src/main/core/journal-codec';
import { emptyAggregates, makeConnection, okStatus } from '../../support/connections';

const T0 = 1_700_000_020_000; // 40 s into a minute

function delta(at: number, parts: Partial<Pick<SnapshotDelta, 'added' | 'changed' | 'removedKeys'>> = {}, ok = true): SnapshotDelta {
  return {
    seq: 1,
    capturedAt: at,
    added: parts.added ?? [],
    changed: parts.changed ?? [],
    removedKeys: parts.removedKeys ?? [],
    aggregates: { ...emptyAggregates(), byState: ok ? { ESTABLISHED: 2, LISTEN: 1 } : {} },
    counters: { total: 0, established: 0, listening: 0, udp: 0, newLastMinute: 0, closedLastMinute: 0 },
    status: ok ? okStatus({ polledAt: at }) : okStatus({ ok: false, error: 'boom', errorKind: 'other', polledAt: at }),
  };
}

function ctx(rows: Connection[], rates = [{ name: 'lo', rxBytesPerSec: 10, txBytesPerSec: 20 }]): DeltaContext {
  return { rows: () => rows, interfaces: () => rates };
}

const listener = makeConnection({ localPort: 8080, state: 'LISTEN', inode: 77 });
const client = makeConnection({
  localPort: 50000,
  remoteAddress: '127.0.0.1',
  remotePort: 8080,
  state: 'ESTABLISHED',
  owners: [{ pid: 10, name: 'curl', path: '/usr/bin/curl', user: 'me', commandLine: 'curl secret-token' }],
});

function fresh(): JournalRecorder {
  return new JournalRecorder({ nextId: 1, open: [], lastRecordedAt: null });
}

function baseline(rec: JournalRecorder, rows: Connection[], at = T0): JournalBatch {
  return rec.delta(delta(at, { added: rows }), ctx(rows)) as JournalBatch;
}

describe('JournalRecorder', () => {
  it('opens every socket of the first poll as already open, in a new run, with ids from nextId', () => {
    const rec = new JournalRecorder({ nextId: 41, open: [], lastRecordedAt: null });
    const b = baseline(rec, [listener, client]);
    expect(b.runStarted).toBe(true);
    expect(b.opens.map((o) => [o.id, o.row.key, o.openedAt, o.openedBefore, o.states])).toEqual([
      [41, listener.key, T0, true, 'LISTEN'],
      [42, client.key, T0, true, 'ESTABLISHED'],
    ]);
    expect(b.updates).toEqual([]);
    expect(b.closes).toEqual([]);
    // Only the connected socket talks to someone; the owner is kept without pid or command line.
    expect(b.contacts).toEqual([
      { owner: { name: 'curl', path: '/usr/bin/curl', user: 'me' }, remoteAddress: '127.0.0.1', remoteHost: null, hour: 1_699_999_200_000, opened: 1, firstSeen: T0, lastSeen: T0 },
    ]);
    expect(rec.openCount).toBe(2);
  });

  it('opens added rows, logs state changes, and writes nothing for a mark that merely lapses', () => {
    const rec = fresh();
    baseline(rec, [listener]);
    const b1 = rec.delta(delta(T0 + 1000, { added: [{ ...client, change: 'new' }] }), ctx([])) as JournalBatch;
    expect(b1.runStarted).toBe(false);
    expect(b1.opens).toHaveLength(1);
    expect(b1.opens[0]).toMatchObject({ id: 2, openedAt: T0 + 1000, openedBefore: false, states: 'ESTABLISHED' });
    const lapse = rec.delta(delta(T0 + 2000, { changed: [{ ...client, change: null }] }), ctx([])) as JournalBatch;
    expect(lapse.updates).toEqual([]);
    const tw = rec.delta(delta(T0 + 3500, { changed: [{ ...client, state: 'TIME_WAIT', owners: [], ownerVisibility: 'none', change: 'changed' }] }), ctx([])) as JournalBatch;
    expect(tw.updates).toHaveLength(1);
    expect(tw.updates[0]?.states).toBe('ESTABLISHED;TIME_WAIT@2500');
    expect(decodeStates(tw.updates[0]?.states ?? '', T0 + 1000)).toEqual([
      { state: 'ESTABLISHED', at: T0 + 1000 },
      { state: 'TIME_WAIT', at: T0 + 3500 },
    ]);
    // The socket outlived its process: the last known owner stays.
    expect(tw.updates[0]?.row.owners.map((o) => o.name)).toEqual(['curl']);
    expect(tw.updates[0]?.row.ownerVisibility).toBe('none');
  });

  it('closes rows marked closed and keys removed without a closed mark; long sessions are flagged', () => {
    const rec = fresh();
    baseline(rec, [listener, client]);
    const b = rec.delta(delta(T0 + 5000, { changed: [{ ...client, change: 'closed' }] }), ctx([])) as JournalBatch;
    expect(b.closes).toEqual([{ id: 2, closedAt: T0 + 5000, long: false, unseen: false }]);
    expect(b.contacts).toEqual([expect.objectContaining({ opened: 0, lastSeen: T0 + 5000 })]);
    const later = T0 + LONG_SESSION_MS + 1;
    const b2 = rec.delta(delta(later, { removedKeys: [listener.key] }), ctx([])) as JournalBatch;
    expect(b2.closes).toEqual([{ id: 1, closedAt: later, long: true, unseen: false }]);
    expect(rec.openCount).toBe(0);
    // A key that is gone already closes nothing more.
    expect((rec.delta(delta(later + 1000, { removedKeys: [listener.key] }), ctx([])) as JournalBatch).closes).toEqual([]);
  });

  it('a key added again while still open ends the old session and opens a new one', () => {
    const rec = fresh();
    baseline(rec, [client]);
    const b = rec.delta(delta(T0 + 1000, { added: [{ ...client, change: 'new' }] }), ctx([])) as JournalBatch;
    expect(b.closes).toEqual([{ id: 1, closedAt: T0 + 1000, long: false, unseen: false }]);
    expect(b.opens.map((o) => o.id)).toEqual([2]);
  });

  it('after a restart, continues sessions still open and closes vanished ones at the last recorded poll, unseen', () => {
    const restoredClient = { id: 7, key: client.key, openedAt: T0 - 50_000, states: 'ESTABLISHED', row: client };
    const restoredListener = { id: 8, key: listener.key, openedAt: T0 - 50_000, states: 'LISTEN', row: listener };
    const rec = new JournalRecorder({ nextId: 9, open: [restoredClient, restoredListener], lastRecordedAt: T0 - 20_000 });
    const other = makeConnection({ localPort: 9090 });
    const b = baseline(rec, [client, other, { ...listener, change: 'closed' }]);
    expect(b.runStarted).toBe(true);
    expect(b.opens.map((o) => [o.id, o.row.localPort, o.openedBefore])).toEqual([[9, 9090, true]]);
    expect(b.updates).toEqual([]);
    expect(b.closes).toEqual([{ id: 8, closedAt: T0 - 20_000, long: false, unseen: true }]);
  });

  it('waits for a successful poll before starting a run', () => {
    const rec = fresh();
    const failed = rec.delta(delta(T0, {}, false), ctx([listener])) as JournalBatch;
    expect(failed.runStarted).toBe(false);
    expect(failed.opens).toEqual([]);
    const ok = baseline(rec, [listener], T0 + 1000);
    expect(ok.runStarted).toBe(true);
    expect(ok.opens).toHaveLength(1);
  });

  it('emits a minute when the next one starts: polls, failures, opened/closed, state sums, rates', () => {
    const rec = fresh();
    baseline(rec, [listener], T0); // minute M (40 s in)
    rec.delta(delta(T0 + 1000, { added: [{ ...client, change: 'new' }] }), ctx([]));
    rec.delta(delta(T0 + 2000, {}, false), ctx([]));
    rec.delta(delta(T0 + 3000, { changed: [{ ...client, change: 'closed' }] }), ctx([]));
    const next = rec.delta(delta(T0 + 20_000), ctx([], [{ name: 'lo', rxBytesPerSec: 1, txBytesPerSec: 2 }])) as JournalBatch;
    expect(next.minutes).toEqual([
      {
        minute: T0 - 40_000,
        polls: 4,
        failedPolls: 1,
        opened: 1,
        closed: 1,
        stateSums: { ESTABLISHED: 6, LISTEN: 3 },
        // The rates read as the minute ended (the collector's mean over the last minute).
        interfaces: [{ name: 'lo', rxBytesPerSec: 1, txBytesPerSec: 2 }],
      },
    ]);
    expect(next.contacts).toEqual([]);
    const flushed = rec.flush(T0 + 21_000);
    expect(flushed.minutes).toEqual([expect.objectContaining({ minute: T0 + 20_000, polls: 1, interfaces: [{ name: 'lo', rxBytesPerSec: 1, txBytesPerSec: 2 }] })]);
  });

  it('once a minute, moves the last seen of every open connection\'s contact', () => {
    const rec = fresh();
    baseline(rec, [client]);
    expect((rec.delta(delta(T0 + 1000), ctx([])) as JournalBatch).contacts).toEqual([]);
    const next = rec.delta(delta(T0 + 20_000), ctx([])) as JournalBatch;
    expect(next.contacts).toEqual([expect.objectContaining({ remoteAddress: '127.0.0.1', opened: 0, firstSeen: T0 + 20_000, lastSeen: T0 + 20_000 })]);
  });

  it('while paused records nothing; on resume it reconciles and closes what vanished at the pause, unseen', () => {
    const rec = fresh();
    baseline(rec, [listener, client]);
    const p = rec.pause(T0 + 1000);
    expect(p.minutes).toHaveLength(1);
    expect(rec.delta(delta(T0 + 2000, { changed: [{ ...client, change: 'closed' }] }), ctx([listener]))).toBeNull();
    rec.probe({ probeId: 'x' } as ProbeResult);
    rec.resume();
    const b = rec.delta(delta(T0 + 9000), ctx([listener])) as JournalBatch;
    expect(b.runStarted).toBe(true);
    expect(b.closes).toEqual([{ id: 2, closedAt: T0 + 1000, long: false, unseen: true }]);
    expect(b.opens).toEqual([]);
    expect(b.probes).toEqual([]);
  });

  it('carries probe results in the next batch', () => {
    const rec = fresh();
    const result = { probeId: 'p1', kind: 'tcp', at: T0, outcome: 'open', ok: true, latencyMs: 1, message: 'open', health: 'up', transition: null } as ProbeResult;
    rec.probe(result);
    expect(baseline(rec, []).probes).toEqual([result]);
  });

  it('sessionAsConnection gives the state at the moment asked and marks a session closed by then', () => {
    const session = {
      id: 1,
      protocol: 'tcp' as const,
      family: 4 as const,
      localAddress: '127.0.0.1',
      localPort: 1,
      remoteAddress: '127.0.0.1',
      remotePort: 2,
      listener: false,
      openedAt: 100,
      openedBefore: false,
      closedAt: 500,
      closedUnseen: false,
      states: decodeStates('SYN_SENT;ESTABLISHED@50;TIME_WAIT@300', 100),
      owners: [{ pid: 1, name: 'a', path: null, user: null }],
      ownerVisibility: 'visible' as const,
      service: null,
      exposure: null,
      forward: null,
      remoteHost: null,
      bytesSent: null,
      bytesReceived: null,
    };
    expect(sessionAsConnection(session, 'k', 120).state).toBe('SYN_SENT');
    expect(sessionAsConnection(session, 'k', 150).state).toBe('ESTABLISHED');
    expect(sessionAsConnection(session, 'k', 450)).toMatchObject({ state: 'TIME_WAIT', change: null, owners: [{ pid: 1, name: 'a' }] });
    expect(sessionAsConnection(session, 'k', 600)).toMatchObject({ change: 'closed', lastSeen: 500 });
  });
});
