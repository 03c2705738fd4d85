/**
 * How the probe runner reaches the network: one call per probe run. The Node implementation lives
 * in src/main/node/probe-transport.ts; tests use scripted fakes.
 */
import type { ProbeResult, ProbeSpec } from '../../shared/model';

/**
 * What one run found, before the runner adds the probe id, the time and the health. `ok` is the
 * transport's verdict against the spec (expected status, body substring, valid certificate…).
 */
export type RawProbeOutcome = Pick<ProbeResult, 'outcome' | 'ok' | 'latencyMs' | 'message'> &
  Partial<Pick<ProbeResult, 'answers' | 'status' | 'location' | 'timings' | 'tls'>>;

/** A cancellation signal core can create without web or Node globals. */
export interface CancelToken {
  readonly cancelled: boolean;
  /** Calls `listener` once on cancel (at once if already cancelled); returns an unsubscribe. */
  onCancel(listener: () => void): () => void;
}

/** Options of one run. */
export interface ProbeRunOptions {
  /** The transport must settle within this many ms (outcome `timeout`). */
  timeoutMs: number;
  /** Cancelled when the runner gives up on the run (its own watchdog, a removed probe, stop). */
  cancel: CancelToken;
}

/** Runs probes against the network. Must never reject for a network failure: it reports it. */
export interface ProbeTransport {
  run(spec: ProbeSpec, options: ProbeRunOptions): Promise<RawProbeOutcome>;
}

/** A {@link CancelToken} with its trigger. */
export interface CancelSource {
  token: CancelToken;
  cancel(): void;
}

/** Creates a cancel token and the function that fires it. */
export function createCancelSource(): CancelSource {
  let cancelled = false;
  const listeners = new Set<() => void>();
  const token: CancelToken = {
    get cancelled(): boolean {
      return cancelled;
    },
    onCancel(listener: () => void): () => void {
      if (cancelled) {
        listener();
        return () => undefined;
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    token,
    cancel(): void {
      if (cancelled) return;
      cancelled = true;
      for (const listener of [...listeners]) listener();
      listeners.clear();
    },
  };
}
