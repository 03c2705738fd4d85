/**
 * The collector's thread (a separate bundle, out/main/collector-worker.js): it owns the socket
 * source, the collector and the poller, posts one sequenced delta per poll and answers the host's
 * requests. Polling, parsing and diffing cost nothing on the host's event loop.
 */
import { hostname } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { PollStatus, SnapshotDelta } from '../../shared/model';
import { Collector } from '../core/collector';
import { Poller } from '../core/poller';
import type { HostNameResolver, SocketSource } from '../core/sources';
import type { DeltaContext } from '../core/journal-recorder';
import type { CollectorWorkerOptions, CollectorWorkerPatch, WorkerMessage, WorkerMethod, WorkerRequestMessage } from './collector-protocol';
import { createInterfaceStatsSource } from './interface-stats';
import { createReverseDnsResolver } from './reverse-dns';
import { createSocketSource } from './socket-source';
import { WorkerJournal } from './journal/worker-journal';
import { systemClock } from './system-clock';

/** Starts the worker side on `port` (the worker's parentPort). */
function run(port: NonNullable<typeof parentPort>, options: CollectorWorkerOptions): void {
  const post = (message: WorkerMessage): void => port.postMessage(message);
  let source: SocketSource = createSocketSource({ kind: options.socketSource });
  let resolver: HostNameResolver | undefined;
  const collector = new Collector({
    clock: systemClock,
    source: { name: source.name, read: () => source.read() },
    stats: createInterfaceStatsSource(),
    resolver: { peek: (address) => resolver?.peek(address) },
    hostname: hostname(),
    settings: { pollIntervalMs: options.pollIntervalMs, closedRetentionMs: options.closedRetentionMs, reverseDns: options.reverseDns },
    readTimeoutMs: options.readTimeoutMs,
    initialSeq: options.initialSeq,
  });
  resolver = options.reverseDns ? createResolver() : undefined;
  const journal = new WorkerJournal(options.journalFile ?? null, {
    journalEnabled: options.journalEnabled ?? true,
    journalRetentionDays: options.journalRetentionDays ?? 7,
    journalMaxMb: options.journalMaxMb ?? 0,
  });
  const journalContext: DeltaContext = {
    rows: () => collector.snapshot().rows,
    interfaces: () => collector.history({ durationMs: 60_000, maxPoints: 1 }).samples[0]?.interfaces ?? [],
  };

  let pendingDelta: SnapshotDelta | null = null;
  let firstTickDone = false;
  const firstTickWaiters: (() => void)[] = [];
  const poller = new Poller({
    clock: systemClock,
    intervalMs: options.pollIntervalMs,
    timeoutMs: options.readTimeoutMs + 1000,
    source: source.name,
    task: async (context) => {
      const delta = await collector.tick(context);
      pendingDelta = delta;
      return delta.status;
    },
    onStatus: (status) => {
      collector.updateStatus(status);
      const delta = pendingDelta;
      pendingDelta = null;
      if (delta === null) {
        post({ type: 'status', status });
        return;
      }
      // The delta carries the poller's final word (back-off notices, pause state) and the journal's.
      const journalNotices = journal.notices();
      delta.status = journalNotices.length === 0 ? status : { ...status, notices: [...status.notices, ...journalNotices] };
      post({ type: 'delta', delta });
      // After the post: the journal's transaction never delays the delta.
      journal.delta(delta, journalContext);
      if (!firstTickDone) {
        firstTickDone = true;
        for (const wake of firstTickWaiters.splice(0)) wake();
      }
    },
  });

  const firstTick = (): Promise<void> =>
    firstTickDone || poller.status().paused ? Promise.resolve() : new Promise((resolve) => firstTickWaiters.push(resolve));

  const handlers: { [K in WorkerMethod]: (...args: never[]) => unknown } = {
    getSnapshot: async () => {
      await firstTick();
      return collector.snapshot();
    },
    getHistory: (window: Parameters<Collector['history']>[0]) => collector.history(window),
    pause: () => poller.pause(),
    resume: () => poller.resume(),
    setOptions: (patch: CollectorWorkerPatch): PollStatus => {
      collector.setOptions({
        ...(patch.pollIntervalMs !== undefined ? { pollIntervalMs: patch.pollIntervalMs } : {}),
        ...(patch.closedRetentionMs !== undefined ? { closedRetentionMs: patch.closedRetentionMs } : {}),
        ...(patch.reverseDns !== undefined ? { reverseDns: patch.reverseDns } : {}),
      });
      if (patch.pollIntervalMs !== undefined) poller.setInterval(patch.pollIntervalMs);
      if (patch.socketSource !== undefined) source = createSocketSource({ kind: patch.socketSource });
      if (patch.reverseDns === true && resolver === undefined) resolver = createResolver();
      if (patch.reverseDns === false) resolver = undefined;
      const { journalEnabled, journalRetentionDays, journalMaxMb } = patch;
      if (journalEnabled !== undefined || journalRetentionDays !== undefined || journalMaxMb !== undefined) {
        journal.update({
          ...(journalEnabled !== undefined ? { journalEnabled } : {}),
          ...(journalRetentionDays !== undefined ? { journalRetentionDays } : {}),
          ...(journalMaxMb !== undefined ? { journalMaxMb } : {}),
        });
      }
      return poller.status();
    },
    stop: () => {
      poller.stop();
      journal.close();
      // Let the reply go out, then let the thread end on its own.
      setImmediate(() => port.close());
      return null;
    },
  };

  port.on('message', (message: WorkerRequestMessage) => {
    void (async () => {
      try {
        const handler = handlers[message.method] as ((...args: unknown[]) => unknown) | undefined;
        if (handler === undefined) throw new Error(`Unknown collector request: ${String(message.method)}`);
        const value = await handler(...message.args);
        post({ type: 'reply', id: message.id, ok: true, value });
      } catch (error) {
        post({ type: 'reply', id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });

  if (options.paused) poller.pause();
  poller.start();
}

/** The reverse-DNS cache, created only when the setting is on (it sends DNS traffic). */
function createResolver(): HostNameResolver {
  return createReverseDnsResolver();
}

if (parentPort === null) {
  console.error('collector-worker.js runs inside a worker thread started by CollectorHost, not on its own.');
  process.exitCode = 2;
} else {
  run(parentPort, workerData as CollectorWorkerOptions);
}
