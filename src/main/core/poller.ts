/**
 * The poll loop, on the injected Clock: one poll at a time (a poll that runs long delays the next,
 * it never overlaps it), an interval of 0.5–60 s, pause/resume, and back-off when a poll takes more
 * than half the interval. It writes no status: it reports the loop's state ({@link PollLoop}) and
 * poll-status.ts builds the status from it. It has no time-out either: the collector times out a
 * read (one time-out, one message), and the collector host's watchdog catches a thread that is stuck.
 */
import { LIMITS } from '../../shared/schemas';
import type { Clock, TimerHandle } from './clock';
import type { PollLoop } from './poll-status';

/** What a poll task learns about the loop. */
export interface PollContext {
  /** The effective interval (after back-off), ms. */
  intervalMs: number;
}

/** One poll. It should never reject; if it does, the poller reports it to `onError` and goes on. */
export type PollTask = (context: PollContext) => Promise<void>;

/** Options of a {@link Poller}. */
export interface PollerOptions {
  clock: Clock;
  /** Base interval, ms, within LIMITS.pollIntervalMinMs … LIMITS.pollIntervalMaxMs. */
  intervalMs: number;
  task: PollTask;
  /** Called when the loop's state changes: pause, resume, a new interval, back-off. */
  onLoop?: (loop: PollLoop) => void;
  /** Called when a task rejects (a bug: the collector's tick never does). */
  onError?: (error: unknown) => void;
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
  private readonly onLoop: (loop: PollLoop) => void;
  private readonly onError: (error: unknown) => void;
  private baseIntervalMs: number;
  private effectiveIntervalMs: number;
  private timer: TimerHandle | null = null;
  private inFlight = false;
  private running = false;
  private paused = false;
  private lastStartAt: number | null = null;
  private polls = 0;

  constructor(options: PollerOptions) {
    this.clock = options.clock;
    this.task = options.task;
    this.onLoop = options.onLoop ?? (() => undefined);
    this.onError = options.onError ?? ((error) => console.error('A poll failed unexpectedly:', error));
    this.baseIntervalMs = checkPollInterval(options.intervalMs);
    this.effectiveIntervalMs = this.baseIntervalMs;
  }

  /** The loop's state now. */
  loop(): PollLoop {
    return { intervalMs: this.effectiveIntervalMs, baseIntervalMs: this.baseIntervalMs, paused: this.paused };
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

  /** Stops for good: no poll starts after this (one in flight finishes, quietly). */
  stop(): void {
    this.running = false;
    this.clearTimer();
  }

  /** Pauses; a poll in flight finishes. Returns the loop's state. */
  pause(): PollLoop {
    const was = this.paused;
    this.paused = true;
    this.clearTimer();
    if (!was) this.onLoop(this.loop());
    return this.loop();
  }

  /** Resumes with a poll at once (after the one in flight, if any). Returns the loop's state. */
  resume(): PollLoop {
    const wasPaused = this.paused;
    this.paused = false;
    if (this.running && wasPaused && !this.inFlight) this.schedule(0);
    if (wasPaused) this.onLoop(this.loop());
    return this.loop();
  }

  /** Changes the base interval (validated); back-off starts over. */
  setInterval(ms: number): void {
    this.baseIntervalMs = checkPollInterval(ms);
    this.effectiveIntervalMs = this.baseIntervalMs;
    if (this.timer !== null) this.schedule(this.delayFromLastStart());
    this.onLoop(this.loop());
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
    try {
      await this.task({ intervalMs: this.effectiveIntervalMs });
    } catch (error) {
      this.onError(error);
    }
    this.inFlight = false;
    this.polls += 1;
    if (!this.running) return;
    const before = this.effectiveIntervalMs;
    this.adjustInterval(this.clock.now() - startedAt);
    if (this.effectiveIntervalMs !== before) this.onLoop(this.loop());
    if (!this.paused) this.schedule(this.delayFromLastStart());
  }

  private adjustInterval(durationMs: number): void {
    if (durationMs > this.effectiveIntervalMs / 2) {
      this.effectiveIntervalMs = Math.min(LIMITS.pollIntervalMaxMs, Math.max(this.baseIntervalMs, this.effectiveIntervalMs * 2));
    } else if (durationMs < this.effectiveIntervalMs / 4 && this.effectiveIntervalMs > this.baseIntervalMs) {
      this.effectiveIntervalMs = Math.max(this.baseIntervalMs, this.effectiveIntervalMs / 2);
    }
  }
}
