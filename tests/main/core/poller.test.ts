import { describe, expect, it } from 'vitest';
import { Poller, checkPollInterval } from '../../../src/main/core/poller';
import type { PollContext } from '../../../src/main/core/poller';
import type { PollLoop } from '../../../src/main/core/poll-status';
import { FakeClock } from '../../support/fake-clock';

/** A task whose polls take `durations[i]` ms of fake time each (the last one repeats). */
function timedTask(clock: FakeClock, durations: number[], fail?: (i: number) => unknown) {
  const calls: { at: number; context: PollContext }[] = [];
  let running = 0;
  let maxRunning = 0;
  const task = (context: PollContext): Promise<void> => {
    const i = calls.length;
    calls.push({ at: clock.now(), context });
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    const duration = durations[Math.min(i, durations.length - 1)] ?? 0;
    return new Promise((resolve, reject) => {
      clock.setTimeout(() => {
        running -= 1;
        const error = fail?.(i);
        if (error !== undefined) reject(error);
        else resolve();
      }, duration);
    });
  };
  return { task, calls, maxRunning: () => maxRunning };
}

describe('Poller', () => {
  it('polls at once, then every interval from the previous start', async () => {
    const clock = new FakeClock(0);
    const t = timedTask(clock, [100]);
    const poller = new Poller({ clock, intervalMs: 1000, task: t.task });
    poller.start();
    await clock.advanceAsync(3500);
    expect(t.calls.map((c) => c.at)).toEqual([0, 1000, 2000, 3000]);
    poller.stop();
  });

  it('never overlaps polls: a poll longer than the interval delays the next', async () => {
    const clock = new FakeClock(0);
    const t = timedTask(clock, [2500, 100]);
    const poller = new Poller({ clock, intervalMs: 1000, task: t.task });
    poller.start();
    await clock.advanceAsync(2400);
    expect(t.calls).toHaveLength(1);
    await clock.advanceAsync(200);
    expect(t.calls).toHaveLength(2);
    expect(t.maxRunning()).toBe(1);
    poller.stop();
  });

  it('backs off when a poll takes more than half the interval, and recovers', async () => {
    const clock = new FakeClock(0);
    // Two slow polls (600 ms at a 1 s interval), then fast ones.
    const t = timedTask(clock, [600, 600, 50]);
    const loops: PollLoop[] = [];
    const poller = new Poller({ clock, intervalMs: 1000, task: t.task, onLoop: (loop) => loops.push(loop) });
    poller.start();
    await clock.advanceAsync(600);
    expect(poller.intervalMs).toBe(2000);
    expect(loops).toEqual([{ intervalMs: 2000, baseIntervalMs: 1000, paused: false }]);
    // The second poll starts at 2000 and takes 600 ms: 600 > 2000/2 is false, 600 < 500 false: stays.
    await clock.advanceAsync(2000);
    expect(t.calls.map((c) => c.at)).toEqual([0, 2000]);
    expect(poller.intervalMs).toBe(2000);
    // The third poll (50 ms) is fast: halves back to the base.
    await clock.advanceAsync(2000);
    expect(t.calls[2]?.at).toBe(4000);
    expect(poller.intervalMs).toBe(1000);
    expect(loops.at(-1)).toEqual({ intervalMs: 1000, baseIntervalMs: 1000, paused: false });
    expect(loops).toHaveLength(2);
    poller.stop();
  });

  it('never backs off beyond 60 s', async () => {
    const clock = new FakeClock(0);
    const t = timedTask(clock, [50_000]);
    const poller = new Poller({ clock, intervalMs: 40_000, task: t.task });
    poller.start();
    await clock.advanceAsync(50_000);
    expect(poller.intervalMs).toBe(60_000);
    poller.stop();
  });

  it('pauses and resumes, reporting each change of the loop once', async () => {
    const clock = new FakeClock(0);
    const t = timedTask(clock, [10]);
    const loops: PollLoop[] = [];
    const poller = new Poller({ clock, intervalMs: 1000, task: t.task, onLoop: (loop) => loops.push(loop) });
    poller.start();
    await clock.advanceAsync(100);
    expect(poller.pause().paused).toBe(true);
    expect(poller.pause().paused).toBe(true);
    await clock.advanceAsync(10_000);
    expect(t.calls).toHaveLength(1);
    expect(loops).toEqual([{ intervalMs: 1000, baseIntervalMs: 1000, paused: true }]);
    const resumed = poller.resume();
    expect(resumed.paused).toBe(false);
    expect(loops.at(-1)?.paused).toBe(false);
    await clock.flush();
    expect(t.calls.map((c) => c.at)).toEqual([0, 10_100]);
    poller.stop();
  });

  it('does not start a second poll when resumed while a poll is still running', async () => {
    const clock = new FakeClock(0);
    const t = timedTask(clock, [500, 10]);
    const poller = new Poller({ clock, intervalMs: 1000, task: t.task });
    poller.start();
    await clock.advanceAsync(100);
    poller.pause();
    poller.resume();
    await clock.advanceAsync(1000);
    expect(t.calls.map((c) => c.at)).toEqual([0, 1000]);
    expect(t.maxRunning()).toBe(1);
    poller.stop();
  });

  it('reports a rejected task to onError and keeps polling', async () => {
    const clock = new FakeClock(0);
    const t = timedTask(clock, [10], (i) => (i === 0 ? new Error('a bug') : i === 1 ? 'weird' : undefined));
    const errors: unknown[] = [];
    const poller = new Poller({ clock, intervalMs: 1000, task: t.task, onError: (error) => errors.push(error) });
    poller.start();
    await clock.advanceAsync(2500);
    expect(errors).toEqual([new Error('a bug'), 'weird']);
    expect(t.calls).toHaveLength(3);
    expect(poller.pollCount).toBe(3);
    poller.stop();
  });

  it('has no time-out of its own: a hung task holds the next poll back (the collector times out a read)', async () => {
    const clock = new FakeClock(0);
    const t = timedTask(clock, [5000, 10]);
    const loops: PollLoop[] = [];
    const poller = new Poller({ clock, intervalMs: 1000, task: t.task, onLoop: (loop) => loops.push(loop) });
    poller.start();
    await clock.advanceAsync(4900);
    expect(t.calls).toHaveLength(1);
    await clock.advanceAsync(100);
    expect(loops.at(-1)).toEqual({ intervalMs: 2000, baseIntervalMs: 1000, paused: false });
    expect(t.maxRunning()).toBe(1);
    poller.stop();
  });

  it('validates the interval against the limits', () => {
    expect(() => checkPollInterval(499)).toThrow('pollIntervalMs must be between 500 and 60000 ms (got 499)');
    expect(() => checkPollInterval(60_001)).toThrow(RangeError);
    expect(checkPollInterval(500)).toBe(500);
    const clock = new FakeClock(0);
    const poller = new Poller({ clock, intervalMs: 1000, task: async () => undefined });
    expect(() => poller.setInterval(100)).toThrow('pollIntervalMs must be between 500 and 60000 ms (got 100)');
  });

  it('applies a new interval from the previous start, and reports it', async () => {
    const clock = new FakeClock(0);
    const t = timedTask(clock, [10]);
    const loops: PollLoop[] = [];
    const poller = new Poller({ clock, intervalMs: 10_000, task: t.task, onLoop: (loop) => loops.push(loop) });
    poller.start();
    await clock.advanceAsync(100);
    poller.setInterval(2000);
    expect(loops).toEqual([{ intervalMs: 2000, baseIntervalMs: 2000, paused: false }]);
    await clock.advanceAsync(3000);
    expect(t.calls.map((c) => c.at)).toEqual([0, 2000]);
    poller.stop();
  });

  it('reports nothing after stop, even for a poll that was running (no back-off, no new poll)', async () => {
    const clock = new FakeClock(0);
    const t = timedTask(clock, [5000]);
    const loops: PollLoop[] = [];
    const poller = new Poller({ clock, intervalMs: 1000, task: t.task, onLoop: (loop) => loops.push(loop) });
    poller.start();
    await clock.advanceAsync(100);
    poller.stop();
    await clock.advanceAsync(10_000);
    expect(loops).toEqual([]);
    expect(t.calls).toHaveLength(1);
  });

  it('stops for good', async () => {
    const clock = new FakeClock(0);
    const t = timedTask(clock, [10]);
    const poller = new Poller({ clock, intervalMs: 1000, task: t.task });
    poller.start();
    await clock.advanceAsync(10);
    poller.stop();
    await clock.advanceAsync(5000);
    expect(t.calls).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });
});
