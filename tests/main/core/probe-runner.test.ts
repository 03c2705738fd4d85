import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ProbeRunner } from '../../../src/main/core/probe-runner';
import type { ProbeTransitionEvent } from '../../../src/main/core/probe-runner';
import type { ProbeRunOptions, ProbeTransport, RawProbeOutcome } from '../../../src/main/core/probe-transport';
import type { ProbeResult, ProbeSpec, TcpProbeSpec } from '../../../src/shared/model';
import { FakeClock, flushPromises } from '../../support/fake-clock';

const T0 = 1_700_000_000_000;

interface Call {
  spec: ProbeSpec;
  options: ProbeRunOptions;
  at: number;
  resolve(raw: RawProbeOutcome): void;
  reject(error: Error): void;
}

const OPEN: RawProbeOutcome = { outcome: 'open', ok: true, latencyMs: 1.5, message: 'port open' };
const REFUSED: RawProbeOutcome = { outcome: 'refused', ok: false, latencyMs: null, message: 'connection refused' };

/** A transport whose runs the test settles by hand (or automatically, from a script). */
class ScriptedTransport implements ProbeTransport {
  calls: Call[] = [];
  pending = new Set<Call>();
  maxInFlight = 0;
  /** When set, each run settles at once with the next scripted outcome per probe id. */
  script = new Map<string, RawProbeOutcome[]>();

  constructor(private readonly clock: FakeClock) {}

  run(spec: ProbeSpec, options: ProbeRunOptions): Promise<RawProbeOutcome> {
    return new Promise((resolve, reject) => {
      const call: Call = {
        spec,
        options,
        at: this.clock.now(),
        resolve: (raw) => {
          this.pending.delete(call);
          resolve(raw);
        },
        reject: (error) => {
          this.pending.delete(call);
          reject(error);
        },
      };
      this.calls.push(call);
      this.pending.add(call);
      this.maxInFlight = Math.max(this.maxInFlight, this.pending.size);
      const scripted = this.script.get(spec.id)?.shift();
      if (scripted) call.resolve(scripted);
    });
  }

  last(): Call {
    const call = this.calls[this.calls.length - 1];
    if (!call) throw new Error('no call');
    return call;
  }
}

const tcp = (id: string, extra: Partial<TcpProbeSpec> = {}): TcpProbeSpec => ({
  id,
  label: id,
  kind: 'tcp',
  host: '127.0.0.1',
  port: 8080,
  intervalMs: 5000,
  timeoutMs: 2000,
  enabled: true,
  downAfter: 3,
  upAfter: 1,
  ...extra,
});

let clock: FakeClock;
let transport: ScriptedTransport;
let runner: ProbeRunner;

beforeEach(() => {
  clock = new FakeClock(T0);
  transport = new ScriptedTransport(clock);
  runner = new ProbeRunner({ clock, transport, maxConcurrent: 2, historyLength: 3, watchdogGraceMs: 500 });
});

