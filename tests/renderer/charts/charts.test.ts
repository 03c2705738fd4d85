import { describe, expect, it } from 'vitest';
import type { History, HistorySample, PortAggregate, ProbeState, ProcessAggregate } from '../../../src/shared/model';
import { portBars, processBars } from '../../../src/renderer/charts/bars';
import { DECIMATION_THRESHOLD, barConfig, lineConfig, timeStep } from '../../../src/renderer/charts/config';
import { bytesPerSec, formatValue } from '../../../src/renderer/charts/format';
import { probeLatencySeries } from '../../../src/renderer/charts/probes';
import type { ChartPalette } from '../../../src/renderer/charts/spec';
import { seriesOf, stateSeries, throughputSeries } from '../../../src/renderer/charts/timeline';

const palette: ChartPalette = { series: ['#111111', '#222222', '#333333'], grid: '#eeeeee', text: '#555555' };

const sample = (at: number, partial: Partial<HistorySample> = {}): HistorySample => ({
  at,
  ok: true,
  error: null,
  byState: { ESTABLISHED: at / 1000, LISTEN: 3 },
  topPorts: {},
  topProcesses: {},
  interfaces: [
    { name: 'eth0', rxBytesPerSec: 1000, txBytesPerSec: 10 },
    { name: 'lo', rxBytesPerSec: 5, txBytesPerSec: 5 },
  ],
  ...partial,
});

const port = (p: Partial<PortAggregate>): PortAggregate => ({
  protocol: 'tcp', port: 80, service: null, exposure: 'loopback', listeners: 1, connections: 0, processes: [], ...p,
});

describe('bar chart builders', () => {
  it('connections per port: busiest first, labelled with the service, capped', () => {
    const spec = portBars(
      [
        port({ port: 22, connections: 1 }),
        port({ port: 443, connections: 9, service: { name: 'https', description: '', port: 443, portClass: 'well-known', side: 'local' } }),
        port({ port: 53, protocol: 'udp', listeners: 2 }),
      ],
      2,
    );
    expect(spec.labels).toEqual(['tcp/443 https', 'tcp/22']);
    expect(spec.series.map((s) => [s.label, s.values])).toEqual([
      ['Connections', [9, 1]],
      ['Listeners', [1, 1]],
    ]);
    expect(spec.stacked).toBe(true);
  });

  it('sockets per process: split by kind, the rest counted as other TCP', () => {
    const procs: ProcessAggregate[] = [
      { pid: 1, name: 'a', total: 2, listening: 1, established: 1, udp: 0 },
      { pid: 2, name: 'b', total: 10, listening: 1, established: 5, udp: 2 },
      { pid: null, name: '', total: 3, listening: 0, established: 0, udp: 0 },
    ];
    const spec = processBars(procs);
    expect(spec.labels).toEqual(['b (2)', 'no visible process', 'a (1)']);
    expect(spec.series.map((s) => s.values)).toEqual([[5, 0, 1], [1, 0, 1], [2, 0, 0], [2, 3, 0]]);
    expect(spec.horizontal).toBe(true);
  });
});

