/**
 * Messages between `CollectorHost` (the thread that serves the window or the WebSocket) and the
 * collector worker. Plain structured-cloneable data only.
 */
import type { History, HistoryWindow, PollStatus, Settings, Snapshot, SnapshotDelta } from '../../shared/model';

/** What the worker needs to start. */
export interface CollectorWorkerOptions {
  pollIntervalMs: number;
  closedRetentionMs: number;
  socketSource: Settings['socketSource'];
  reverseDns: boolean;
  /** Start paused (no poll until resumed). */
  paused: boolean;
  /** Seq before the first tick: a restarted worker continues past the old one's seq. */
  initialSeq: number;
  /** Time-out of one read of the socket table, ms. */
  readTimeoutMs: number;
  /** The connection journal's file (null = keep none) and its settings. */
  journalFile: string | null;
  journalEnabled: boolean;
  journalRetentionDays: number;
  journalMaxMb: number;
}

/** Options that can change while running. */
export type CollectorWorkerPatch = Partial<
  Pick<CollectorWorkerOptions, 'pollIntervalMs' | 'closedRetentionMs' | 'socketSource' | 'reverseDns' | 'journalEnabled' | 'journalRetentionDays' | 'journalMaxMb'>
>;

/** Requests and what each resolves to. */
export interface WorkerRequests {
  getSnapshot: { args: []; result: Snapshot };
  getHistory: { args: [HistoryWindow]; result: History };
  pause: { args: []; result: PollStatus };
  resume: { args: []; result: PollStatus };
  setOptions: { args: [CollectorWorkerPatch]; result: PollStatus };
  stop: { args: []; result: null };
}

/** A request method name. */
export type WorkerMethod = keyof WorkerRequests;

/** Host → worker. */
export interface WorkerRequestMessage {
  type: 'request';
  id: number;
  method: WorkerMethod;
  args: unknown[];
}

/** Worker → host. */
export type WorkerMessage =
  | { type: 'delta'; delta: SnapshotDelta }
  | { type: 'status'; status: PollStatus }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };
