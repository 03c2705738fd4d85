/**
 * The collector's contract: what the collector worker serves over the RPC layer, what
 * `CollectorHost` (main thread) implements, and what the service uses. It shares `PortwatchApi`'s
 * members where they mean the same (the snapshot, history, pause/resume, deltas and statuses), so
 * a change there reaches both, and a member missing or mistyped on the worker's side or the host's
 * is a compile error.
 *
 * Also here: {@link CollectorSettings}, the ONE shape of the collector's settings (a slice of the
 * user's Settings), used by the service, the host, the worker and the core Collector.
 */
import type { PortwatchApi } from '../../shared/api';
import type { PollStatus, Settings } from '../../shared/model';
import type { EventPolicies, RpcMemberMap } from '../../shared/rpc/contract';

/** The settings the collector follows. */
export type CollectorSettings = Pick<Settings, 'pollIntervalMs' | 'closedRetentionMs' | 'socketSource' | 'reverseDns' | 'trafficEnabled' | 'health' | 'journalEnabled' | 'journalRetentionDays' | 'journalMaxMb'>;

/** The collector's part of the user's settings. */
export function collectorSettings(settings: Settings): CollectorSettings {
  return {
    pollIntervalMs: settings.pollIntervalMs,
    closedRetentionMs: settings.closedRetentionMs,
    socketSource: settings.socketSource,
    reverseDns: settings.reverseDns,
    journalEnabled: settings.journalEnabled,
    journalRetentionDays: settings.journalRetentionDays,
    journalMaxMb: settings.journalMaxMb,
    ...(settings.trafficEnabled === undefined ? {} : { trafficEnabled: settings.trafficEnabled }),
    ...(settings.health === undefined ? {} : { health: settings.health }),
  };
}

/** The collector's contract; see the module comment. */
export interface CollectorApi extends Pick<PortwatchApi, 'getSnapshot' | 'getHistory' | 'pause' | 'resume' | 'onSnapshotDelta' | 'onStatus'> {
  /** Changes settings while running (rejects on a bad value); resolves with the status after. */
  setOptions(patch: Partial<CollectorSettings>): Promise<PollStatus>;
  /** Stops polling for good. */
  stop(): Promise<void>;
}

/** Every member of {@link CollectorApi}, for the RPC layer (a missing one is a compile error). */
export const COLLECTOR_MEMBERS = {
  getSnapshot: true,
  getHistory: true,
  pause: true,
  resume: true,
  setOptions: true,
  stop: true,
  onSnapshotDelta: true,
  onStatus: true,
} as const satisfies RpcMemberMap<CollectorApi>;

/**
 * The worker's events never wait: a MessagePort has no send budget to spend (the host takes what
 * the worker posts). The policies are the contract's all the same, should one ever be set.
 */
export const COLLECTOR_EVENT_POLICIES: EventPolicies<CollectorApi> = {
  onSnapshotDelta: 'resync',
  onStatus: 'latest',
};
