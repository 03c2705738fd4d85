/**
 * Bounded history of the table: one {@link HistorySample} per poll in a ring buffer (default one
 * hour at the poll rate). A failed poll is stored as an explicit gap carrying its error, never as
 * zeros, and stays a gap through downsampling.
 */
import type { Aggregates, History, HistorySample, HistoryWindow, InterfaceRate } from '../../shared/model';

/** A fixed-capacity FIFO that overwrites its oldest item. */
export class RingBuffer<T> {
  private items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(capacity: number) {
    this.items = new Array<T | undefined>(checkCapacity(capacity));
  }

  /** Maximum number of items held. */
  get capacity(): number {
    return this.items.length;
  }

  /** Number of items held. */
  get size(): number {
    return this.count;
  }

  /** Appends, dropping the oldest item when full. */
  push(item: T): void {
    const cap = this.items.length;
    if (this.count < cap) {
      this.items[(this.start + this.count) % cap] = item;
      this.count += 1;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % cap;
    }
  }

  /** Items oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    const cap = this.items.length;
    for (let i = 0; i < this.count; i += 1) out.push(this.items[(this.start + i) % cap] as T);
    return out;
  }

  /** Changes the capacity, keeping the newest items. */
  resize(capacity: number): void {
    const kept = this.toArray().slice(-checkCapacity(capacity));
    this.items = new Array<T | undefined>(capacity);
    this.start = 0;
    this.count = 0;
    for (const item of kept) this.push(item);
  }
}

