/**
 * Byte rates from counters that only ever grow — until they don't: an interface that goes down and
 * up, a driver reload or a 32-bit wrap resets them. A rate is null whenever it cannot be known
 * (first sample, a counter that went backwards, zero or negative elapsed time), never a made-up 0
 * or a huge negative spike.
 */
import type { InterfaceRate } from '../../shared/model';
import type { InterfaceCounters } from './sources';

/**
 * Per-second rate between two readings of a monotonic counter, or null when unknowable: a
 * counter that went down (reset or wrap), no elapsed time, or a value that is not a finite number.
 */
export function counterRate(previous: number, current: number, elapsedMs: number): number | null {
  if (!Number.isFinite(previous) || !Number.isFinite(current) || !Number.isFinite(elapsedMs)) return null;
  if (elapsedMs <= 0 || current < previous) return null;
  return ((current - previous) * 1000) / elapsedMs;
}

interface Reading {
  at: number;
  rxBytes: number;
  txBytes: number;
}

/** Turns successive interface counter readings into per-interface rates. */
export class InterfaceRates {
  private last = new Map<string, Reading>();

  /**
   * Rates since the previous reading of each interface, in the order given. An interface seen for
   * the first time has null rates; interfaces no longer present are forgotten.
   */
  update(counters: readonly InterfaceCounters[], at: number): InterfaceRate[] {
    const next = new Map<string, Reading>();
    const rates: InterfaceRate[] = [];
    for (const c of counters) {
      if (next.has(c.name)) continue;
      const previous = this.last.get(c.name);
      next.set(c.name, { at, rxBytes: c.rxBytes, txBytes: c.txBytes });
      rates.push({
        name: c.name,
        rxBytesPerSec: previous === undefined ? null : counterRate(previous.rxBytes, c.rxBytes, at - previous.at),
        txBytesPerSec: previous === undefined ? null : counterRate(previous.txBytes, c.txBytes, at - previous.at),
      });
    }
    this.last = next;
    return rates;
  }

  /** Forgets every reading (after a gap, the next rates start over). */
  reset(): void {
    this.last.clear();
  }
}
