/**
 * `CollectorHost`: runs the collector and its poller in a `node:worker_threads` worker and relays
 * its sequenced deltas and statuses. Used unchanged by the desktop app's main process and by
 * `portwatch serve`.
 *
 * After the first poll the worker posts only deltas (seq + 1 each) and statuses; a full snapshot
 * crosses the thread boundary only on `getSnapshot()`. A subscriber that misses a seq re-fetches
 * (see src/shared/snapshot-sync.ts).
 *
 * If the worker crashes, the host reports an error status, rejects the requests in flight, and
 * starts a new worker after a back-off (1 s, doubling to 30 s; reset once a new worker delivers a
 * poll). The new worker continues past the old seq with a gap, so every subscriber re-fetches. The
 * host itself never throws from a worker failure.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Unsubscribe } from '../../shared/api';
import type { History, HistoryWindow, PollStatus, Settings, Snapshot, SnapshotDelta } from '../../shared/model';
import { DEFAULT_SETTINGS } from '../../shared/defaults';
import { checkPollInterval, DEFAULT_POLL_TIMEOUT_MS } from '../core/poller';
import { workerBundlePath } from './bundle-paths';
import type { CollectorWorkerOptions, CollectorWorkerPatch, WorkerMessage, WorkerMethod, WorkerRequestMessage, WorkerRequests } from './collector-protocol';

/** Options of a {@link CollectorHost}. */
export interface CollectorHostOptions {
  pollIntervalMs?: number;
  closedRetentionMs?: number;
  socketSource?: Settings['socketSource'];
  reverseDns?: boolean;
  /** Start paused. */
  paused?: boolean;
  /** Time-out of one read of the socket table, ms (default 15 s). */
  readTimeoutMs?: number;
  /** The worker bundle; default `collector-worker.js` next to this bundle. */
  workerPath?: string;
  /** Restart back-off after a crash, ms (default 1 000 doubling to 30 000). */
  restartDelayMs?: { initial: number; max: number };
  /** The connection journal's file, written by the worker (default none). */
  journalFile?: string | null;
  journalEnabled?: boolean;
  journalRetentionDays?: number;
  journalMaxMb?: number;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** The default location of the worker bundle: out/main, even when this code sits in a chunk. */
export function defaultWorkerPath(): string {
  return workerBundlePath();
}

/** Runs the collector in a worker thread; see the module comment. */
export class CollectorHost {
  private readonly workerPath: string;
  private readonly restartDelay: { initial: number; max: number };
  private options: CollectorWorkerOptions;
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped = false;
  private lastSeq = 0;
  private lastStatus: PollStatus | null = null;
  private crashes = 0;
  private restartCount = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly deltaListeners = new Set<(delta: SnapshotDelta) => void>();
  private readonly statusListeners = new Set<(status: PollStatus) => void>();

  constructor(options: CollectorHostOptions = {}) {
    const pollIntervalMs = checkPollInterval(options.pollIntervalMs ?? DEFAULT_SETTINGS.pollIntervalMs);
    this.options = {
      pollIntervalMs,
      closedRetentionMs: options.closedRetentionMs ?? DEFAULT_SETTINGS.closedRetentionMs,
      socketSource: options.socketSource ?? DEFAULT_SETTINGS.socketSource,
      reverseDns: options.reverseDns ?? DEFAULT_SETTINGS.reverseDns,
      paused: options.paused ?? false,
      initialSeq: 0,
      readTimeoutMs: options.readTimeoutMs ?? DEFAULT_POLL_TIMEOUT_MS,
      journalFile: options.journalFile ?? null,
      journalEnabled: options.journalEnabled ?? DEFAULT_SETTINGS.journalEnabled,
      journalRetentionDays: options.journalRetentionDays ?? DEFAULT_SETTINGS.journalRetentionDays,
      journalMaxMb: options.journalMaxMb ?? DEFAULT_SETTINGS.journalMaxMb,
    };
    this.workerPath = options.workerPath ?? defaultWorkerPath();
    this.restartDelay = options.restartDelayMs ?? { initial: 1000, max: 30_000 };
    if (!existsSync(this.workerPath)) {
      throw new Error(`The collector worker bundle is missing at ${this.workerPath}: build the app first (npx electron-vite build).`);
    }
    this.spawn(0);
  }

  /** Times the worker was restarted after a crash. */
  get restarts(): number {
    return this.restartCount;
  }

  /** The latest status seen, or null before the first. */
  status(): PollStatus | null {
    return this.lastStatus;
  }

  /** The full table (waits for the first poll). */
  getSnapshot(): Promise<Snapshot> {
    return this.request('getSnapshot', []);
  }

