/**
 * The client side of the snapshot protocol, used by every consumer of `PortwatchApi` (renderer
 * stores, the CLI's `--diff`, tests): subscribe first, fetch the snapshot, apply only deltas with a
 * higher seq, and re-fetch the snapshot on a gap.
 */
import type { PortwatchApi, Unsubscribe } from './api';
import type { Aggregates, Connection, Counters, HealthSignal, PollStatus, Snapshot, SnapshotDelta } from './model';

/** The table as a client holds it. */
export interface SyncedTable {
  seq: number;
  capturedAt: number;
  hostname: string;
  rows: Map<string, Connection>;
  aggregates: Aggregates;
  counters: Counters;
  status: PollStatus;
  /** Socket health signals in force (when the collector reports them). */
  health?: HealthSignal[];
}

/** Builds a client table from a full snapshot. */
export function tableFromSnapshot(snapshot: Snapshot): SyncedTable {
  return {
    seq: snapshot.seq,
    capturedAt: snapshot.capturedAt,
    hostname: snapshot.hostname,
    rows: new Map(snapshot.rows.map((row) => [row.key, row])),
    aggregates: snapshot.aggregates,
    counters: snapshot.counters,
    status: snapshot.status,
    ...(snapshot.health === undefined ? {} : { health: snapshot.health }),
  };
}

/**
 * Applies one delta in place. The caller checks `delta.seq === table.seq + 1` first (see
 * {@link deltaFits}).
 */
export function applyDelta(table: SyncedTable, delta: SnapshotDelta): void {
  for (const key of delta.removedKeys) table.rows.delete(key);
  for (const row of delta.added) table.rows.set(row.key, row);
  for (const row of delta.changed) table.rows.set(row.key, row);
  table.seq = delta.seq;
  table.capturedAt = delta.capturedAt;
  table.aggregates = delta.aggregates;
  table.counters = delta.counters;
  table.status = delta.status;
  if (delta.health !== undefined) table.health = delta.health;
}

/** How a delta relates to the table: stale (already applied), next, or after a gap. */
export function deltaFits(table: SyncedTable, delta: SnapshotDelta): 'stale' | 'next' | 'gap' {
  if (delta.seq <= table.seq) return 'stale';
  return delta.seq === table.seq + 1 ? 'next' : 'gap';
}

/** What a sync reports after each change of the table. */
export interface SyncUpdate {
  table: SyncedTable;
  /** The delta just applied; null after a full (re)load. */
  delta: SnapshotDelta | null;
}

/** A running sync. */
export interface SnapshotSync {
  /** Resolves once the first snapshot is loaded. */
  ready: Promise<void>;
  current(): SyncedTable | null;
  /** How many times a gap forced a full re-fetch. */
  resyncs(): number;
  stop(): void;
}

/**
 * Keeps a table in step with the API. `onUpdate` runs after the initial load, after each applied
 * delta and after each re-fetch; `onError` gets fetch failures (the sync retries on the next delta).
 */
export function startSnapshotSync(
  api: Pick<PortwatchApi, 'getSnapshot' | 'onSnapshotDelta'>,
  onUpdate: (update: SyncUpdate) => void,
  onError: (error: Error) => void = () => undefined,
): SnapshotSync {
  let table: SyncedTable | null = null;
  let fetching = false;
  let stopped = false;
  let resyncs = 0;
  const pending: SnapshotDelta[] = [];

  const load = async (): Promise<void> => {
    fetching = true;
    try {
      const snapshot = await api.getSnapshot();
      if (stopped) return;
      table = tableFromSnapshot(snapshot);
      onUpdate({ table, delta: null });
      const buffered = pending.splice(0).sort((a, b) => a.seq - b.seq);
      fetching = false;
      for (const delta of buffered) receive(delta);
    } catch (error) {
      fetching = false;
      onError(error instanceof Error ? error : new Error(String(error)));
    }
  };

  const receive = (delta: SnapshotDelta): void => {
    if (stopped) return;
    if (fetching || table === null) {
      pending.push(delta);
      if (!fetching) void load();
      return;
    }
    const fit = deltaFits(table, delta);
    if (fit === 'stale') return;
    if (fit === 'gap') {
      resyncs += 1;
      pending.push(delta);
      void load();
      return;
    }
    applyDelta(table, delta);
    onUpdate({ table, delta });
  };

  const unsubscribe: Unsubscribe = api.onSnapshotDelta(receive);
  const ready = load();
  return {
    ready,
    current: () => table,
    resyncs: () => resyncs,
    stop: () => {
      stopped = true;
      unsubscribe();
    },
  };
}
