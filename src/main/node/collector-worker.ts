/**
 * The collector's thread (a separate bundle, out/main/collector-worker.js): it owns the socket
 * source, the collector and the poller, and serves `CollectorApi` over the RPC layer on its
 * parentPort: one sequenced delta per poll, statuses, and answers to the host's requests (and to
 * its pings: the host's watchdog). Polling, parsing and diffing cost nothing on the host's event loop.
 */
import { hostname } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Unsubscribe } from '../../shared/api';
import type { PollStatus, SnapshotDelta } from '../../shared/model';
import type { RpcHandlers, RpcSubscribe } from '../../shared/rpc/contract';
import { clientFrameValidator } from '../../shared/rpc/frame-schema';
import { RpcLink } from '../../shared/rpc/link';
import { handlerDispatcher, serveRpc } from '../../shared/rpc/server';
import { Collector } from '../core/collector';
import { SocketInsights } from '../core/socket-insights';
import { COLLECTOR_EVENT_POLICIES, COLLECTOR_MEMBERS } from '../core/collector-api';
import type { CollectorApi, CollectorSettings } from '../core/collector-api';
import { Poller } from '../core/poller';
import type { HostNameResolver, SocketSource } from '../core/sources';
import { splitMembers } from '../../shared/rpc/contract';
import type { CollectorWorkerData } from './collector-protocol';
import type { DeltaContext } from '../core/journal-recorder';
import { withNotices } from '../core/poll-status';
import { createInterfaceStatsSource } from './interface-stats';
import { createOwnerLookup } from './owner-lookup';
import { readPortRange } from './port-range';
import { createSsInfoSource } from './ss-info';
import { createReverseDnsResolver } from './reverse-dns';
import { createSocketSource } from './socket-source';
import { WorkerJournal } from './journal/worker-journal';
import { systemClock } from './system-clock';

