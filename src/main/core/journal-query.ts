/**
 * Pure parts of journal queries: reading times and durations the way the CLI accepts them, and
 * downsampling per-minute counts for long ranges (24 h / 7 d / 30 d views).
 */
import type { SocketState } from '../../shared/model';
import type { JournalInterfaceRate, JournalMinute } from '../../shared/journal';
import { MINUTE_MS } from './journal-recorder';
import { meanRates } from './history';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A duration like `90s`, `30m`, `2h`, `7d`, `1w`, or combined (`1h30m`); null when it is not one.
 * A bare number is refused (minutes? seconds?): the unit must be written.
 */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) total += Number(m[1]) * (UNITS[m[2] as string] as number);
  return Number.isFinite(total) && total > 0 ? Math.round(total) : null;
}

/**
 * A moment as the CLI accepts it, epoch ms, or null:
 * - `now`; a duration meaning that long ago (`2h`, `2h ago`, `-2h`);
 * - ISO 8601 (`2026-12-03T14:05`, with seconds, `Z` or an offset); a space may replace the `T`;
 *   without a zone it is local time, and a date alone is local midnight;
 * - `HH:MM[:SS]`: today in local time, or yesterday if that is still to come;
 * - epoch milliseconds (13 digits).
 */
export function parseMoment(text: string, now: number): number | null {
  const t = text.trim();
  if (t.toLowerCase() === 'now') return now;
  const relative = /^(?:-\s*)?([\d.smhdw\s]+?)(?:\s+ago)?$/i.exec(t);
  const duration = relative !== null ? parseDuration((relative[1] as string).replace(/\s+/g, '')) : null;
  if (duration !== null) return now - duration;
  if (/^\d{13}$/.test(t)) return Number(t);
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  if (clock !== null) {
    const [h, m, s] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (h > 23 || m > 59 || s > 59) return null;
    const d = new Date(now);
    d.setHours(h, m, s, 0);
    const at = d.getTime();
    if (at <= now) return at;
    d.setDate(d.getDate() - 1);
    return d.getTime();
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (date !== null) {
    const d = new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    return d.getMonth() === Number(date[2]) - 1 ? d.getTime() : null;
  }
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(t)) return null;
  const at = Date.parse(t.replace(' ', 'T'));
  return Number.isFinite(at) ? at : null;
}

/** One stored minute (sums, as the writer keeps them). */
export interface StoredMinute {
  minute: number;
  polls: number;
  failedPolls: number;
  okPolls: number;
  opened: number;
  closed: number;
  stateSums: Partial<Record<SocketState, number>>;
  interfaces: JournalInterfaceRate[];
}

/** The bucket width for a range drawn with at most `maxPoints` points, ms (whole minutes). */
export function bucketWidth(from: number, to: number, maxPoints: number): number {
  const minutes = Math.max(1, Math.ceil((to - from + 1) / MINUTE_MS));
  return Math.max(1, Math.ceil(minutes / Math.max(1, Math.floor(maxPoints)))) * MINUTE_MS;
}

/**
 * Merges stored minutes (in time order) into buckets of `widthMs` aligned on `from`: counts add
 * up, sockets per state are means over the successful polls, rates are means of the known values.
 * Minutes with no row (nothing recorded) are simply absent: a chart shows a gap, never zeros.
 */
export function mergeMinutes(rows: Iterable<StoredMinute>, from: number, widthMs: number): JournalMinute[] {
  const out: JournalMinute[] = [];
  let bucket: { at: number; minutes: number; polls: number; failed: number; ok: number; opened: number; closed: number; sums: Map<string, number>; rates: JournalInterfaceRate[][] } | null =
    null;
  const flush = (): void => {
    if (bucket === null) return;
    const byState: Partial<Record<SocketState, number>> = {};
    if (bucket.ok > 0) for (const [state, sum] of bucket.sums) byState[state as SocketState] = Math.round((sum / bucket.ok) * 10) / 10;
    out.push({
      at: bucket.at,
      minutes: bucket.minutes,
      polls: bucket.polls,
      failedPolls: bucket.failed,
      opened: bucket.opened,
      closed: bucket.closed,
      byState,
      interfaces: meanRates(bucket.rates),
    });
  };
  for (const row of rows) {
    const at = from + Math.floor((row.minute - from) / widthMs) * widthMs;
    if (bucket === null || bucket.at !== at) {
      flush();
      bucket = { at, minutes: 0, polls: 0, failed: 0, ok: 0, opened: 0, closed: 0, sums: new Map(), rates: [] };
    }
    bucket.minutes += 1;
    bucket.polls += row.polls;
    bucket.failed += row.failedPolls;
    bucket.ok += row.okPolls;
    bucket.opened += row.opened;
    bucket.closed += row.closed;
    for (const [state, n] of Object.entries(row.stateSums)) bucket.sums.set(state, (bucket.sums.get(state) ?? 0) + (n ?? 0));
    bucket.rates.push(row.interfaces);
  }
  flush();
  return out;
}
