/**
 * The live collector: read the socket table → relays (relays.ts) → names from the reverse-DNS cache → diff → aggregates
 * → history, one {@link SnapshotDelta} per tick (seq + 1 each), a full {@link Snapshot} on request.
 *
 * A delta costs what changed plus the aggregates (capped lists, see aggregate.ts), not the table.
 * A failed read never throws out of `tick()`: it becomes an error status and a history gap, and the
 * table stays as it was (closed rows still expire on time).
 */
import type { Aggregates, Counters, HealthSignal, History, HistoryWindow, InterfaceRate, PollErrorKind, PollStatus, Snapshot, SnapshotDelta } from '../../shared/model';
import type { Clock, TimerHandle } from './clock';
import { ConnectionTable } from './diff';
import type { TableDiff } from './diff';
import { EventWindow, LiveAggregates, makeCounters } from './aggregate';
import type { TableTotals } from './aggregate';
import { HistoryStore } from './history';
import { InterfaceRates } from './rates';
import { RelayTracker } from './relays';
import type { CollectorSettings } from './collector-api';
import { checkPollInterval } from './poller';
import { DEFAULT_READ_TIMEOUT_MS, describePollError, failedOutcome, okOutcome, pollStatus, readTimeoutMessage, waitingOutcome } from './poll-status';
import type { PollLoop, PollOutcome } from './poll-status';
import type { HostNameResolver, InterfaceStatsSource, SocketReadResult, SocketSource } from './sources';
import type { SocketInsights } from './socket-insights';

/**
 * The settings the Collector follows itself: the collector's settings but the socket source, which
 * its owner (the worker) swaps by handing it a new `source`, and the journal's, which the worker's
 * journal follows.
 */
type OwnSettings = Omit<CollectorSettings, 'socketSource' | 'journalEnabled' | 'journalRetentionDays' | 'journalMaxMb'>;

/** What a {@link Collector} runs on. */
export interface CollectorDeps {
  clock: Clock;
  source: SocketSource;
  /** Interface byte counters for throughput history (optional). */
  stats?: InterfaceStatsSource;
  /** Reverse-DNS cache, consulted only when `settings.reverseDns` is on. */
  resolver?: HostNameResolver;
  hostname: string;
  settings: OwnSettings;
  /** Cap of each aggregate list (default 50). */
  aggregateLimit?: number;
  /** How long a read may take, ms (default {@link DEFAULT_READ_TIMEOUT_MS}). */
  readTimeoutMs?: number;
  /** How long new/changed marks are held, ms (see diff.ts; default 1 s). */
  markHoldMs?: number;
  /** Seq of the snapshot before the first tick (a restarted worker continues past the old seq). */
  initialSeq?: number;
  /** Kernel socket details (traffic, owner hints, health); absent = none of them. */
  insights?: SocketInsights;
}

type ReadOutcome = { ok: true; result: SocketReadResult } | { ok: false; message: string; kind: PollErrorKind };

/** The collector; see the module comment. */
export class Collector {
  private readonly clock: Clock;
  private readonly source: SocketSource;
  private readonly stats: InterfaceStatsSource | undefined;
  private readonly resolver: HostNameResolver | undefined;
  private readonly insights: SocketInsights | undefined;
  private readonly hostname: string;
  private readonly readTimeoutMs: number;
  private settings: OwnSettings;
  private readonly table: ConnectionTable;
  private readonly live: LiveAggregates;
  private readonly store: HistoryStore;
  private readonly rates = new InterfaceRates();
  /** Relays need several polls of evidence (see relays.ts), so they are found here, not in the source. */
  private readonly relays = new RelayTracker();
  private readonly newEvents = new EventWindow();
  private readonly closedEvents = new EventWindow();
  private seq: number;
  private capturedAt = 0;
  private aggregates: Aggregates = { byPort: [], byProcess: [], byRemoteHost: [], byState: {} };
  private totals: TableTotals = { total: 0, established: 0, listening: 0, udp: 0 };
  private health: HealthSignal[] = [];
  /** What the latest poll found, and the poll loop's state (set by the poller): the status. */
  private outcome: PollOutcome;
  private loop: PollLoop;
  /** A read that timed out and has not settled yet: no new read starts until it does. */
  private pendingRead: Promise<unknown> | null = null;
  private ticking = false;

