import { describe, expect, it } from 'vitest';
import { HISTORY_TOP, HistoryStore, RingBuffer, downsample, gapSample, historyCapacity, sampleFrom } from '../../../src/main/core/history';
import type { Aggregates, HistorySample } from '../../../src/shared/model';

const aggregates = (established: number): Aggregates => ({
  byPort: [{ protocol: 'tcp', port: 8080, service: null, exposure: 'loopback', listeners: 1, connections: established, processes: ['srv'] }],
  byProcess: [{ pid: 1, name: 'srv', total: established + 1, listening: 1, established, udp: 0 }],
  byRemoteHost: [],
  byState: { ESTABLISHED: established, LISTEN: 1 },
});

describe('RingBuffer', () => {
  it('keeps at most its capacity, dropping the oldest', () => {
    const ring = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i += 1) ring.push(i);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.size).toBe(3);
  });

  it('resizes keeping the newest items', () => {
    const ring = new RingBuffer<number>(4);
    for (let i = 1; i <= 6; i += 1) ring.push(i);
    ring.resize(2);
    expect(ring.toArray()).toEqual([5, 6]);
    ring.resize(3);
    ring.push(7);
    ring.push(8);
    expect(ring.toArray()).toEqual([6, 7, 8]);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new RingBuffer(0)).toThrow('capacity must be a whole number ≥ 1 (got 0)');
  });
});

describe('HistoryStore', () => {
  it('holds one hour at the poll rate by default', () => {
    expect(new HistoryStore({ pollIntervalMs: 1000 }).capacity).toBe(3600);
    expect(new HistoryStore({ pollIntervalMs: 500 }).capacity).toBe(7200);
    expect(historyCapacity(3_600_000, 60_000)).toBe(60);
  });

  it('stays bounded and shrinks for a slower interval', () => {
    const store = new HistoryStore({ pollIntervalMs: 1000, spanMs: 10_000 });
    for (let i = 0; i < 25; i += 1) store.recordOk(i * 1000, aggregates(i), []);
    expect(store.size).toBe(10);
    store.setPollInterval(5000);
    expect(store.capacity).toBe(2);
    expect(store.query({ durationMs: 60_000 }, 24_000).samples.map((s) => s.at)).toEqual([23_000, 24_000]);
  });

  it('stores a failed poll as a gap with its error, never zeros', () => {
    const store = new HistoryStore({ pollIntervalMs: 1000 });
    store.recordOk(1000, aggregates(2), [{ name: 'lo', rxBytesPerSec: 10, txBytesPerSec: 20 }]);
    store.recordGap(2000, 'ss is not installed');
    const { samples } = store.query({ durationMs: 60_000 }, 2000);
    expect(samples[1]).toEqual({ at: 2000, ok: false, error: 'ss is not installed', byState: {}, topPorts: {}, topProcesses: {}, interfaces: [] });
    expect(samples[0]).toEqual({
      at: 1000,
      ok: true,
      error: null,
      byState: { ESTABLISHED: 2, LISTEN: 1 },
      topPorts: { 'tcp/8080': 2 },
      topProcesses: { srv: 3 },
      interfaces: [{ name: 'lo', rxBytesPerSec: 10, txBytesPerSec: 20 }],
    });
  });

  it('returns only the samples inside the window', () => {
    const store = new HistoryStore({ pollIntervalMs: 1000 });
    for (let t = 0; t <= 120_000; t += 1000) store.recordOk(t, aggregates(1), []);
    const history = store.query({ durationMs: 60_000 }, 120_000);
    expect(history.from).toBe(60_000);
    expect(history.to).toBe(120_000);
    expect(history.samples).toHaveLength(61);
    expect(history.samples[0]?.at).toBe(60_000);
  });

  it('downsamples to maxPoints', () => {
    const store = new HistoryStore({ pollIntervalMs: 1000 });
    for (let t = 1000; t <= 60_000; t += 1000) store.recordOk(t, aggregates(t / 1000), []);
    const { samples } = store.query({ durationMs: 60_000, maxPoints: 6 }, 60_000);
    expect(samples).toHaveLength(6);
    expect(samples[0]?.at).toBe(10_000);
    // Mean of 1..10 is 5.5 → 6.
    expect(samples[0]?.byState.ESTABLISHED).toBe(6);
  });
});

describe('downsample', () => {
  const ok = (at: number, n: number, rx: number | null): HistorySample => ({
    ...sampleFrom(at, aggregates(n), [{ name: 'lo', rxBytesPerSec: rx, txBytesPerSec: null }]),
  });

  it('keeps a gap visible: a bucket with a failed poll is a gap', () => {
    const out = downsample([ok(1, 1, 1), gapSample(2, 'timed out'), ok(3, 3, 3), ok(4, 5, null)], 2);
    expect(out).toEqual([
      gapSample(2, 'timed out'),
      { ...ok(4, 4, 3), topProcesses: { srv: 5 }, byState: { ESTABLISHED: 4, LISTEN: 1 } },
    ]);
  });

  it('returns the samples unchanged when there are few enough', () => {
    const samples = [ok(1, 1, 1), ok(2, 2, 2)];
    expect(downsample(samples, 5)).toEqual(samples);
  });

  it(`keeps at most ${HISTORY_TOP} ports per merged point`, () => {
    const many = (at: number): HistorySample => ({
      ...gapSample(at, ''),
      ok: true,
      error: null,
      topPorts: Object.fromEntries(Array.from({ length: HISTORY_TOP }, (_, i) => [`tcp/${at * 100 + i}`, i + 1])),
    });
    const [merged] = downsample([many(1), many(2)], 1);
    expect(Object.keys(merged?.topPorts ?? {})).toHaveLength(HISTORY_TOP);
  });
});