function checkCapacity(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number ≥ 1 (got ${String(capacity)})`);
  return capacity;
}

/** Default span of history, ms (one hour). */
export const DEFAULT_HISTORY_SPAN_MS = 3_600_000;
/** Ports and processes kept per sample. */
export const HISTORY_TOP = 10;

/** Options of a {@link HistoryStore}. */
export interface HistoryOptions {
  /** Poll interval, ms: with the span it sets the capacity. */
  pollIntervalMs: number;
  /** How far back history reaches, ms (default one hour). */
  spanMs?: number;
}

/** Capacity for a span at an interval (at least 2 samples). */
export function historyCapacity(spanMs: number, pollIntervalMs: number): number {
  return Math.max(2, Math.ceil(spanMs / Math.max(1, pollIntervalMs)));
}

/** The history ring buffer and its queries. */
export class HistoryStore {
  private readonly ring: RingBuffer<HistorySample>;
  private spanMs: number;

  constructor(options: HistoryOptions) {
    this.spanMs = options.spanMs ?? DEFAULT_HISTORY_SPAN_MS;
    this.ring = new RingBuffer(historyCapacity(this.spanMs, options.pollIntervalMs));
  }

  /** Samples the buffer can hold. */
  get capacity(): number {
    return this.ring.capacity;
  }

  /** Samples held. */
  get size(): number {
    return this.ring.size;
  }

  /** Re-sizes for a new poll interval, keeping the newest samples. */
  setPollInterval(pollIntervalMs: number): void {
    const capacity = historyCapacity(this.spanMs, pollIntervalMs);
    if (capacity !== this.ring.capacity) this.ring.resize(capacity);
  }

  /** Records a successful poll. */
  recordOk(at: number, aggregates: Aggregates, interfaces: InterfaceRate[]): HistorySample {
    const sample = sampleFrom(at, aggregates, interfaces);
    this.ring.push(sample);
    return sample;
  }

  /** Records a failed poll: a gap with its error. */
  recordGap(at: number, error: string): HistorySample {
    const sample = gapSample(at, error);
    this.ring.push(sample);
    return sample;
  }

  /**
   * Samples in `[now - durationMs, now]`, oldest first; with `maxPoints`, consecutive samples are
   * merged into at most that many points (see {@link downsample}).
   */
  query(window: HistoryWindow, now: number): History {
    const from = now - window.durationMs;
    const samples = this.ring.toArray().filter((s) => s.at >= from && s.at <= now);
    return { from, to: now, samples: window.maxPoints === undefined ? samples : downsample(samples, window.maxPoints) };
  }
}

/** A sample from a poll's aggregates: counts per state, the top ports and processes, throughput. */
export function sampleFrom(at: number, aggregates: Aggregates, interfaces: InterfaceRate[]): HistorySample {
  const topPorts: Record<string, number> = {};
  const ports = [...aggregates.byPort].sort((a, b) => b.connections - a.connections || a.port - b.port).slice(0, HISTORY_TOP);
  for (const p of ports) topPorts[`${p.protocol}/${p.port}`] = p.connections;
  const topProcesses: Record<string, number> = {};
  for (const p of aggregates.byProcess) {
    if (Object.keys(topProcesses).length >= HISTORY_TOP && topProcesses[p.name] === undefined) continue;
    topProcesses[p.name] = (topProcesses[p.name] ?? 0) + p.total;
  }
  return { at, ok: true, error: null, byState: { ...aggregates.byState }, topPorts, topProcesses, interfaces };
}

/** A gap sample. */
export function gapSample(at: number, error: string): HistorySample {
  return { at, ok: false, error, byState: {}, topPorts: {}, topProcesses: {}, interfaces: [] };
}

/**
 * Merges consecutive samples into at most `maxPoints` buckets. A bucket holding any failed poll is a
 * gap (with the first error): a chart must show that data is missing, even at coarse resolution.
 * Otherwise counts are the bucket's rounded means, rates the means of the known values (null when
 * none), and the top lists keep the {@link HISTORY_TOP} largest means. A bucket is stamped with its
 * last sample's time.
 */
export function downsample(samples: readonly HistorySample[], maxPoints: number): HistorySample[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new RangeError(`maxPoints must be a whole number ≥ 1 (got ${String(maxPoints)})`);
  if (samples.length <= maxPoints) return [...samples];
  const out: HistorySample[] = [];
  for (let b = 0; b < maxPoints; b += 1) {
    const bucket = samples.slice(Math.floor((b * samples.length) / maxPoints), Math.floor(((b + 1) * samples.length) / maxPoints));
    if (bucket.length > 0) out.push(mergeBucket(bucket));
  }
  return out;
}

function mergeBucket(bucket: readonly HistorySample[]): HistorySample {
  const last = bucket[bucket.length - 1] as HistorySample;
  const failed = bucket.find((s) => !s.ok);
  if (failed !== undefined) return gapSample(last.at, failed.error ?? 'poll failed');
  const n = bucket.length;
  return {
    at: last.at,
    ok: true,
    error: null,
    byState: roundedMeans(bucket.map((s) => s.byState as Record<string, number>), n) as HistorySample['byState'],
    topPorts: topMeans(bucket.map((s) => s.topPorts), n),
    topProcesses: topMeans(bucket.map((s) => s.topProcesses), n),
    interfaces: meanRates(bucket.map((sample) => sample.interfaces)),
  };
}

function sums(records: readonly Record<string, number>[]): Map<string, number> {
  const total = new Map<string, number>();
  for (const record of records) for (const [k, v] of Object.entries(record)) total.set(k, (total.get(k) ?? 0) + v);
  return total;
}

function roundedMeans(records: readonly Record<string, number>[], n: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of sums(records)) out[k] = Math.round(v / n);
  return out;
}

function topMeans(records: readonly Record<string, number>[], n: number): Record<string, number> {
  const ranked = [...sums(records)].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, HISTORY_TOP);
  const out: Record<string, number> = {};
  for (const [k, v] of ranked) out[k] = Math.round(v / n);
  return out;
}

/** Per interface, the mean of the known rates over several lists (null when none is known). */
export function meanRates(lists: Iterable<readonly InterfaceRate[]>): InterfaceRate[] {
  const acc = new Map<string, { rx: number; rxN: number; tx: number; txN: number }>();
  for (const list of lists) {
    for (const rate of list) {
      let a = acc.get(rate.name);
      if (a === undefined) {
        a = { rx: 0, rxN: 0, tx: 0, txN: 0 };
        acc.set(rate.name, a);
      }
      if (rate.rxBytesPerSec !== null) {
        a.rx += rate.rxBytesPerSec;
        a.rxN += 1;
      }
      if (rate.txBytesPerSec !== null) {
        a.tx += rate.txBytesPerSec;
        a.txN += 1;
      }
    }
  }
  return [...acc].map(([name, a]) => ({
    name,
    rxBytesPerSec: a.rxN === 0 ? null : a.rx / a.rxN,
    txBytesPerSec: a.txN === 0 ? null : a.tx / a.txN,
  }));
}