  constructor(options: CollectorDeps) {
    this.clock = options.clock;
    this.source = options.source;
    this.stats = options.stats;
    this.resolver = options.resolver;
    this.insights = options.insights;
    this.hostname = options.hostname;
    this.readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    this.settings = { ...options.settings };
    checkPollInterval(this.settings.pollIntervalMs);
    this.live = new LiveAggregates({ limit: options.aggregateLimit });
    this.table = new ConnectionTable({ closedRetentionMs: this.settings.closedRetentionMs, markHoldMs: options.markHoldMs, observer: this.live });
    this.store = new HistoryStore({ pollIntervalMs: this.settings.pollIntervalMs });
    this.seq = options.initialSeq ?? 0;
    this.outcome = waitingOutcome(this.source.name);
    this.loop = { intervalMs: this.settings.pollIntervalMs, baseIntervalMs: this.settings.pollIntervalMs, paused: false };
  }

  /** Current seq (of the latest tick). */
  get currentSeq(): number {
    return this.seq;
  }

  /** The settings in force. */
  options(): OwnSettings {
    return { ...this.settings };
  }

  /** Applies a settings patch (validated: an interval outside LIMITS throws a RangeError). */
  setOptions(patch: Partial<OwnSettings>): void {
    if (patch.pollIntervalMs !== undefined) checkPollInterval(patch.pollIntervalMs);
    if (patch.closedRetentionMs !== undefined) this.table.setClosedRetention(patch.closedRetentionMs);
    this.settings = { ...this.settings, ...patch };
    if (patch.pollIntervalMs !== undefined) this.store.setPollInterval(patch.pollIntervalMs);
  }

  /** The poll loop's state changed (the poller reports it): the status says so from now on. */
  setLoop(loop: PollLoop): void {
    this.loop = { ...loop };
  }

  /** The status now: the latest poll's outcome with the loop's state (see poll-status.ts). */
  status(): PollStatus {
    return pollStatus(this.outcome, this.loop);
  }

  /**
   * One poll. Never rejects; never runs twice at once (a second call while one runs rejects with
   * an Error, which is a caller bug: the poller never does that).
   */
  async tick(): Promise<SnapshotDelta> {
    if (this.ticking) throw new Error('Collector.tick() called while a tick is running');
    this.ticking = true;
    try {
      return await this.tickUnguarded();
    } finally {
      this.ticking = false;
    }
  }

