/**
 * What `CollectorHost` hands a new collector worker (its `workerData`). Everything after that
 * travels as RPC frames (src/shared/rpc) of the collector's contract, `CollectorApi`.
 */
import type { CollectorSettings } from '../core/collector-api';

/** A worker's start: the settings in force, paused or not, and where its seq starts. */
export interface CollectorWorkerData {
  settings: CollectorSettings;
  /** Start paused (no poll until resumed). */
  paused: boolean;
  /** Seq before the first tick: a restarted worker continues past the old one's seq. */
  initialSeq: number;
  /** The connection journal's file, written by this worker (null = keep none). */
  journalFile: string | null;
}
