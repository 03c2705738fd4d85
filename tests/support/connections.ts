/** Builders for model values in tests. */
import { connectionKey } from '../../src/shared/key';
import type { Aggregates, Connection, Counters, PollStatus, SnapshotDelta } from '../../src/shared/model';

/** A connection with sensible defaults; the key is derived unless given. */
export function makeConnection(partial: Partial<Connection> = {}): Connection {
  const base: Connection = {
    key: '',
    protocol: 'tcp',
    family: 4,
    localAddress: '127.0.0.1',
    localPort: 8080,
    remoteAddress: null,
    remotePort: null,
    state: 'LISTEN',
    owners: [{ pid: 4242, name: 'node' }],
    ownerVisibility: 'visible',
    ...partial,
  };
  return { ...base, key: partial.key ?? connectionKey(base) };
}

/** Aggregates with nothing in them. */
export function emptyAggregates(): Aggregates {
  return { byPort: [], byProcess: [], byRemoteHost: [], byState: {} };
}

/** Counters derived from rows (the simple ones; new/closed in the last minute given). */
export function countersOf(rows: readonly Connection[], newLastMinute = 0, closedLastMinute = 0): Counters {
  const live = rows.filter((r) => r.change !== 'closed');
  return {
    total: live.length,
    established: live.filter((r) => r.state === 'ESTABLISHED').length,
    listening: live.filter((r) => r.state === 'LISTEN').length,
    udp: live.filter((r) => r.protocol === 'udp').length,
    newLastMinute,
    closedLastMinute,
  };
}

/** An ok poll status. */
export function okStatus(partial: Partial<PollStatus> = {}): PollStatus {
  return {
    ok: true,
    error: null,
    errorKind: null,
    durationMs: 5,
    polledAt: 1_700_000_000_000,
    intervalMs: 1000,
    paused: false,
    source: 'fake',
    notices: [],
    ...partial,
  };
}

/** A delta of one poll at `at` with nothing in it but what `parts` gives (status ok). */
export function makeDelta(at: number, parts: Partial<SnapshotDelta> = {}): SnapshotDelta {
  return {
    seq: 1,
    capturedAt: at,
    added: [],
    changed: [],
    removedKeys: [],
    aggregates: emptyAggregates(),
    counters: { total: 0, established: 0, listening: 0, udp: 0, newLastMinute: 0, closedLastMinute: 0 },
    status: okStatus({ polledAt: at }),
    ...parts,
  };
}