  /** History over a window ending now. */
  getHistory(window: HistoryWindow): Promise<History> {
    return this.request('getHistory', [window]);
  }

  /** Pauses polling. */
  async pause(): Promise<PollStatus> {
    this.options = { ...this.options, paused: true };
    return this.request('pause', []);
  }

  /** Resumes polling (a poll at once). */
  async resume(): Promise<PollStatus> {
    this.options = { ...this.options, paused: false };
    return this.request('resume', []);
  }

  /** Changes options while running (kept for a restarted worker too). Rejects on a bad value. */
  async setOptions(patch: CollectorWorkerPatch): Promise<PollStatus> {
    if (patch.pollIntervalMs !== undefined) checkPollInterval(patch.pollIntervalMs);
    const status = await this.request('setOptions', [patch]);
    this.options = { ...this.options, ...patch };
    return status;
  }

  /** Subscribes to deltas. */
  onDelta(listener: (delta: SnapshotDelta) => void): Unsubscribe {
    this.deltaListeners.add(listener);
    return () => this.deltaListeners.delete(listener);
  }

  /** Subscribes to statuses (every poll's, and pause/resume/crash ones). */
  onStatus(listener: (status: PollStatus) => void): Unsubscribe {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Stops the worker for good. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (worker === null) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    try {
      await Promise.race([this.send('stop', []), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    } catch {
      // Already gone: nothing to stop.
    }
    // A read in flight (a child `ss`, a slow /proc walk) must not keep the thread alive.
    const timer = setTimeout(() => void worker.terminate(), 1000);
    timer.unref();
    await exited;
    clearTimeout(timer);
    this.rejectPending('The collector was stopped');
  }

  private request<K extends WorkerMethod>(method: K, args: WorkerRequests[K]['args']): Promise<WorkerRequests[K]['result']> {
    if (this.stopped) return Promise.reject(new Error('The collector was stopped'));
    return this.send(method, args);
  }

  private send<K extends WorkerMethod>(method: K, args: WorkerRequests[K]['args']): Promise<WorkerRequests[K]['result']> {
    const worker = this.worker;
    if (worker === null) return Promise.reject(new Error('The collector is restarting; try again in a moment'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const message: WorkerRequestMessage = { type: 'request', id, method, args };
      worker.postMessage(message);
    });
  }

  private spawn(initialSeq: number): void {
    const worker = new Worker(this.workerPath, { workerData: { ...this.options, initialSeq } });
    this.worker = worker;
    worker.on('message', (message: WorkerMessage) => this.receive(message));
    worker.on('error', (error) => this.crashed(worker, error.message));
    worker.on('exit', (code) => this.crashed(worker, `exit code ${code}`));
  }

  private receive(message: WorkerMessage): void {
    switch (message.type) {
      case 'delta':
        this.lastSeq = message.delta.seq;
        this.crashes = 0;
        this.emitStatus(message.delta.status);
        for (const listener of this.deltaListeners) this.safely(() => listener(message.delta));
        return;
      case 'status':
        this.emitStatus(message.status);
        return;
      case 'reply': {
        const pending = this.pending.get(message.id);
        if (pending === undefined) return;
        this.pending.delete(message.id);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(new Error(message.error));
        return;
      }
    }
  }

  private emitStatus(status: PollStatus): void {
    this.lastStatus = status;
    for (const listener of this.statusListeners) this.safely(() => listener(status));
  }

  /** A listener's bug must not break the relay for the others. */
  private safely(call: () => void): void {
    try {
      call();
    } catch (error) {
      console.error('A collector listener threw:', error);
    }
  }

  private crashed(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    if (this.stopped) return;
    void worker.terminate();
    const delay = Math.min(this.restartDelay.max, this.restartDelay.initial * 2 ** this.crashes);
    this.crashes += 1;
    const message = `The collector stopped unexpectedly (${reason}); restarting in ${Math.round(delay / 100) / 10} s`;
    this.rejectPending(message);
    const base = this.lastStatus;
    this.emitStatus({
      ok: false,
      error: message,
      errorKind: 'other',
      durationMs: 0,
      polledAt: Date.now(),
      intervalMs: base?.intervalMs ?? this.options.pollIntervalMs,
      paused: this.options.paused,
      source: base?.source ?? this.options.socketSource,
      notices: [],
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped) return;
      this.restartCount += 1;
      // Skip one seq: every subscriber sees a gap and re-fetches the new worker's table.
      this.spawn(this.lastSeq + 1);
    }, delay);
    this.restartTimer.unref();
  }

  private rejectPending(message: string): void {
    for (const pending of this.pending.values()) pending.reject(new Error(message));
    this.pending.clear();
  }
}
