/**
 * `CollectorHost`: runs the collector and its poller in a `node:worker_threads` worker and serves
 * its contract (`CollectorApi`) to the main thread, talking to the worker over the RPC layer
 * (src/shared/rpc). Used unchanged by the desktop app's main process and by `portwatch serve`.
 *
 * After the first poll the worker posts only deltas (seq + 1 each) and statuses; a full snapshot
 * crosses the thread boundary only on `getSnapshot()`. A subscriber that misses a seq re-fetches
 * (see src/shared/snapshot-sync.ts).
 *
 * Watchdog: the link's heartbeat pings the worker every poll interval; when neither a status nor an
 * answer (a pong, a reply) comes for `watchdogIntervals` poll intervals (3 by default; a new worker
 * gets `startupTimeoutMs` for its first status), the worker is stuck: the host reports "the
 * collector is not responding" as a status (it reaches the UI and the tray like any other),
 * terminates the worker and starts a new one.
 *
 * If the worker crashes, the host reports an error status likewise. Either way it rejects the
 * requests in flight and starts a new worker after a back-off (1 s, doubling to 30 s; reset once a
 * new worker delivers a poll). The new worker continues past the old seq with a gap, so every
 * subscriber re-fetches. The host itself never throws from a worker failure.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Unsubscribe } from '../../shared/api';
import { DEFAULT_SETTINGS } from '../../shared/defaults';
import type { History, HistoryWindow, PollStatus, Snapshot, SnapshotDelta } from '../../shared/model';
import { RpcClient } from '../../shared/rpc/client';
import { RpcLink } from '../../shared/rpc/link';
import { COLLECTOR_MEMBERS } from '../core/collector-api';
import type { CollectorApi, CollectorSettings } from '../core/collector-api';
import { collectorDownStatus } from '../core/poll-status';
import { checkPollInterval } from '../core/poller';
import { workerBundlePath } from './bundle-paths';
import type { CollectorWorkerData } from './collector-protocol';
import { systemClock } from './system-clock';

/** Options of a {@link CollectorHost}. */
export interface CollectorHostOptions {
  /** The collector's settings (defaults: the app's). */
  settings?: Partial<CollectorSettings>;
  /** Start paused. */
  paused?: boolean;
  /** The worker bundle; default `collector-worker.js` next to this bundle. */
  workerPath?: string;
  /** Restart back-off after a crash or a hang, ms (default 1 000 doubling to 30 000). */
  restartDelayMs?: { initial: number; max: number };
  /** Poll intervals without a status or an answer before the worker counts as stuck (default 3). */
  watchdogIntervals?: number;
  /** How long a new worker may take to send anything, ms (default 20 000: loading the bundle). */
  startupTimeoutMs?: number;
  /** Time-out of one request to the worker, ms (default 60 000; getSnapshot waits for the first poll). */
  requestTimeoutMs?: number;
  /** The connection journal's file, written by the worker (default none); its settings are in `settings`. */
  journalFile?: string | null;
}

