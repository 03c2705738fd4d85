import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock';

describe('FakeClock', () => {
  it('runs due timers in due order, then creation order, at their due time', () => {
    const clock = new FakeClock(1000);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => seen.push(`c@${clock.now()}`), 20);
    const cancelled = clock.setTimeout(() => seen.push('never'), 5);
    clock.clearTimeout(cancelled);
    clock.advance(15);
    expect(seen).toEqual(['a@1010']);
    expect(clock.now()).toBe(1015);
    clock.advance(100);
    expect(seen).toEqual(['a@1010', 'b@1020', 'c@1020']);
    expect(clock.now()).toBe(1115);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs timers scheduled by callbacks when they fall within the window', () => {
    const clock = new FakeClock(0);
    const ticks: number[] = [];
    const tick = (): void => {
      ticks.push(clock.now());
      clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    clock.advance(350);
    expect(ticks).toEqual([100, 200, 300]);
    expect(clock.nextDueAt()).toBe(400);
  });

  it('lets promises settle between timers with advanceAsync', async () => {
    const clock = new FakeClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      void Promise.resolve().then(() => {
        seen.push(clock.now());
        clock.setTimeout(() => seen.push(clock.now()), 50);
      });
    }, 10);
    await clock.advanceAsync(100);
    expect(seen).toEqual([10, 60]);
  });
});
