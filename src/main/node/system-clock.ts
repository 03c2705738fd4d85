/** The real clock for core code, on Node's timers. */
import type { Clock, TimerHandle } from '../core/clock';

/** A `Clock` backed by `Date.now` and Node timers (unref'd: a timer never keeps the process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return timer as unknown as TimerHandle;
  },
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
};