describe('timeline builders', () => {
  it('turns a failed sample into a null point (a gap, not a zero)', () => {
    const points = seriesOf([sample(1000), sample(2000, { ok: false, error: 'ss failed', byState: {} }), sample(3000)], (s) => s.byState.LISTEN ?? 0);
    expect(points).toEqual([{ x: 1000, y: 3 }, { x: 2000, y: null }, { x: 3000, y: 3 }]);
  });

  it('breaks the line where samples are missing for more than three steps', () => {
    const points = seriesOf([sample(1000), sample(2000), sample(3000), sample(9000)], (s) => s.byState.LISTEN ?? 0);
    expect(points).toEqual([{ x: 1000, y: 3 }, { x: 2000, y: 3 }, { x: 3000, y: 3 }, { x: 4000, y: null }, { x: 9000, y: 3 }]);
  });

  it('one line per state present, over the history’s window', () => {
    const history: History = { from: 0, to: 4000, samples: [sample(1000), sample(2000)] };
    const spec = stateSeries(history);
    expect(spec.series.map((s) => [s.label, s.points.map((p) => p.y)])).toEqual([
      ['ESTABLISHED', [1, 2]],
      ['LISTEN', [3, 3]],
    ]);
    expect([spec.xMin, spec.xMax, spec.format]).toEqual([0, 4000, 'count']);
  });

  it('throughput of the busiest interfaces; an unknown rate is a gap', () => {
    const history: History = {
      from: 0,
      to: 3000,
      samples: [sample(1000, { interfaces: [{ name: 'eth0', rxBytesPerSec: null, txBytesPerSec: null }] }), sample(2000)],
    };
    const spec = throughputSeries(history, 1);
    expect(spec.series.map((s) => [s.label, s.points.map((p) => p.y), s.dashed ?? false])).toEqual([
      ['eth0 receive', [null, 1000], false],
      ['eth0 send', [null, 10], true],
    ]);
  });

  it('probe latency: failed runs are gaps; points outside the window are left out', () => {
    const probe: ProbeState = {
      spec: { id: 'p', label: 'P', kind: 'tcp', host: '127.0.0.1', port: 1, intervalMs: 1000, timeoutMs: 100, enabled: true, downAfter: 1, upAfter: 1 },
      health: 'up',
      lastResult: null,
      history: [
        { at: 500, ok: true, outcome: 'open', latencyMs: 1 },
        { at: 1000, ok: true, outcome: 'open', latencyMs: 2 },
        { at: 2000, ok: false, outcome: 'refused', latencyMs: 0.2 },
      ],
    };
    expect(probeLatencySeries([probe], 900, 3000).series).toEqual([
      { label: 'P', colorIndex: 0, points: [{ x: 1000, y: 2 }, { x: 2000, y: null }] },
    ]);
  });
});

describe('Chart.js configurations', () => {
  it('line charts: no animation, a linear axis of epoch ms, gaps kept, theme colours, decimation only on long series', () => {
    const short = lineConfig({ kind: 'line', series: [{ label: 'a', colorIndex: 4, points: [{ x: 0, y: 1 }] }], xMin: 0, xMax: 300_000, format: 'count' }, palette);
    expect(short.options?.animation).toBe(false);
    expect(short.options?.parsing).toBe(false);
    expect(short.options?.scales?.x).toMatchObject({ type: 'linear', min: 0, max: 300_000, ticks: { stepSize: 60_000, color: '#555555' } });
    expect(short.data.datasets[0]).toMatchObject({ spanGaps: false, borderColor: '#222222' });
    expect(short.options?.plugins?.decimation).toEqual({ enabled: false, algorithm: 'min-max' });
    const points = Array.from({ length: DECIMATION_THRESHOLD + 1 }, (_, i) => ({ x: i, y: i }));
    const long = lineConfig({ kind: 'line', series: [{ label: 'a', colorIndex: 0, points }], xMin: 0, xMax: 1, format: 'ms' }, palette);
    expect(long.options?.plugins?.decimation).toEqual({ enabled: true, algorithm: 'min-max' });
  });

  it('bar charts: horizontal when asked, stacked, no animation', () => {
    const config = barConfig(processBars([{ pid: 1, name: 'a', total: 1, listening: 1, established: 0, udp: 0 }]), palette);
    expect(config.options?.animation).toBe(false);
    expect(config.options?.indexAxis).toBe('y');
    expect(config.options?.scales?.y).toMatchObject({ type: 'category', stacked: true });
    expect(config.data.datasets.map((d) => d.backgroundColor)).toEqual(['#111111', '#222222', '#333333', '#111111']);
  });

  it('picks round clock steps that keep the axis to at most 8 ticks', () => {
    expect([60_000, 300_000, 900_000, 3_600_000].map((span) => timeStep(span))).toEqual([10_000, 60_000, 120_000, 600_000]);
  });

  it('formats values in the chart’s unit', () => {
    expect([bytesPerSec(999), bytesPerSec(1500), bytesPerSec(2_500_000)]).toEqual(['999 B/s', '1.5 kB/s', '2.5 MB/s']);
    expect([formatValue(3, 'count'), formatValue(2.345, 'ms'), formatValue(42.4, 'ms')]).toEqual(['3', '2.3 ms', '42 ms']);
  });
});
