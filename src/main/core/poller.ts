/**
 * The poll loop, on the injected Clock: one poll at a time (a poll that runs long delays the next,
 * it never overlaps it), an interval of 0.5–60 s, pause/resume, back-off when a poll takes more than
 * half the interval, and every failure turned into a {@link PollStatus} instead of an exception.
 */
import type { PollErrorKind, PollStatus } from '../../shared/model';
import { LIMITS } from '../../shared/schemas';
import type { Clock, TimerHandle } from './clock';
import { SourceError } from './sources';

/** What a poll task learns about the loop. */
export interface PollContext {
  /** The effective interval (after back-off), ms. */
  intervalMs: number;
  /** How long the task may take before the poller reports a time-out, ms. */
  timeoutMs: number;
}

/**
 * One poll. Resolves with the status of that poll (the collector builds it); a rejection is turned
 * into an error status by the poller.
 */
export type PollTask = (context: PollContext) => Promise<PollStatus>;

/** Options of a {@link Poller}. */
export interface PollerOptions {
  clock: Clock;
  /** Base interval, ms, within LIMITS.pollIntervalMinMs … LIMITS.pollIntervalMaxMs. */
  intervalMs: number;
  task: PollTask;
  /** Called with the status after every poll and on pause/resume. */
  onStatus?: (status: PollStatus) => void;
  /** Poll time-out, ms (default {@link DEFAULT_POLL_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Source name for statuses the poller makes itself. */
  source?: string;
}

/** Default poll time-out, ms. */
export const DEFAULT_POLL_TIMEOUT_MS = 15_000;

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

/** Checks a poll interval against LIMITS, with a message that says what is allowed. */
export function checkPollInterval(ms: number): number {
  if (!Number.isFinite(ms) || ms < LIMITS.pollIntervalMinMs || ms > LIMITS.pollIntervalMaxMs) {
    throw new RangeError(`pollIntervalMs must be between ${LIMITS.pollIntervalMinMs} and ${LIMITS.pollIntervalMaxMs} ms (got ${String(ms)})`);
  }
  return ms;
}

/**
 * Runs a {@link PollTask} on a schedule.
 *
 * Back-off: when a poll takes more than half the effective interval, the interval doubles (up to
 * LIMITS.pollIntervalMaxMs); when a poll takes less than a quarter of it, it halves back towards the
 * base. The gap between the two thresholds keeps it from flapping. Polls start on a fixed rate from
 * the previous start.
 */
export class Poller {
  private readonly clock: Clock;
  private readonly task: PollTask;
  private readonly onStatus: (status: PollStatus) => void;
  private baseIntervalMs: number;
  private effectiveIntervalMs: number;
  private timeoutMs: number;
  private timer: TimerHandle | null = null;
  private timeoutTimer: TimerHandle | null = null;
  private inFlight = false;
  private running = false;
  private paused = false;
  private lastStartAt: number | null = null;
  private current: PollStatus;
  private polls = 0;

  constructor(options: PollerOptions) {
    this.clock = options.clock;
    this.task = options.task;
    this.onStatus = options.onStatus ?? (() => undefined);
    this.baseIntervalMs = checkPollInterval(options.intervalMs);
    this.effectiveIntervalMs = this.baseIntervalMs;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_POLL_TIMEOUT_MS;
    this.current = {
      ok: true,
      error: null,
      errorKind: null,
      durationMs: 0,
      polledAt: 0,
      intervalMs: this.baseIntervalMs,
      paused: false,
      source: options.source ?? 'none',
      notices: [],
    };
  }

  /** The latest status. */
  status(): PollStatus {
    return { ...this.current, intervalMs: this.effectiveIntervalMs, paused: this.paused };
  }

  /** Polls completed (successfully or not). */
  get pollCount(): number {
    return this.polls;
  }

  /** The interval in force, ms (the base, or more while backed off). */
  get intervalMs(): number {
    return this.effectiveIntervalMs;
  }

  /** True while a poll runs. */
  get busy(): boolean {
    return this.inFlight;
  }

  /** Starts polling (the first poll at once, unless paused). */
  start(): void {
    if (this.running) return;
    this.running = true;
    if (!this.paused) this.schedule(0);
  }

  /** Stops for good: no poll starts after this (one in flight finishes, its status is dropped). */
  stop(): void {
    this.running = false;
    this.clearTimer();
    if (this.timeoutTimer !== null) this.clock.clearTimeout(this.timeoutTimer);
    this.timeoutTimer = null;
  }

