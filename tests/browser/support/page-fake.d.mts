/** Options of the in-page fake service. */
export interface PageFakeOptions {
  /** Rows in the initial table. */
  rows?: number;
  /** Seed of the row generator (the same table each run). */
  seed?: number;
  /** Emit a 1 % churn delta every this many ms (0: only when told). */
  tickMs?: number;
  /** Start with two probes and their history (default true). */
  probes?: boolean;
  /** The fake's clock start, epoch ms. */
  now?: number;
}

/** Installs `window.portwatch` and `window.__portwatchFake` in the page (self-contained). */
export declare function installPageFake(options: PageFakeOptions): void;

/** What `window.__portwatchFake` offers a test or benchmark in the page. */
export interface PageFakeControl {
  /** Churns `fraction` of the rows (changed/closed, half as many new) and returns the delta, unsent. */
  makeChurnDelta(fraction: number): unknown;
  /** Delivers a delta to the subscribers now (unless the next one is to be dropped). */
  emit(delta: unknown): void;
  /** makeChurnDelta + emit. */
  tick(fraction?: number): void;
  /** Swallows the next delta, so the one after shows a gap. */
  dropNextDelta(): void;
  rowCount(): number;
  snapshotsServed(): number;
  setStatus(patch: Record<string, unknown>): unknown;
}