  private async tickUnguarded(): Promise<SnapshotDelta> {
    const startedAt = this.clock.now();
    const insightSettings = { traffic: this.settings.trafficEnabled ?? true, health: this.settings.health };
    const [outcome, interfaces] = await Promise.all([this.read(), this.readRates(), this.insights?.refresh(startedAt, insightSettings)]);
    const now = this.clock.now();
    let diff: TableDiff;
    if (outcome.ok) {
      this.relays.observe(outcome.result.rows);
      if (this.settings.reverseDns && this.resolver !== undefined) this.fillHostNames(outcome.result);
      // Before the diff, so a change in traffic or health re-sends the row (as a detail, unmarked).
      const found = this.insights?.enrich(outcome.result.rows, now, insightSettings, (key) => this.table.get(key)?.firstSeen);
      diff = this.table.apply(outcome.result.rows, now);
      this.newEvents.record(now, diff.newCount);
      this.closedEvents.record(now, diff.closedCount);
      this.aggregates = this.live.aggregates();
      if (found !== undefined) {
        this.health = found.health;
        if (found.trafficByProcess !== undefined) this.aggregates = { ...this.aggregates, trafficByProcess: found.trafficByProcess, trafficByPort: found.trafficByPort };
        outcome.result.notices.push(...found.notices);
      }
      this.totals = this.live.tableTotals();
      this.store.recordOk(now, this.aggregates, interfaces.rates);
      this.outcome = okOutcome({ source: outcome.result.source, durationMs: now - startedAt, polledAt: now, notices: [...outcome.result.notices, ...interfaces.notices] });
    } else {
      // Closed rows still expire on time; aggregates never counted them, so they stand.
      diff = this.table.expireOnly(now);
      this.store.recordGap(now, outcome.message);
      this.outcome = failedOutcome(outcome, { source: this.source.name, durationMs: now - startedAt, polledAt: now, notices: interfaces.notices });
    }
    this.seq += 1;
    this.capturedAt = now;
    return {
      seq: this.seq,
      capturedAt: now,
      added: diff.added,
      changed: diff.changed,
      removedKeys: diff.removedKeys,
      aggregates: this.aggregates,
      counters: this.counters(now),
      status: this.status(),
      ...(this.insights === undefined ? {} : { health: this.health }),
    };
  }

  /** The whole table now (closed rows included), with the latest aggregates and status. */
  snapshot(): Snapshot {
    return {
      seq: this.seq,
      capturedAt: this.capturedAt,
      hostname: this.hostname,
      status: this.status(),
      rows: this.table.rows(),
      aggregates: this.aggregates,
      counters: this.counters(this.clock.now()),
      ...(this.insights === undefined ? {} : { health: this.health }),
    };
  }

  /** History over a window ending now. */
  history(window: HistoryWindow): History {
    return this.store.query(window, this.clock.now());
  }

  private counters(now: number): Counters {
    return makeCounters(this.totals, this.newEvents.count(now), this.closedEvents.count(now));
  }

  private fillHostNames(result: SocketReadResult): void {
    const resolver = this.resolver as HostNameResolver;
    for (const row of result.rows) {
      if (row.remoteAddress === null) continue;
      const name = resolver.peek(row.remoteAddress);
      if (name !== undefined) row.remoteHost = name;
    }
  }

  private async read(): Promise<ReadOutcome> {
    if (this.pendingRead !== null) {
      return { ok: false, message: `The previous read of the socket table (${this.source.name}) is still running`, kind: 'timeout' };
    }
    let timer: TimerHandle | null = null;
    const reading = this.source.read();
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = this.clock.setTimeout(() => resolve('timeout'), this.readTimeoutMs);
    });
    try {
      const winner = await Promise.race([reading, timeout]);
      if (winner === 'timeout') {
        const pending = reading.then(
          () => undefined,
          () => undefined,
        );
        this.pendingRead = pending;
        void pending.then(() => {
          if (this.pendingRead === pending) this.pendingRead = null;
        });
        return { ok: false, message: readTimeoutMessage(`the socket table (${this.source.name})`, this.readTimeoutMs), kind: 'timeout' };
      }
      return { ok: true, result: winner };
    } catch (error) {
      const { message, kind } = describePollError(error);
      return { ok: false, message, kind };
    } finally {
      if (timer !== null) this.clock.clearTimeout(timer);
    }
  }

  private async readRates(): Promise<{ rates: InterfaceRate[]; notices: string[] }> {
    if (this.stats === undefined) return { rates: [], notices: [] };
    let timer: TimerHandle | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => reject(new Error(readTimeoutMessage('the interface counters', this.readTimeoutMs))), this.readTimeoutMs);
    });
    try {
      const counters = await Promise.race([this.stats.read(), timeout]);
      return { rates: this.rates.update(counters, this.clock.now()), notices: [] };
    } catch (error) {
      return { rates: [], notices: [`Interface throughput unavailable: ${describePollError(error).message}`] };
    } finally {
      if (timer !== null) this.clock.clearTimeout(timer);
    }
  }
}
