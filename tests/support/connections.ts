/** Builders for model values in tests. */
import { connectionKey } from '../../src/shared/key';
import type { SsSocket } from '../../src/main/core/tcp-info';
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

/** A delta that only adds `added`, captured at `seq` seconds. */
export function addedDelta(seq: number, added: Connection[]): SnapshotDelta {
  return {
    seq,
    capturedAt: seq * 1000,
    added,
    changed: [],
    removedKeys: [],
    aggregates: emptyAggregates(),
    counters: countersOf(added),
    status: okStatus(),
  };
}

/** An `ss` record of an established loopback TCP socket with counters; `sent`/`received` fill tcp. */
export function makeSsSocket(over: Partial<SsSocket> & { sent?: number | null; received?: number | null } = {}): SsSocket {
  const { sent = 0, received = 0, ...rest } = over;
  return {
    protocol: 'tcp',
    family: 4,
    state: 'ESTABLISHED',
    localAddress: '127.0.0.1',
    localPort: 40000,
    remoteAddress: '127.0.0.1',
    remotePort: 8080,
    recvQueue: 0,
    sendQueue: 0,
    inode: 1,
    uid: 0,
    cgroup: '/',
    tcp: { bytesSent: sent, bytesReceived: received, rttMs: 0.5, rttVarMs: 0.25, retransmits: 0 },
    ...rest,
  };
}

/** The table row of an `ss` record (same endpoints and inode). */
export function rowOfSsSocket(s: SsSocket, over: Partial<Connection> = {}): Connection {
  const base = { protocol: s.protocol, family: s.family, localAddress: s.localAddress, localPort: s.localPort, remoteAddress: s.remoteAddress, remotePort: s.remotePort, inode: s.inode ?? 0 };
  return { key: connectionKey(base), ...base, state: s.state, owners: [], ownerVisibility: 'none', ...over };
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
