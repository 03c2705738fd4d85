/**
 * Time, injected. Core logic never reads the wall clock or schedules timers itself, so tests drive
 * it with a fake clock and the poller, probe scheduler and history are deterministic.
 */

/** An opaque timer handle. */
export interface TimerHandle {
  readonly __timer: unique symbol;
}

/** The clock core code runs on. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}
