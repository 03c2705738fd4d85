import { describe, expect, it } from 'vitest';
import { bucketWidth, mergeMinutes, parseDuration, parseMoment } from '../../../src/main/core/journal-query';
import type { StoredMinute } from '../../../src/main/core/journal-query';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1w', 604_800_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    [' 2H ', 7_200_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['2', '', 'h', '2x', '-2h', '0s', '2h ago'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('parseMoment', () => {
  // 2026-12-03 14:05:00 local time.
  const now = new Date(2026, 11, 3, 14, 5, 0).getTime();

  it('reads now, durations ago, clock times, dates, ISO 8601 and epoch ms', () => {
    expect(parseMoment('now', now)).toBe(now);
    expect(parseMoment('2h', now)).toBe(now - 7_200_000);
    expect(parseMoment('2h ago', now)).toBe(now - 7_200_000);
    expect(parseMoment('-30m', now)).toBe(now - 1_800_000);
    expect(parseMoment('13:00', now)).toBe(new Date(2026, 11, 3, 13, 0, 0).getTime());
    // Still to come today: yesterday's.
    expect(parseMoment('15:00:30', now)).toBe(new Date(2026, 11, 2, 15, 0, 30).getTime());
    expect(parseMoment('2026-12-01', now)).toBe(new Date(2026, 11, 1).getTime());
    expect(parseMoment('2026-12-01T02:30', now)).toBe(new Date(2026, 11, 1, 2, 30).getTime());
    expect(parseMoment('2026-12-01 02:30:15', now)).toBe(new Date(2026, 11, 1, 2, 30, 15).getTime());
    expect(parseMoment('2026-12-01T02:30:00Z', now)).toBe(Date.UTC(2026, 11, 1, 2, 30));
    expect(parseMoment('2026-12-01T02:30:00+02:00', now)).toBe(Date.UTC(2026, 11, 1, 0, 30));
    expect(parseMoment('1764556200000', now)).toBe(1_764_556_200_000);
  });

  it.each(['', 'yesterday', '25:00', '12:60', '2026-02-30', '2026-13-01T00:00', '17645562000', '2026-12-01T02:30 junk'])('refuses %j', (text) => {
    expect(parseMoment(text, now)).toBeNull();
  });
});

function minute(at: number, partial: Partial<StoredMinute> = {}): StoredMinute {
  return { minute: at, polls: 60, failedPolls: 0, okPolls: 60, opened: 1, closed: 1, stateSums: { ESTABLISHED: 600 }, interfaces: [], ...partial };
}

describe('per-minute counts, downsampled', () => {
  it('picks whole-minute buckets: 24 h in 288 points is 5 minutes, 30 days in 720 is an hour', () => {
    expect(bucketWidth(0, 86_400_000 - 1, 288)).toBe(300_000);
    expect(bucketWidth(0, 30 * 86_400_000 - 1, 720)).toBe(3_600_000);
    expect(bucketWidth(0, 59_999, 10)).toBe(60_000);
  });

  it('adds counts, averages sockets per state over successful polls and rates over known values; missing minutes stay missing', () => {
    const rows = [
      minute(0, { stateSums: { ESTABLISHED: 600, LISTEN: 60 }, interfaces: [{ name: 'lo', rxBytesPerSec: 100, txBytesPerSec: null }] }),
      minute(60_000, { polls: 60, failedPolls: 30, okPolls: 30, stateSums: { ESTABLISHED: 600 }, interfaces: [{ name: 'lo', rxBytesPerSec: 300, txBytesPerSec: null }] }),
      // 120 000 missing: the journal was not recording.
      minute(180_000, { opened: 5 }),
    ];
    expect(mergeMinutes(rows, 0, 120_000)).toEqual([
      {
        at: 0,
        minutes: 2,
        polls: 120,
        failedPolls: 30,
        opened: 2,
        closed: 2,
        // 1 200 sockets over 90 successful polls; LISTEN 60 over 90.
        byState: { ESTABLISHED: 13.3, LISTEN: 0.7 },
        interfaces: [{ name: 'lo', rxBytesPerSec: 200, txBytesPerSec: null }],
      },
      { at: 120_000, minutes: 1, polls: 60, failedPolls: 0, opened: 5, closed: 1, byState: { ESTABLISHED: 10 }, interfaces: [] },
    ]);
    expect(mergeMinutes([], 0, 60_000)).toEqual([]);
  });
});