describe('ProbeRunner scheduling', () => {
  it('runs a new enabled probe at once, then every interval measured from each start', async () => {
    expect(runner.setProbes([tcp('a')]).map((state) => state.spec.id)).toEqual(['a']);
    await clock.flush();
    expect(transport.calls.map((c) => c.at - T0)).toEqual([0]);
    await clock.advanceAsync(1200);
    transport.last().resolve(OPEN);
    await clock.advanceAsync(3799);
    expect(transport.calls).toHaveLength(1);
    await clock.advanceAsync(1);
    expect(transport.calls.map((c) => c.at - T0)).toEqual([0, 5000]);
    transport.last().resolve(OPEN);
    await clock.advanceAsync(5000);
    expect(transport.calls.map((c) => c.at - T0)).toEqual([0, 5000, 10_000]);
  });

  it('never overlaps runs of one probe: runNow during a run joins it', async () => {
    runner.setProbes([tcp('a')]);
    await clock.flush();
    const joined = runner.runNow('a');
    await clock.flush();
    expect(transport.calls).toHaveLength(1);
    transport.last().resolve(OPEN);
    const result = await joined;
    expect(result.outcome).toBe('open');
    expect(transport.calls).toHaveLength(1);
  });

  it('caps the runs in flight across probes and runs the rest as slots free up', async () => {
    runner.setProbes(['a', 'b', 'c', 'd', 'e'].map((id) => tcp(id)));
    await clock.flush();
    expect(transport.calls.map((c) => c.spec.id)).toEqual(['a', 'b']);
    transport.calls[0]?.resolve(OPEN);
    await clock.flush();
    expect(transport.calls.map((c) => c.spec.id)).toEqual(['a', 'b', 'c']);
    for (let i = 0; i < 10 && transport.pending.size > 0; i += 1) {
      for (const call of [...transport.pending]) call.resolve(OPEN);
      await clock.flush();
    }
    expect(transport.calls.map((c) => c.spec.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(transport.maxInFlight).toBe(2);
  });

  it('does not schedule a disabled probe, but runs it on demand', async () => {
    runner.setProbes([tcp('off', { enabled: false })]);
    await clock.advanceAsync(60_000);
    expect(transport.calls).toHaveLength(0);
    transport.script.set('off', [OPEN]);
    const result = await runner.runNow('off');
    expect(result.health).toBe('up');
    await clock.advanceAsync(60_000);
    expect(transport.calls).toHaveLength(1);
  });

  it('abandons a run the transport does not settle, after the time-out and the grace, as a timeout', async () => {
    runner.setProbes([tcp('a')]);
    await clock.flush();
    const call = transport.last();
    expect(call.options.timeoutMs).toBe(2000);
    const pending = runner.runNow('a');
    await clock.advanceAsync(2499);
    expect(call.options.cancel.cancelled).toBe(false);
    await clock.advanceAsync(1);
    expect(call.options.cancel.cancelled).toBe(true);
    expect(await pending).toMatchObject({ outcome: 'timeout', ok: false, latencyMs: null, message: 'no answer within 2000 ms', at: T0 });
    // A late answer from the abandoned run changes nothing.
    call.resolve(OPEN);
    await clock.flush();
    expect(runner.get('a')?.history).toHaveLength(1);
  });

  it('turns a throwing transport into an error result', async () => {
    runner.setProbes([tcp('a', { enabled: false })]);
    const pending = runner.runNow('a');
    await clock.flush();
    transport.last().reject(new Error('boom'));
    expect(await pending).toMatchObject({ outcome: 'error', ok: false, message: 'probe failed: boom' });
  });
});

describe('ProbeRunner health and hysteresis', () => {
  const runWith = async (id: string, raw: RawProbeOutcome): Promise<ProbeResult> => {
    transport.script.set(id, [raw]);
    return runner.runNow(id);
  };

  it('decides from unknown on the first result, then needs downAfter failures and upAfter successes', async () => {
    runner.setProbes([tcp('a', { enabled: false, downAfter: 3, upAfter: 2 })]);
    const transitions: ProbeTransitionEvent[] = [];
    const results: string[] = [];
    runner.onTransition((event) => transitions.push(event));
    runner.onResult((result, state) => results.push(`${result.outcome}:${result.health}:${state.health}`));
    expect(runner.get('a')?.health).toBe('unknown');
    const sequence: Array<[RawProbeOutcome, 'up' | 'down', 'up' | 'down' | null]> = [
      [OPEN, 'up', 'up'],
      [REFUSED, 'up', null],
      [REFUSED, 'up', null],
      [OPEN, 'up', null],
      [REFUSED, 'up', null],
      [REFUSED, 'up', null],
      [REFUSED, 'down', 'down'],
      [REFUSED, 'down', null],
      [OPEN, 'down', null],
      [OPEN, 'up', 'up'],
    ];
    for (const [raw, health, transition] of sequence) {
      const result = await runWith('a', raw);
      expect([result.health, result.transition]).toEqual([health, transition]);
    }
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['unknown->up', 'up->down', 'down->up']);
    expect(transitions[1]?.result.outcome).toBe('refused');
    expect(results[0]).toBe('open:up:up');
    expect(results).toHaveLength(10);
  });

  it('goes down at once when the first result fails', async () => {
    runner.setProbes([tcp('a', { enabled: false })]);
    const result = await runWith('a', REFUSED);
    expect([result.health, result.transition]).toEqual(['down', 'down']);
  });

  it('keeps a bounded history, oldest first, for charts', async () => {
    runner.setProbes([tcp('a', { enabled: false })]);
    for (let i = 0; i < 5; i += 1) {
      await runWith('a', { ...OPEN, latencyMs: i });
      clock.advance(1000);
    }
    expect(runner.get('a')?.history).toEqual([
      { at: T0 + 2000, ok: true, outcome: 'open', latencyMs: 2 },
      { at: T0 + 3000, ok: true, outcome: 'open', latencyMs: 3 },
      { at: T0 + 4000, ok: true, outcome: 'open', latencyMs: 4 },
    ]);
  });

  it('keeps delivering to other listeners when one throws', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    runner.setProbes([tcp('a', { enabled: false })]);
    const seen: string[] = [];
    runner.onResult(() => {
      throw new Error('bad listener');
    });
    const unsubscribe = runner.onResult((result) => seen.push(result.outcome));
    await runWith('a', OPEN);
    unsubscribe();
    await runWith('a', OPEN);
    expect(seen).toEqual(['open']);
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });
});

