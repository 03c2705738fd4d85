/**
 * Time, injected. Runtime-neutral code (src/shared, src/main/core) never reads the wall clock or
 * schedules timers itself: each runtime passes its own clock (Node's in src/main/node, the
 * browser's in src/renderer), and tests drive the code with a fake one, deterministically.
 */

/** An opaque timer handle. */
export interface TimerHandle {
  readonly __timer: unique symbol;
}

/** The clock runtime-neutral code runs on. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}
