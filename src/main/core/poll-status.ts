/**
 * The one author of {@link PollStatus}: every status the UI, the tray and the CLI show is built
 * here, from what a poll found ({@link PollOutcome}, the collector's part) and the state of the
 * poll loop ({@link PollLoop}, the poller's part). The collector host builds its "not responding"
 * and "stopped unexpectedly" statuses here too, and the service adds its notices here.
 *
 * Also here: the one read time-out message, and how an error becomes a status's words and kind.
 */
import type { PollErrorKind, PollStatus } from '../../shared/model';
import { SourceError } from './sources';

/** What one poll found: the collector's part of a status. */
export interface PollOutcome {
  ok: boolean;
  error: string | null;
  errorKind: PollErrorKind | null;
  durationMs: number;
  polledAt: number;
  source: string;
  notices: string[];
}

/** The poll loop's part of a status. */
export interface PollLoop {
  /** The interval in force, ms (the base, or more while backed off). */
  intervalMs: number;
  /** The interval the user set, ms. */
  baseIntervalMs: number;
  paused: boolean;
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** THE builder: a status from a poll's outcome and the loop's state. */
export function pollStatus(outcome: PollOutcome, loop: PollLoop): PollStatus {
  const notices = [...outcome.notices];
  if (loop.intervalMs > loop.baseIntervalMs) {
    notices.push(`Polling slowed to every ${seconds(loop.intervalMs)} (set: ${seconds(loop.baseIntervalMs)}): a poll takes ${Math.round(outcome.durationMs)} ms`);
  }
  return {
    ok: outcome.ok,
    error: outcome.ok ? null : outcome.error,
    errorKind: outcome.ok ? null : outcome.errorKind,
    durationMs: outcome.durationMs,
    polledAt: outcome.polledAt,
    intervalMs: loop.intervalMs,
    paused: loop.paused,
    source: outcome.source,
    notices,
  };
}

/** A poll that read the table. */
export function okOutcome(fields: { source: string; durationMs: number; polledAt: number; notices: string[] }): PollOutcome {
  return { ok: true, error: null, errorKind: null, ...fields };
}

/** A poll (or the collector itself) that failed, in words and a kind the UI can act on. */
export function failedOutcome(
  failure: { message: string; kind: PollErrorKind },
  fields: { source: string; durationMs: number; polledAt: number; notices?: string[] },
): PollOutcome {
  return { ok: false, error: failure.message, errorKind: failure.kind, durationMs: fields.durationMs, polledAt: fields.polledAt, source: fields.source, notices: fields.notices ?? [] };
}

/** Before the first poll. */
export function waitingOutcome(source: string): PollOutcome {
  return okOutcome({ source, durationMs: 0, polledAt: 0, notices: ['Waiting for the first poll'] });
}

/** The same status with more notices (the service's: a settings file moved aside, …). */
export function withNotices(status: PollStatus, notices: readonly string[]): PollStatus {
  return notices.length === 0 ? status : { ...status, notices: [...status.notices, ...notices] };
}

/**
 * The status while the collector itself is down (not responding, crashed): an error in words, the
 * rest carried over from the last status the collector sent, if any.
 */
export function collectorDownStatus(
  message: string,
  context: { last: PollStatus | null; source: string; baseIntervalMs: number; paused: boolean; now: number },
): PollStatus {
  const outcome = failedOutcome({ message, kind: 'other' }, { source: context.last?.source ?? context.source, durationMs: 0, polledAt: context.now });
  return pollStatus(outcome, { intervalMs: context.baseIntervalMs, baseIntervalMs: context.baseIntervalMs, paused: context.paused });
}

/** The one read time-out (of the socket table, of the interface counters), ms. */
export const DEFAULT_READ_TIMEOUT_MS = 15_000;

/** The one read time-out message (the socket table, the interface counters). */
export function readTimeoutMessage(what: string, timeoutMs: number): string {
  return `Reading ${what} did not finish within ${seconds(timeoutMs)}`;
}

/** A failure as a message and a kind the UI can act on. */
export function describePollError(error: unknown): { message: string; kind: PollErrorKind } {
  if (error instanceof SourceError) return { message: error.message, kind: error.kind };
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    if (code === 'ENOENT') return { message: `A tool the socket reader needs is missing: ${error.message}`, kind: 'missing-tool' };
    if (code === 'EACCES' || code === 'EPERM') return { message: `Permission denied reading the socket table: ${error.message}`, kind: 'permission' };
    if (code === 'ETIMEDOUT') return { message: error.message, kind: 'timeout' };
    return { message: error.message || error.name, kind: 'other' };
  }
  return { message: `Poll failed: ${String(error)}`, kind: 'other' };
}