describe('ProbeRunner definitions', () => {
  it('follows the list it is given: probes missing from it stop, an unchanged one is left alone', async () => {
    runner.setProbes([tcp('a'), tcp('b', { enabled: false })]);
    await clock.flush();
    expect(transport.calls.map((c) => c.spec.id)).toEqual(['a']);
    transport.last().resolve(OPEN);
    await clock.flush();
    // The same definition again (another probe changed): not run again before its interval.
    runner.setProbes([tcp('a'), tcp('c', { enabled: false })]);
    await clock.flush();
    expect(transport.calls.map((c) => c.spec.id)).toEqual(['a']);
    expect(runner.list().map((s) => s.spec.id)).toEqual(['a', 'c']);
    expect(runner.get('a')?.health).toBe('up');
  });

  it('keeps health and history when only the schedule or label changes, resets them when the target changes', async () => {
    runner.setProbes([tcp('a', { enabled: false })]);
    transport.script.set('a', [OPEN]);
    await runner.runNow('a');
    runner.setProbes([tcp('a', { enabled: false, label: 'renamed', intervalMs: 9000 })]);
    expect(runner.get('a')).toMatchObject({ health: 'up', spec: { label: 'renamed' } });
    expect(runner.get('a')?.history).toHaveLength(1);
    runner.setProbes([tcp('a', { enabled: false, port: 9090 })]);
    expect(runner.get('a')).toMatchObject({ health: 'unknown', lastResult: null, history: [] });
  });

  it('reruns with the new target when a probe is replaced mid-run, discarding the old result', async () => {
    runner.setProbes([tcp('a', { enabled: false })]);
    const pending = runner.runNow('a');
    await clock.flush();
    const old = transport.last();
    runner.setProbes([tcp('a', { enabled: false, port: 9090 })]);
    expect(old.options.cancel.cancelled).toBe(true);
    await clock.flush();
    expect(transport.calls.map((c) => (c.spec as TcpProbeSpec).port)).toEqual([8080, 9090]);
    transport.last().resolve(REFUSED);
    const result = await pending;
    expect(result.outcome).toBe('refused');
    expect(runner.get('a')?.history).toHaveLength(1);
  });

  it('removes a probe mid-run: its waiters are told and it never runs again', async () => {
    runner.setProbes([tcp('a')]);
    await clock.flush();
    const pending = runner.runNow('a');
    runner.setProbes([]);
    await expect(pending).rejects.toThrow('probe "a" was removed');
    await clock.advanceAsync(60_000);
    expect(transport.calls).toHaveLength(1);
    expect(runner.list()).toEqual([]);
    await expect(runner.runNow('a')).rejects.toThrow('no probe with id "a"');
  });

  it('lists probes in the order of the last setProbes, as plain copies', async () => {
    runner.setProbes([tcp('b', { enabled: false }), tcp('a', { enabled: false })]);
    runner.setProbes([tcp('a', { enabled: false }), tcp('b', { enabled: false })]);
    const listed = runner.list();
    expect(listed.map((s) => s.spec.id)).toEqual(['a', 'b']);
    listed[0]!.spec.label = 'mutated';
    expect(runner.get('a')?.spec.label).toBe('a');
    expect(structuredClone(listed)).toEqual(listed);
  });

  it('stops: no timers left, pending runs rejected, runNow refused', async () => {
    runner.setProbes([tcp('a'), tcp('b')]);
    await clock.flush();
    const pending = runner.runNow('a');
    runner.stop();
    await expect(pending).rejects.toThrow('the probe runner is stopped');
    expect(clock.pendingTimers).toBe(0);
    await expect(runner.runNow('b')).rejects.toThrow('the probe runner is stopped');
    for (const call of [...transport.pending]) call.resolve(OPEN);
    await flushPromises();
    await clock.advanceAsync(60_000);
    expect(transport.calls).toHaveLength(2);
  });
});
