/**
 * `PortwatchApi` on the RPC layer (src/shared/rpc): which member is what, what each event does when
 * a client falls behind, and the client every transport builds (the preload over Electron IPC, the
 * browser over the WebSocket of `portwatch serve`). The serving side is `servePortwatch` in
 * src/main/core/service.ts, which validates every argument.
 */
import type { PortwatchApi } from './api';
import { CHANNELS } from './api';
import type { Clock } from './clock';
import { RpcClient } from './rpc/client';
import type { EventPolicies } from './rpc/contract';

/** The one Electron IPC channel the RPC frames travel on, both ways. */
export const IPC_CHANNEL = 'portwatch:rpc';

/**
 * When a client falls behind: deltas are dropped (its SnapshotSync sees the seq gap and re-fetches),
 * only the latest status matters, probe results are kept up to a bound (the probe list re-reads the
 * state on load anyway).
 */
export const PORTWATCH_EVENT_POLICIES: EventPolicies<PortwatchApi> = {
  onSnapshotDelta: 'resync',
  onStatus: 'latest',
  onProbeResult: { keep: 64 },
};

/** Options of {@link createPortwatchClient}. */
export interface PortwatchClientOptions {
  clock: Clock;
  /** Who answers, for messages ("portwatch serve", "the Portwatch main process"). */
  peer: string;
  /** Time-out of one request, ms. */
  timeoutMs: number;
}

/** A `PortwatchApi` client (attach a link to it; see RpcClient). */
export function createPortwatchClient(options: PortwatchClientOptions): RpcClient<PortwatchApi> {
  return new RpcClient<PortwatchApi>({
    clock: options.clock,
    members: CHANNELS,
    timeoutMs: options.timeoutMs,
    // The desktop's export waits for the user in a save dialog, for as long as they take; a dead
    // connection still fails it (the link's close rejects what is in flight).
    methodTimeoutMs: { exportSnapshot: 0 },
    messages: {
      lost: (reason) => `the connection to ${options.peer} was lost (${reason})`,
      timeout: (method, ms) => `${method}: no answer from ${options.peer} within ${Math.round(ms / 100) / 10} s`,
    },
  });
}
