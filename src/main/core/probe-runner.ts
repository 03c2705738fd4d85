/**
 * Runs the probes it is given on a schedule: one timer per probe on the injected clock, never two
 * runs of the same probe at once, at most `maxConcurrent` runs in flight, a watchdog per run, a
 * bounded history per probe for charts, and up/down health with hysteresis. It owns no list: the
 * service's settings store does, and hands the runner each new list, already validated.
 */
import type { ProbeHealth, ProbeHistoryPoint, ProbeResult, ProbeSpec, ProbeState } from '../../shared/model';
import type { Clock, TimerHandle } from './clock';
import { createCancelSource } from './probe-transport';
import type { CancelSource, ProbeTransport, RawProbeOutcome } from './probe-transport';

/** Options of a {@link ProbeRunner}. */
export interface ProbeRunnerOptions {
  clock: Clock;
  transport: ProbeTransport;
  /** Runs in flight at once, across all probes (default 4). */
  maxConcurrent?: number;
  /** History points kept per probe (default 300). */
  historyLength?: number;
  /**
   * How long after its time-out a run is abandoned if the transport has not settled (default
   * 1000 ms). The transport is expected to honour the time-out itself; this is the safety net.
   */
  watchdogGraceMs?: number;
}

/** A health change of one probe. */
export interface ProbeTransitionEvent {
  probeId: string;
  from: ProbeHealth;
  to: 'up' | 'down';
  result: ProbeResult;
}

/** Called with every result and the probe's state after it. */
export type ProbeResultListener = (result: ProbeResult, state: ProbeState) => void;
/** Called on every health change (including the first verdict out of `unknown`). */
export type ProbeTransitionListener = (event: ProbeTransitionEvent) => void;

/** Default concurrency cap. */
export const DEFAULT_MAX_CONCURRENT = 4;
/** Default history length per probe. */
export const DEFAULT_HISTORY_LENGTH = 300;

interface Waiter {
  resolve(result: ProbeResult): void;
  reject(error: Error): void;
}

type CancelReason = 'timeout' | 'replaced' | 'removed' | 'stopped';

interface Entry {
  spec: ProbeSpec;
  health: ProbeHealth;
  okStreak: number;
  failStreak: number;
  lastResult: ProbeResult | null;
  /** Ring buffer: `history[(head + i) % capacity]` for i < size, oldest first. */
  history: ProbeHistoryPoint[];
  head: number;
  phase: 'idle' | 'queued' | 'running';
  timer: TimerHandle | null;
  lastStartAt: number | null;
  run: { source: CancelSource; reason: CancelReason | null } | null;
  waiters: Waiter[];
  removed: boolean;
}

/** Everything but the identity and scheduling fields: when it changes, old history is meaningless. */
function targetKey(spec: ProbeSpec): string {
  const { id: _id, label: _label, intervalMs: _i, timeoutMs: _t, enabled: _e, downAfter: _d, upAfter: _u, ...target } = spec;
  return JSON.stringify(target, Object.keys(target).sort());
}

/** Schedules and runs probes; see the module comment. */
export class ProbeRunner {
  private readonly clock: Clock;
  private readonly transport: ProbeTransport;
  private readonly maxConcurrent: number;
  private readonly historyLength: number;
  private readonly graceMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private readonly resultListeners = new Set<ProbeResultListener>();
  private readonly transitionListeners = new Set<ProbeTransitionListener>();
  private active = 0;
  private stopped = false;

  constructor(options: ProbeRunnerOptions) {
    this.clock = options.clock;
    this.transport = options.transport;
    this.maxConcurrent = Math.max(1, Math.floor(options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT));
    this.historyLength = Math.max(1, Math.floor(options.historyLength ?? DEFAULT_HISTORY_LENGTH));
    this.graceMs = Math.max(0, options.watchdogGraceMs ?? 1000);
  }

  /**
   * Runs exactly `specs` from now on, in that order. Probes whose definition is unchanged are left
   * alone; those whose target is unchanged keep their health and history. The specs are trusted:
   * they were validated where they entered (the API, the settings file, the command line).
   */
  setProbes(specs: readonly ProbeSpec[]): ProbeState[] {
    const wanted = new Set(specs.map((spec) => spec.id));
    for (const id of [...this.entries.keys()]) if (!wanted.has(id)) this.remove(id);
    for (const spec of specs) this.apply(spec);
    // Keep the map in the order of the list, for list().
    const ordered = specs.map((spec) => [spec.id, this.entries.get(spec.id)] as const);
    this.entries.clear();
    for (const [id, entry] of ordered) if (entry) this.entries.set(id, entry);
    return this.list();
  }

