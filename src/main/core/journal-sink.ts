/**
 * The hook between the collector's thread and the connection journal: the worker calls it with
 * each poll's delta and each probe result, and shows its notices. Implementations must not throw
 * (a journal that cannot write says so in `notices()`; polling goes on).
 */
import type { ProbeResult, SnapshotDelta } from '../../shared/model';
import type { DeltaContext } from './journal-recorder';

/** Receives what the collector saw; see the module comment. */
export interface JournalSink {
  /** One poll, after the poller's final status. `context` reads the whole table only when needed. */
  delta(delta: SnapshotDelta, context: DeltaContext): void;
  /** One probe run. */
  probe(result: ProbeResult): void;
  /** Notices for the status (a damaged file moved aside, writes failing, paused). */
  notices(): string[];
}
