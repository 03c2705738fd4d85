/**
 * One entry point for what the kernel's socket details add to a poll (the collector calls it on
 * the rows it just read, before diffing them):
 *
 *   traffic      counters and rates per TCP connection (tcp-info.ts, traffic.ts)
 *   owner hints  a name for hidden owners from cgroup and uid (owner-hints.ts)
 *   docker-proxy the container a published port leads to
 *   health       signals with first-seen times (health.ts; notifications are the service's)
 *
 * Adaptive: the `ss` read happens only when traffic is enabled, at most once per
 * `minReadIntervalMs`, and never more often than keeps it within `budget` of one core (a read that
 * took 300 ms waits 3 s at the default 10 %: `ss` and its parse grow with the table, the poll
 * interval does not). The last sample is reused in between (rates are those of the last window).
 * A failed read is a gap: rows get no counters and the next rates start over.
 */
import type { Connection, HealthSettings, HealthSignal, PortTraffic, ProcessTraffic } from '../../shared/model';
import { annotateHealth, evaluateHealth, HealthTracker, type PortRange } from './health';
import { annotateOwnerHints, annotateProxyTargets, type ContainerRecord, type OwnerLookup } from './owner-hints';
import { describePollError } from './poll-status';
import { SourceError } from './sources';
import type { TcpInfoSource } from './tcp-info';
import { annotateTraffic, TrafficMeter, trafficByPort, trafficByProcess, type TrafficSample } from './traffic';

/** What {@link SocketInsights} reads through. */
export interface SocketInsightsOptions {
  /** The kernel's socket details; null where there are none (not Linux). */
  tcpInfo: TcpInfoSource | null;
  /** Names for uids and containers; without it hints name only what paths and uids say. */
  owners?: OwnerLookup & { containers?(): ContainerRecord[]; takeNotices?(): string[] };
  /** The ephemeral port range, or null when unknown. */
  portRange?: () => PortRange | null;
  /** Cap of the per-process and per-port traffic lists (default 50). */
  aggregateLimit?: number;
  /** Wall clock for the cost of a read, ms; without it reads are not spaced by cost. */
  clock?: () => number;
  /** Share of one core the reads may take (default 0.1). */
  budget?: number;
}

/** Settings in force for one poll. */
export interface InsightsSettings {
  /** Read kernel counters (traffic, owner hints, accept queues). */
  traffic: boolean;
  /** Read them at most this often, ms (0 = every poll). */
  minReadIntervalMs?: number;
  health?: Partial<HealthSettings>;
}

/** What one poll's enrichment found. */
export interface InsightsResult {
  /** Signals in force; a signal whose firstSeen is this poll's time is new. */
  health: HealthSignal[];
  /** Traffic per process and per port; undefined when traffic is off or unavailable. */
  trafficByProcess?: ProcessTraffic[];
  trafficByPort?: PortTraffic[];
  /** Notices for the poll status. */
  notices: string[];
}

const NO_NAMES: OwnerLookup = { userName: () => null, containerName: () => null };

/** See the module comment. */
export class SocketInsights {
  private readonly meter = new TrafficMeter();
  private readonly tracker = new HealthTracker();
  private sample: TrafficSample | null = null;
  private sampledAt = Number.NEGATIVE_INFINITY;
  private lastError: string | null = null;
  private readNotices: string[] = [];
  /** Wall time of the last read and its parse, ms. */
  private readCostMs = 0;

  constructor(private readonly options: SocketInsightsOptions) {}

  /**
   * Reads the kernel's socket details if traffic is on and a read is due (the collector runs this
   * beside its read of the socket table). Never rejects: a failure is a gap and a notice.
   */
  async refresh(now: number, settings: InsightsSettings): Promise<void> {
    const source = this.options.tcpInfo;
    this.readNotices = [];
    if (!settings.traffic || source === null) {
      if (this.sample !== null || this.lastError !== null) {
        // Switched off: forget, so switching on again does not compute rates across the pause.
        this.meter.gap();
        this.sample = null;
        this.sampledAt = Number.NEGATIVE_INFINITY;
        this.lastError = null;
      }
      return;
    }
    const due = this.sample === null || now - this.sampledAt >= this.readIntervalMs(settings) || now < this.sampledAt;
    if (!due) return;
    const clock = this.options.clock;
    const started = clock?.() ?? 0;
    try {
      const read = await source.read();
      this.sample = this.meter.sample(read.sockets, now);
      this.sampledAt = now;
      this.lastError = null;
      this.readCostMs = clock === undefined ? 0 : Math.max(0, clock() - started);
      this.readNotices = read.notices;
    } catch (error) {
      // A gap: no counters now, and rates start over after it.
      this.meter.gap();
      this.sample = null;
      this.sampledAt = Number.NEGATIVE_INFINITY;
      this.lastError = error instanceof SourceError ? error.message : `Per-connection traffic unavailable: ${describePollError(error).message}`;
    }
  }

  private budget(): number {
    const b = this.options.budget ?? 0.1;
    return b > 0 && b <= 1 ? b : 0.1;
  }

  /** How long to wait between reads: the setting, or longer when reads are costly. */
  private readIntervalMs(settings: InsightsSettings): number {
    return Math.max(settings.minReadIntervalMs ?? 0, this.readCostMs / this.budget());
  }

  /**
   * Annotates `rows` in place (traffic, ownerHint, health, forward.targetContainer) from the last
   * {@link refresh}, and returns the signals and sums. `firstSeenOf` gives the time a row's key was
   * first seen (the table's), for how long a connection has been stuck.
   */
  enrich(rows: Connection[], now: number, settings: InsightsSettings, firstSeenOf?: (key: string) => number | undefined): InsightsResult {
    const notices: string[] = [...this.readNotices];
    if (settings.traffic && this.lastError !== null) notices.push(this.lastError);
    const every = this.readIntervalMs(settings);
    if (settings.traffic && this.sample !== null && this.readCostMs > 0 && every >= 2000) {
      notices.push(`Traffic is read every ${(every / 1000).toFixed(1)} s: one read takes ${Math.round(this.readCostMs)} ms at this table size (kept under ${Math.round(this.budget() * 100)} % of a core).`);
    }
    const owners = this.options.owners ?? NO_NAMES;
    const sample = this.sample;
    if (sample !== null) {
      annotateTraffic(rows, sample);
      annotateOwnerHints(rows, (row) => sample.socketOf(row), owners);
    }
    if (rows.some((r) => r.forward?.kind === 'docker-proxy')) annotateProxyTargets(rows, this.options.owners?.containers?.() ?? []);
    notices.push(...(this.options.owners?.takeNotices?.() ?? []));

    const findings = evaluateHealth({
      rows,
      now,
      portRange: this.options.portRange?.() ?? null,
      settings: settings.health,
      // Rows fresh from the OS carry no first-seen time yet: the table knows it.
      firstSeenOf: firstSeenOf === undefined ? undefined : (row) => row.firstSeen ?? firstSeenOf(row.key) ?? now,
    });
    annotateHealth(rows, findings);
    const { signals } = this.tracker.update(findings, now);
    const limit = this.options.aggregateLimit ?? 50;
    return {
      health: signals,
      ...(sample === null ? {} : { trafficByProcess: trafficByProcess(rows, limit), trafficByPort: trafficByPort(rows, limit) }),
      notices,
    };
  }
}