  /** Pauses; a poll in flight finishes. Returns the status. */
  pause(): PollStatus {
    this.paused = true;
    this.clearTimer();
    const status = this.status();
    this.onStatus(status);
    return status;
  }

  /** Resumes with a poll at once (after the one in flight, if any). Returns the status. */
  resume(): PollStatus {
    const wasPaused = this.paused;
    this.paused = false;
    if (this.running && wasPaused && !this.inFlight) this.schedule(0);
    const status = this.status();
    if (wasPaused) this.onStatus(status);
    return status;
  }

  /** Changes the base interval (validated); back-off starts over. */
  setInterval(ms: number): void {
    this.baseIntervalMs = checkPollInterval(ms);
    this.effectiveIntervalMs = this.baseIntervalMs;
    if (this.timer !== null) this.schedule(this.delayFromLastStart());
  }

  /** Changes the poll time-out, ms. */
  setTimeoutMs(ms: number): void {
    if (!(ms > 0)) throw new RangeError(`timeoutMs must be a positive number of milliseconds (got ${String(ms)})`);
    this.timeoutMs = ms;
  }

  private delayFromLastStart(): number {
    if (this.lastStartAt === null) return 0;
    return Math.max(0, this.lastStartAt + this.effectiveIntervalMs - this.clock.now());
  }

  private clearTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.runOnce();
    }, delayMs);
  }

  private async runOnce(): Promise<void> {
    if (this.inFlight || !this.running || this.paused) return;
    this.inFlight = true;
    const startedAt = this.clock.now();
    this.lastStartAt = startedAt;
    const context: PollContext = { intervalMs: this.effectiveIntervalMs, timeoutMs: this.timeoutMs };
    let timedOut = false;
    // The task keeps running after a time-out (it cannot be killed from here), and no other poll
    // starts until it settles: a time-out is reported, never papered over with an overlapping poll.
    this.timeoutTimer = this.clock.setTimeout(() => {
      this.timeoutTimer = null;
      timedOut = true;
      this.publish({
        ...this.current,
        ok: false,
        error: `The poll did not finish within ${Math.round(this.timeoutMs / 100) / 10} s`,
        errorKind: 'timeout',
        durationMs: this.clock.now() - startedAt,
        polledAt: this.clock.now(),
        notices: [],
      });
    }, this.timeoutMs);
    let status: PollStatus;
    try {
      status = await this.task(context);
    } catch (error) {
      const { message, kind } = describePollError(error);
      status = { ...this.current, ok: false, error: message, errorKind: kind, durationMs: this.clock.now() - startedAt, polledAt: this.clock.now(), notices: [] };
    }
    if (this.timeoutTimer !== null) this.clock.clearTimeout(this.timeoutTimer);
    this.timeoutTimer = null;
    this.inFlight = false;
    this.polls += 1;
    if (!this.running) return;
    const durationMs = this.clock.now() - startedAt;
    this.adjustInterval(durationMs);
    const notices = [...status.notices];
    if (this.effectiveIntervalMs > this.baseIntervalMs) {
      notices.push(
        `Polling slowed to every ${formatSeconds(this.effectiveIntervalMs)} (set: ${formatSeconds(this.baseIntervalMs)}): a poll takes ${Math.round(durationMs)} ms`,
      );
    }
    if (timedOut) notices.push(`The last poll took ${Math.round(durationMs)} ms, over the ${Math.round(this.timeoutMs)} ms time-out`);
    this.publish({ ...status, durationMs, notices });
    if (!this.paused) this.schedule(this.delayFromLastStart());
  }

  private adjustInterval(durationMs: number): void {
    if (durationMs > this.effectiveIntervalMs / 2) {
      this.effectiveIntervalMs = Math.min(LIMITS.pollIntervalMaxMs, Math.max(this.baseIntervalMs, this.effectiveIntervalMs * 2));
    } else if (durationMs < this.effectiveIntervalMs / 4 && this.effectiveIntervalMs > this.baseIntervalMs) {
      this.effectiveIntervalMs = Math.max(this.baseIntervalMs, this.effectiveIntervalMs / 2);
    }
  }

  private publish(status: PollStatus): void {
    this.current = status;
    this.onStatus(this.status());
  }
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