  /** Removes a probe; a run in flight is cancelled and its `runNow` callers rejected. */
  private remove(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    entry.removed = true;
    this.entries.delete(id);
    this.clearTimer(entry);
    this.dequeue(entry);
    this.rejectWaiters(entry, new Error(`probe "${id}" was removed`));
    this.cancelRun(entry, 'removed');
    return true;
  }

  /**
   * Runs a probe now (even a disabled one) and resolves with its result. If it is already queued
   * or running, resolves with that run's result instead of starting another.
   */
  runNow(id: string): Promise<ProbeResult> {
    if (this.stopped) return Promise.reject(new Error('the probe runner is stopped'));
    const entry = this.entries.get(id);
    if (!entry) return Promise.reject(new Error(`no probe with id "${id}"`));
    return new Promise<ProbeResult>((resolve, reject) => {
      entry.waiters.push({ resolve, reject });
      this.enqueue(entry);
    });
  }

  /** The probes with their live state, in order. */
  list(): ProbeState[] {
    return [...this.entries.values()].map((entry) => this.stateOf(entry));
  }

  /** One probe's state, or null. */
  get(id: string): ProbeState | null {
    const entry = this.entries.get(id);
    return entry ? this.stateOf(entry) : null;
  }

  /** Subscribes to every result; returns the unsubscribe function. */
  onResult(listener: ProbeResultListener): () => void {
    this.resultListeners.add(listener);
    return () => this.resultListeners.delete(listener);
  }

  /** Subscribes to health changes; returns the unsubscribe function. */
  onTransition(listener: ProbeTransitionListener): () => void {
    this.transitionListeners.add(listener);
    return () => this.transitionListeners.delete(listener);
  }

