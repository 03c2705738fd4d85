/**
 * The sandboxed renderer's timers as a Clock, for the RPC client's request time-outs. The preload
 * compiles without DOM or Node types, so the two timer functions it uses are declared here (every
 * renderer provides them).
 */
import type { Clock, TimerHandle } from '../shared/clock';

declare function setTimeout(callback: () => void, ms: number): number;
declare function clearTimeout(handle: number): void;

/** The renderer's clock. */
export const preloadClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as number),
};
