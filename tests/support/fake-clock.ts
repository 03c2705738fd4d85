/**
 * A manual Clock for core tests: time moves only when the test says so, and due timers run in
 * order of their due time (then of their creation). Reusable by every core test.
 */
import type { Clock, TimerHandle } from '../../src/main/core/clock';

interface Timer {
  id: number;
  dueAt: number;
  callback: () => void;
}

// Node's, declared here so this helper also compiles for the renderer's tests (no Node types there);
// both test environments run in Node.
declare function setImmediate(callback: () => void): unknown;

/** Lets pending promise callbacks (and their follow-ups) run: one macrotask turn. */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A Clock whose time only advances through {@link FakeClock.advance} / {@link FakeClock.advanceAsync}. */
export class FakeClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, dueAt: this.time + Math.max(0, ms), callback });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as unknown as number);
  }

  /** Timers not yet run. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Due time of the earliest timer, or null. */
  nextDueAt(): number | null {
    return this.earliest()?.dueAt ?? null;
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due on the way in order (timers
   * scheduled by those callbacks too, if they fall due within the window). Synchronous: promise
   * callbacks do not run in between; use {@link advanceAsync} for code that awaits.
   */
  advance(ms: number): void {
    const target = this.time + ms;
    for (let guard = 0; guard < 100_000; guard += 1) {
      const next = this.earliest();
      if (!next || next.dueAt > target) break;
      this.fire(next);
    }
    this.time = target;
  }

  /**
   * Like {@link advance}, but lets promises settle before and after each timer, so async code
   * driven by the timers (a runner awaiting a transport) progresses as it would in real time.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.time + ms;
    await flushPromises();
    for (let guard = 0; guard < 100_000; guard += 1) {
      const next = this.earliest();
      if (!next || next.dueAt > target) break;
      this.fire(next);
      await flushPromises();
    }
    this.time = target;
    await flushPromises();
  }

  /** Runs timers due now, letting promises settle. */
  async flush(): Promise<void> {
    await this.advanceAsync(0);
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers.values()) {
      if (!best || timer.dueAt < best.dueAt || (timer.dueAt === best.dueAt && timer.id < best.id)) best = timer;
    }
    return best;
  }

  private fire(timer: Timer): void {
    this.timers.delete(timer.id);
    this.time = Math.max(this.time, timer.dueAt);
    timer.callback();
  }
}
