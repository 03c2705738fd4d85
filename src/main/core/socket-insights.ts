/**
 * One entry point for what the kernel's socket details add to a poll (the collector calls it on
 * the rows it just read, before diffing them):
 *
 *   traffic      counters and rates per TCP connection (tcp-info.ts, traffic.ts)
 *   owner hints  a name for hidden owners from cgroup and uid (owner-hints.ts)
 *   docker-proxy the container a published port leads to
 *   health       signals with first-seen times (health.ts; notifications are the service's)
 *
 * Adaptive: the `ss` read happens only when traffic is enabled, and at most once per
 * `minReadIntervalMs` (the last sample is reused in between, so a fast poll does not make a fast
 * `ss`). A failed read is a gap: rows get no counters and the next rates start over.
 */
import type { Connection, HealthSettings, HealthSignal, PortTraffic, ProcessTraffic } from '../../shared/model';
import { annotateHealth, evaluateHealth, HealthTracker, type PortRange } from './health';
import { annotateOwnerHints, annotateProxyTargets, type ContainerRecord, type OwnerLookup } from './owner-hints';
import { describePollError } from './poller';
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
    const due = this.sample === null || now - this.sampledAt >= (settings.minReadIntervalMs ?? 0) || now < this.sampledAt;
    if (!due) return;
    try {
      const read = await source.read();
      this.sample = this.meter.sample(read.sockets, now);
      this.sampledAt = now;
      this.lastError = null;
      this.readNotices = read.notices;
    } catch (error) {
      // A gap: no counters now, and rates start over after it.
      this.meter.gap();
      this.sample = null;
      this.sampledAt = Number.NEGATIVE_INFINITY;
      this.lastError = error instanceof SourceError ? error.message : `Per-connection traffic unavailable: ${describePollError(error).message}`;
    }
  }

  /**
   * Annotates `rows` in place (traffic, ownerHint, health, forward.targetContainer) from the last
   * {@link refresh}, and returns the signals and sums. `firstSeenOf` gives the time a row's key was
   * first seen (the table's), for how long a connection has been stuck.
   */
  enrich(rows: Connection[], now: number, settings: InsightsSettings, firstSeenOf?: (key: string) => number | undefined): InsightsResult {
    const notices: string[] = [...this.readNotices];
    if (settings.traffic && this.lastError !== null) notices.push(this.lastError);
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