  /** Stops every timer, cancels runs in flight and rejects pending `runNow` calls. Final. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.length = 0;
    for (const entry of this.entries.values()) {
      this.clearTimer(entry);
      if (entry.phase === 'queued') entry.phase = 'idle';
      this.rejectWaiters(entry, new Error('the probe runner is stopped'));
      this.cancelRun(entry, 'stopped');
    }
  }

  private apply(spec: ProbeSpec): Entry {
    const existing = this.entries.get(spec.id);
    // The same definition again (the list changed elsewhere): nothing to reschedule.
    if (existing && JSON.stringify(existing.spec) === JSON.stringify(spec)) return existing;
    if (!existing) {
      const entry: Entry = {
        spec,
        health: 'unknown',
        okStreak: 0,
        failStreak: 0,
        lastResult: null,
        history: [],
        head: 0,
        phase: 'idle',
        timer: null,
        lastStartAt: null,
        run: null,
        waiters: [],
        removed: false,
      };
      this.entries.set(spec.id, entry);
      if (spec.enabled) this.schedule(entry, 0);
      return entry;
    }
    const sameTarget = targetKey(existing.spec) === targetKey(spec);
    existing.spec = spec;
    if (!sameTarget) {
      existing.health = 'unknown';
      existing.okStreak = 0;
      existing.failStreak = 0;
      existing.lastResult = null;
      existing.history = [];
      existing.head = 0;
      existing.lastStartAt = null;
    }
    if (existing.phase === 'running') {
      // A result for the old target must not land on the new one: abandon it and run again.
      if (!sameTarget) this.cancelRun(existing, 'replaced');
    } else if (existing.phase === 'idle') {
      this.clearTimer(existing);
      if (spec.enabled) this.schedule(existing, this.delayToNext(existing));
    }
    return existing;
  }

  private delayToNext(entry: Entry): number {
    if (entry.lastStartAt === null) return 0;
    return Math.max(0, entry.lastStartAt + entry.spec.intervalMs - this.clock.now());
  }

  private schedule(entry: Entry, delayMs: number): void {
    if (this.stopped) return;
    this.clearTimer(entry);
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = null;
      this.enqueue(entry);
    }, delayMs);
  }

  private clearTimer(entry: Entry): void {
    if (entry.timer !== null) {
      this.clock.clearTimeout(entry.timer);
      entry.timer = null;
    }
  }

  private enqueue(entry: Entry): void {
    // No overlap: a queued or running probe is not queued again.
    if (this.stopped || entry.removed || entry.phase !== 'idle') return;
    this.clearTimer(entry);
    entry.phase = 'queued';
    this.queue.push(entry);
    this.pump();
  }

  private dequeue(entry: Entry): void {
    const index = this.queue.indexOf(entry);
    if (index >= 0) this.queue.splice(index, 1);
    if (entry.phase === 'queued') entry.phase = 'idle';
  }

  private pump(): void {
    while (!this.stopped && this.active < this.maxConcurrent && this.queue.length > 0) {
      const entry = this.queue.shift();
      if (entry && !entry.removed) this.start(entry);
    }
  }

  private cancelRun(entry: Entry, reason: CancelReason): void {
    if (entry.run && entry.run.reason === null) {
      entry.run.reason = reason;
      entry.run.source.cancel();
    }
  }

  private start(entry: Entry): void {
    const spec = entry.spec;
    const startedAt = this.clock.now();
    const run = { source: createCancelSource(), reason: null as CancelReason | null };
    entry.phase = 'running';
    entry.run = run;
    entry.lastStartAt = startedAt;
    this.active += 1;
    let settled = false;
    const finish = (raw: RawProbeOutcome): void => {
      if (settled) return;
      settled = true;
      this.clock.clearTimeout(watchdog);
      this.active -= 1;
      entry.phase = 'idle';
      entry.run = null;
      this.complete(entry, spec, startedAt, raw, run.reason);
      this.pump();
    };
    const watchdog = this.clock.setTimeout(() => this.cancelRun(entry, 'timeout'), spec.timeoutMs + this.graceMs);
    run.source.token.onCancel(() =>
      finish({ outcome: 'timeout', ok: false, latencyMs: null, message: `no answer within ${spec.timeoutMs} ms` }),
    );
    // A transport that throws synchronously is a failed run, not a crashed runner.
    Promise.resolve()
      .then(() => this.transport.run(spec, { timeoutMs: spec.timeoutMs, cancel: run.source.token }))
      .then(finish, (error: unknown) =>
        finish({ outcome: 'error', ok: false, latencyMs: null, message: `probe failed: ${error instanceof Error ? error.message : String(error)}` }),
      );
  }

  private complete(entry: Entry, spec: ProbeSpec, startedAt: number, raw: RawProbeOutcome, reason: CancelReason | null): void {
    if (entry.removed || this.stopped || reason === 'removed' || reason === 'stopped') return;
    if (reason === 'replaced') {
      // Its waiters move on to the run of the new spec; a scheduled probe simply runs again now.
      if (entry.waiters.length > 0 || entry.spec.enabled) this.enqueue(entry);
      return;
    }
    const previous = entry.health;
    if (raw.ok) {
      entry.okStreak += 1;
      entry.failStreak = 0;
    } else {
      entry.failStreak += 1;
      entry.okStreak = 0;
    }
    let next: ProbeHealth = previous;
    if (previous === 'unknown') next = raw.ok ? 'up' : 'down';
    else if (previous === 'up' && entry.failStreak >= spec.downAfter) next = 'down';
    else if (previous === 'down' && entry.okStreak >= spec.upAfter) next = 'up';
    entry.health = next;
    const transition = next !== previous && next !== 'unknown' ? next : null;
    const result: ProbeResult = {
      probeId: spec.id,
      label: spec.label,
      kind: spec.kind,
      at: startedAt,
      ...raw,
      health: next,
      transition,
    };
    entry.lastResult = result;
    this.pushHistory(entry, { at: startedAt, ok: raw.ok, outcome: raw.outcome, latencyMs: raw.latencyMs });
    const waiters = entry.waiters.splice(0);
    if (entry.spec.enabled) this.schedule(entry, this.delayToNext(entry));
    const state = this.stateOf(entry);
    for (const listener of [...this.resultListeners]) this.safely(() => listener(result, state));
    if (transition !== null) {
      const event: ProbeTransitionEvent = { probeId: spec.id, from: previous, to: transition, result };
      for (const listener of [...this.transitionListeners]) this.safely(() => listener(event));
    }
    for (const waiter of waiters) waiter.resolve(result);
  }

  private pushHistory(entry: Entry, point: ProbeHistoryPoint): void {
    if (entry.history.length < this.historyLength) {
      entry.history.push(point);
    } else {
      entry.history[entry.head] = point;
      entry.head = (entry.head + 1) % this.historyLength;
    }
  }

  private stateOf(entry: Entry): ProbeState {
    const ordered = entry.history.slice(entry.head).concat(entry.history.slice(0, entry.head));
    return {
      spec: { ...entry.spec },
      health: entry.health,
      lastResult: entry.lastResult === null ? null : structuredClone(entry.lastResult),
      history: ordered.map((point) => ({ ...point })),
    };
  }

  private rejectWaiters(entry: Entry, error: Error): void {
    for (const waiter of entry.waiters.splice(0)) waiter.reject(error);
  }

  private safely(call: () => void): void {
    try {
      call();
    } catch (error) {
      // One faulty listener must not stop the others nor the schedule.
      console.error('probe listener failed:', error);
    }
  }
}