/** The default location of the worker bundle: out/main, even when this code sits in a chunk. */
export function defaultWorkerPath(): string {
  return workerBundlePath();
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** Runs the collector in a worker thread; see the module comment. */
export class CollectorHost implements CollectorApi {
  private readonly workerPath: string;
  private readonly restartDelay: { initial: number; max: number };
  private readonly watchdogIntervals: number;
  private readonly journalFile: string | null;
  private readonly startupTimeoutMs: number;
  private readonly client: RpcClient<CollectorApi>;
  private settings: CollectorSettings;
  private paused: boolean;
  private worker: Worker | null = null;
  private link: RpcLink | null = null;
  /** The watchdog's window in force for the current worker, ms (null: still the startup time-out). */
  private watchdogMs: number | null = null;
  /** Why the current worker is going down (the words the requests in flight are rejected with). */
  private downMessage: string | null = null;
  private stopped = false;
  private lastSeq = 0;
  private lastStatus: PollStatus | null = null;
  private failures = 0;
  private restartCount = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  /**
   * The snapshot of the latest seq, shared by every caller until the next delta or status: ten
   * clients (or one hostile one) asking for it cost one trip to the worker, and serve encodes it
   * once (ws-session.ts). Callers must not mutate it.
   */
  private snapshotCache: Promise<Snapshot> | null = null;
  private readonly deltaListeners = new Set<(delta: SnapshotDelta) => void>();
  private readonly statusListeners = new Set<(status: PollStatus) => void>();

  constructor(options: CollectorHostOptions = {}) {
    const settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.settings = {
      pollIntervalMs: checkPollInterval(settings.pollIntervalMs),
      closedRetentionMs: settings.closedRetentionMs,
      socketSource: settings.socketSource,
      reverseDns: settings.reverseDns,
      ...(settings.trafficEnabled === undefined ? {} : { trafficEnabled: settings.trafficEnabled }),
      ...(settings.health === undefined ? {} : { health: settings.health }),
      journalEnabled: settings.journalEnabled,
      journalRetentionDays: settings.journalRetentionDays,
      journalMaxMb: settings.journalMaxMb,
    };
    this.paused = options.paused ?? false;
    this.journalFile = options.journalFile ?? null;
    this.workerPath = options.workerPath ?? defaultWorkerPath();
    this.restartDelay = options.restartDelayMs ?? { initial: 1000, max: 30_000 };
    this.watchdogIntervals = options.watchdogIntervals ?? 3;
    this.startupTimeoutMs = options.startupTimeoutMs ?? 20_000;
    if (!existsSync(this.workerPath)) {
      throw new Error(`The collector worker bundle is missing at ${this.workerPath}: build the app first (npx electron-vite build).`);
    }
    this.client = new RpcClient<CollectorApi>({
      clock: systemClock,
      members: COLLECTOR_MEMBERS,
      timeoutMs: options.requestTimeoutMs ?? 60_000,
      messages: {
        lost: (reason) => this.downMessage ?? reason,
        timeout: (method, ms) => `The collector did not answer ${method} within ${seconds(ms)}`,
      },
    });
    // Subscribed once: the client re-subscribes on every new worker's link.
    this.client.api.onSnapshotDelta((delta) => this.receivedDelta(delta));
    this.client.api.onStatus((status) => this.receivedStatus(status));
    this.spawn(0);
  }

  /** Times the worker was restarted after a crash or a hang. */
  get restarts(): number {
    return this.restartCount;
  }

  /** The latest status seen, or null before the first. */
  status(): PollStatus | null {
    return this.lastStatus;
  }

  /** The full table (waits for the first poll); see `snapshotCache`. */
  getSnapshot(): Promise<Snapshot> {
    return this.whileRunning(() => {
      if (this.snapshotCache === null) {
        const fetching = this.client.api.getSnapshot();
        this.snapshotCache = fetching;
        fetching.catch(() => {
          if (this.snapshotCache === fetching) this.snapshotCache = null;
        });
      }
      return this.snapshotCache;
    });
  }

  /** History over a window ending now. */
  getHistory(window: HistoryWindow): Promise<History> {
    return this.whileRunning(() => this.client.api.getHistory(window));
  }

  /** Pauses polling (kept for a restarted worker too). */
  pause(): Promise<PollStatus> {
    this.paused = true;
    return this.whileRunning(() => this.client.api.pause());
  }

  /** Resumes polling (a poll at once). */
  resume(): Promise<PollStatus> {
    this.paused = false;
    return this.whileRunning(() => this.client.api.resume());
  }

  /** Changes settings while running (kept for a restarted worker too). Rejects on a bad value. */
  async setOptions(patch: Partial<CollectorSettings>): Promise<PollStatus> {
    if (patch.pollIntervalMs !== undefined) checkPollInterval(patch.pollIntervalMs);
    const status = await this.whileRunning(() => this.client.api.setOptions(patch));
    this.settings = { ...this.settings, ...patch };
    return status;
  }

  /** Subscribes to deltas. */
  onSnapshotDelta(listener: (delta: SnapshotDelta) => void): Unsubscribe {
    this.deltaListeners.add(listener);
    return () => this.deltaListeners.delete(listener);
  }

  /** Subscribes to statuses (every poll's, pause/resume, and the host's own when the worker is down). */
  onStatus(listener: (status: PollStatus) => void): Unsubscribe {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Stops the worker for good. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.downMessage = 'The collector was stopped';
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    // The watchdog must not restart what we are stopping.
    this.link?.setHeartbeat(null);
    const stopping = this.client.api.stop().catch(() => undefined);
    this.client.refuse(this.downMessage);
    const worker = this.worker;
    if (worker === null) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    await Promise.race([stopping, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    // A read in flight (a child `ss`, a slow /proc walk) must not keep the thread alive.
    const timer = setTimeout(() => void worker.terminate(), 1000);
    timer.unref();
    await exited;
    clearTimeout(timer);
    this.link?.lost(this.downMessage);
  }

  private whileRunning<T>(call: () => Promise<T>): Promise<T> {
    return this.stopped ? Promise.reject(new Error('The collector was stopped')) : call();
  }

  private spawn(initialSeq: number): void {
    const data: CollectorWorkerData = { settings: this.settings, paused: this.paused, initialSeq, journalFile: this.journalFile };
    const worker = new Worker(this.workerPath, { workerData: data });
    const link = new RpcLink(
      {
        send: (frame) => worker.postMessage(frame),
        buffered: () => 0,
        // Ending the link does not end the thread: the host terminates it where it decides to.
        close: () => undefined,
      },
      { clock: systemClock, heartbeat: { deadAfterMs: this.startupTimeoutMs }, peer: 'the collector' },
    );
    this.worker = worker;
    this.link = link;
    this.watchdogMs = null;
    this.downMessage = null;
    worker.on('message', (frame: unknown) => link.receive(frame));
    worker.on('error', (error) => this.failed(worker, `The collector stopped unexpectedly (${error.message})`));
    worker.on('exit', (code) => this.failed(worker, `The collector stopped unexpectedly (exit code ${code})`));
    link.onClose((closed) => {
      // Only the heartbeat closes the link from our side while the worker runs: it is stuck.
      if (!closed.byPeer && this.worker === worker && !this.stopped) this.failed(worker, `The collector is not responding (${closed.reason})`);
    });
    this.client.attach(link);
  }


  private receivedDelta(delta: SnapshotDelta): void {
    this.snapshotCache = null;
    this.lastSeq = delta.seq;
    this.failures = 0;
    this.emitStatus(delta.status);
    for (const listener of this.deltaListeners) this.safely(() => listener(delta));
  }

  private receivedStatus(status: PollStatus): void {
    this.emitStatus(status);
  }

  private emitStatus(status: PollStatus): void {
    this.snapshotCache = null;
    // Polls are every `intervalMs` now (back-off included): the watchdog allows that many of them.
    const window = this.watchdogIntervals * status.intervalMs;
    if (window !== this.watchdogMs) {
      this.watchdogMs = window;
      this.link?.setHeartbeat({ deadAfterMs: window });
    }
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

  /** The worker crashed, exited or hung: report it, end it, and start a new one after a back-off. */
  private failed(worker: Worker, what: string): void {
    if (this.worker !== worker || this.stopped) return;
    this.worker = null;
    const delay = Math.min(this.restartDelay.max, this.restartDelay.initial * 2 ** this.failures);
    this.failures += 1;
    const message = `${what}; restarting in ${seconds(delay)}`;
    this.downMessage = message;
    this.snapshotCache = null;
    this.link?.lost(message);
    void worker.terminate();
    const status = collectorDownStatus(message, {
      last: this.lastStatus,
      source: this.settings.socketSource,
      baseIntervalMs: this.settings.pollIntervalMs,
      paused: this.paused,
      now: systemClock.now(),
    });
    this.lastStatus = status;
    for (const listener of this.statusListeners) this.safely(() => listener(status));
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped) return;
      this.restartCount += 1;
      // Skip one seq: every subscriber sees a gap and re-fetches the new worker's table.
      this.spawn(this.lastSeq + 1);
    }, delay);
    this.restartTimer.unref();
  }
}