/** Starts the worker side on `port` (the worker's parentPort). */
function run(port: NonNullable<typeof parentPort>, data: CollectorWorkerData): void {
  let settings: CollectorSettings = data.settings;
  let source: SocketSource = createSocketSource({ kind: settings.socketSource });
  // Created only when the setting is on: it sends DNS traffic.
  let resolver: HostNameResolver | undefined = settings.reverseDns ? createReverseDnsResolver() : undefined;
  const collector = new Collector({
    clock: systemClock,
    // The source may be swapped (setOptions); the collector reads whichever is current.
    source: {
      get name() {
        return source.name;
      },
      read: () => source.read(),
    },
    stats: createInterfaceStatsSource(),
    resolver: { peek: (address) => resolver?.peek(address) },
    hostname: hostname(),
    settings: {
      pollIntervalMs: settings.pollIntervalMs,
      closedRetentionMs: settings.closedRetentionMs,
      reverseDns: settings.reverseDns,
      ...(settings.trafficEnabled === undefined ? {} : { trafficEnabled: settings.trafficEnabled }),
      ...(settings.health === undefined ? {} : { health: settings.health }),
    },
    initialSeq: data.initialSeq,
    insights: new SocketInsights({
      tcpInfo: process.platform === 'linux' ? createSsInfoSource() : null,
      owners: createOwnerLookup(),
      portRange: readPortRange,
      clock: () => systemClock.now(),
    }),
  });
  const journal = new WorkerJournal(data.journalFile, {
    journalEnabled: settings.journalEnabled ?? true,
    journalRetentionDays: settings.journalRetentionDays ?? 7,
    journalMaxMb: settings.journalMaxMb ?? 0,
  });
  const journalContext: DeltaContext = {
    rows: () => collector.snapshot().rows,
    interfaces: () => collector.history({ durationMs: 60_000, maxPoints: 1 }).samples[0]?.interfaces ?? [],
  };

  const deltaListeners = new Set<(delta: SnapshotDelta) => void>();
  const statusListeners = new Set<(status: PollStatus) => void>();
  const publish = <T>(listeners: Set<(value: T) => void>, value: T): void => listeners.forEach((listener) => listener(value));

  let firstTickDone = false;
  const firstTickWaiters: (() => void)[] = [];
  const poller = new Poller({
    clock: systemClock,
    intervalMs: settings.pollIntervalMs,
    task: async () => {
      const delta = await collector.tick();
      // The journal's trouble (cannot open, disk full) rides on the status; recording never stops a poll.
      const journalNotices = journal.notices();
      if (journalNotices.length > 0) delta.status = withNotices(delta.status, journalNotices);
      publish(deltaListeners, delta);
      // After the post: the journal's transaction never delays the delta.
      journal.delta(delta, journalContext);
      if (!firstTickDone) {
        firstTickDone = true;
        for (const wake of firstTickWaiters.splice(0)) wake();
      }
    },
    onLoop: (loop) => {
      collector.setLoop(loop);
      publish(statusListeners, collector.status());
    },
  });

  const firstTick = (): Promise<void> =>
    firstTickDone || poller.loop().paused ? Promise.resolve() : new Promise((resolve) => firstTickWaiters.push(resolve));

  const link = new RpcLink(
    { send: (frame) => port.postMessage(frame), buffered: () => 0, close: () => port.close() },
    // The host pings (its watchdog); if the host is gone, so is this thread.
    { clock: systemClock, heartbeat: null, peer: 'the collector host' },
  );

  const handlers: RpcHandlers<CollectorApi> = {
    getSnapshot: async () => {
      await firstTick();
      return collector.snapshot();
    },
    getHistory: (window) => collector.history(window),
    pause: () => {
      poller.pause();
      return collector.status();
    },
    resume: () => {
      poller.resume();
      return collector.status();
    },
    setOptions: (patch) => {
      const { socketSource, journalEnabled, journalRetentionDays, journalMaxMb, ...own } = patch;
      collector.setOptions(own);
      if (patch.pollIntervalMs !== undefined) poller.setInterval(patch.pollIntervalMs);
      if (socketSource !== undefined && socketSource !== settings.socketSource) source = createSocketSource({ kind: socketSource });
      if (patch.reverseDns === true && resolver === undefined) resolver = createReverseDnsResolver();
      if (patch.reverseDns === false) resolver = undefined;
      settings = { ...settings, ...patch };
      if (journalEnabled !== undefined || journalRetentionDays !== undefined || journalMaxMb !== undefined) {
        journal.update({
          ...(journalEnabled !== undefined ? { journalEnabled } : {}),
          ...(journalRetentionDays !== undefined ? { journalRetentionDays } : {}),
          ...(journalMaxMb !== undefined ? { journalMaxMb } : {}),
        });
      }
      return collector.status();
    },
    stop: () => {
      poller.stop();
      journal.close();
      // Let the reply go out first, then end the link; the thread then ends on its own.
      setImmediate(() => link.close('the collector stopped'));
    },
  };

  const subscribe: RpcSubscribe<CollectorApi> = (event, listener): Unsubscribe => {
    const set = (event === 'onSnapshotDelta' ? deltaListeners : statusListeners) as Set<typeof listener>;
    set.add(listener);
    return () => set.delete(listener);
  };

  serveRpc<CollectorApi>(link, {
    clock: systemClock,
    validate: clientFrameValidator(splitMembers(COLLECTOR_MEMBERS).events),
    dispatch: handlerDispatcher(handlers),
    subscribe,
    policies: COLLECTOR_EVENT_POLICIES,
    // The host is our own code; getSnapshot may wait for the first poll, so let requests queue up.
    maxInFlight: 64,
  });
  port.on('message', (frame: unknown) => link.receive(frame));

  if (data.paused) poller.pause();
  poller.start();
}

if (parentPort === null) {
  console.error('collector-worker.js runs inside a worker thread started by CollectorHost, not on its own.');
  process.exitCode = 2;
} else {
  run(parentPort, workerData as CollectorWorkerData);
}
