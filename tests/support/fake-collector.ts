/** A collector double for service tests: canned answers, recorded options, deltas and statuses on demand. */
import type { Unsubscribe } from '../../src/shared/api';
import type { PollStatus, SnapshotDelta } from '../../src/shared/model';
import type { CollectorApi, CollectorSettings } from '../../src/main/core/collector-api';
import { countersOf, emptyAggregates, okStatus } from './connections';

/** See the module comment; `options` lists every setOptions call. */
export function fakeCollector(): CollectorApi & { options: Partial<CollectorSettings>[]; emit(delta: SnapshotDelta): void; emitStatus(s: PollStatus): void } {
  const deltas = new Set<(d: SnapshotDelta) => void>();
  const statuses = new Set<(s: PollStatus) => void>();
  const sub = <T>(set: Set<(v: T) => void>, l: (v: T) => void): Unsubscribe => {
    set.add(l);
    return () => set.delete(l);
  };
  return {
    options: [],
    getSnapshot: async () => ({ seq: 1, capturedAt: 1, hostname: 'h', status: okStatus(), rows: [], aggregates: emptyAggregates(), counters: countersOf([]) }),
    getHistory: async () => ({ from: 0, to: 1, samples: [] }),
    pause: async () => okStatus({ paused: true }),
    resume: async () => okStatus(),
    async setOptions(o) {
      this.options.push(o);
      return okStatus();
    },
    onSnapshotDelta: (l) => sub(deltas, l),
    onStatus: (l) => sub(statuses, l),
    stop: async () => undefined,
    emit: (d) => deltas.forEach((l) => l(d)),
    emitStatus: (s) => statuses.forEach((l) => l(s)),
  };
}
