#!/usr/bin/env node
// `npm run bench:collector`: the cost of the live collector (CollectorHost + the built worker
// out/main/collector-worker.js, run `npx electron-vite build` first) under loopback load from
// scripts/loadgen.mjs, at 1 000 and 10 000 established pairs, in one run, as ratios against
// baselines measured in the same run:
//
//   poll        one poll (read + diff + aggregates + history + delta to the host thread), CPU and
//               wall, vs `ss -tuanp` and vs bare si.networkConnections() (traffic off)
//   traffic     a poll that reads per-connection traffic (`ss -tuine` + parse + rates, owner hints,
//               health) as a ratio of the poll without it (polls spaced so each one reads: reads
//               are spaced by their cost, ≤ 10 % of a core), and the steady 1 Hz CPU with traffic
//               on vs off (what it costs over time)
//   event loop  p99 delay of the host thread while the worker polls every 500 ms, vs calling
//               si.networkConnections() on that thread at the same rate, and vs the idle thread
//               (the machine's noise floor); perf_hooks.monitorEventLoopDelay at its default 10 ms
//               resolution (a finer one dilutes a once-per-poll stall below the 99th percentile),
//               minus those 10 ms (the histogram records whole intervals: idle reads 10 ms)
//   steady      CPU per second at 1 Hz (socket table with owners and process details, interface
//               rates, history), vs naive polling of si.networkConnections + networkStats +
//               processes at 1 Hz (1 000 pairs only: the naive loop costs half a core)
//   delta       JSON bytes of a delta per tick at 1 % churn per second (of the pairs, closed with
//               RST and reopened by a churner process) vs a full snapshot
//   RSS         of this process (host + worker thread) while polling at 1 Hz, vs just before the
//               host started (same loadgen, si loaded)
//
//   node scripts/bench-collector.mjs [--pairs 1000,10000] [--runs 5]
// CPU counts every thread of this process plus waited-for child processes (/proc/self/stat).
import { exec } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleForBench, childCpuMs, median } from './bench-lib.mjs';
import { startChurner } from './churner.mjs';

const SELF = fileURLToPath(import.meta.url);
const ROOT = join(dirname(SELF), '..');

async function main() {
  const { values } = parseArgs({ options: { pairs: { type: 'string', default: '1000,10000' }, runs: { type: 'string', default: '5' } } });
  const SIZES = values.pairs.split(',').map(Number);
  const RUNS = Number(values.runs);
  if (SIZES.some((n) => !Number.isInteger(n) || n < 0 || n > 20_000) || !Number.isInteger(RUNS) || RUNS < 1 || RUNS > 25) {
    console.error('usage: node scripts/bench-collector.mjs [--pairs 1000,10000] [--runs 5]   (pairs 0–20000, runs 1–25)');
    process.exit(2);
  }
  const WORKER = join(ROOT, 'out/main/collector-worker.js');
  if (!existsSync(WORKER)) {
    console.error(`${WORKER} is missing: run \`npx electron-vite build\` first.`);
    process.exit(2);
  }
  const rssBefore = process.memoryUsage().rss;
  const { default: si } = await import('systeminformation');
  const { startLoadgen } = await import('./loadgen.mjs');
  const { CollectorHost } = await bundleHost();

  const results = [];
  for (const pairs of SIZES) {
    console.log(`\n== ${pairs} pairs ==`);
    const lg = await startLoadgen({ pairs, listeners: 10, udp: 10, udpConnected: 4, halfClose: 3, timeWait: 3 });
    const r = { pairs };
    let host = null;
    try {
      await sleep(500);
      r.ss = await measure(RUNS, ssRead);
      r.si = await measure(RUNS, async () => (await si.networkConnections()).length);
      log('ss -tuanp', r.ss);
      log('si.networkConnections()', r.si);

      // The noise floor of this thread's event loop on this machine right now (no polling at all).
      r.loopIdle = await loopDelay(3000);
      const rssNoHost = process.memoryUsage().rss;
      host = new CollectorHost({ workerPath: WORKER, settings: { pollIntervalMs: 1000, closedRetentionMs: 10_000, socketSource: 'auto', trafficEnabled: false }, paused: false });
      const first = await host.getSnapshot();
      r.rows = first.rows.length;
      r.source = first.status.source;
      // One poll at a time: resume polls at once; pause again when its delta arrives.
      await host.pause();
      await sleep(300);
      const onePoll = async () => {
        const delta = nextDelta(host);
        await host.resume();
        const d = await delta;
        await host.pause();
        return { wall: d.status.durationMs };
      };
      r.poll = await measure(RUNS, onePoll);
      log(`collector poll (${r.rows} rows, ${r.source})`, r.poll);
      // The same poll with traffic collection on; off again afterwards so later phases compare as before.
      await host.setOptions({ trafficEnabled: true });
      // Wait out the read budget before each poll so every measured poll reads ss.
      let spacing = 1000;
      r.pollTraffic = await measure(RUNS, async () => {
        await sleep(spacing);
        const m = await onePoll();
        spacing = Math.max(1000, m.wall * 12);
        return m;
      });
      await host.setOptions({ trafficEnabled: false });
      log('collector poll with traffic', r.pollTraffic);
      console.log(`  traffic collection: ×${(r.pollTraffic.cpu / r.poll.cpu).toFixed(2)} CPU of the poll without it (+${(r.pollTraffic.cpu - r.poll.cpu).toFixed(0)} ms)`);

      // Host-thread event loop while the worker polls every 500 ms.
      await host.setOptions({ pollIntervalMs: 500 });
      await host.resume();
      await sleep(1000);
      r.loopHost = await loopDelay(8000);
      await host.setOptions({ pollIntervalMs: 1000 });

      // Steady 1 Hz cost.
      await sleep(2000);
      r.steady = await steadyCpu(10_000);
      await host.setOptions({ trafficEnabled: true });
      await sleep(2000);
      r.steadyTraffic = await steadyCpu(10_000);
      await host.setOptions({ trafficEnabled: false });
      await sleep(1000);
      // Memory while polling, before the churn phase fetches (and stringifies) full snapshots.
      r.rssHost = process.memoryUsage().rss - rssNoHost;
      r.rss = process.memoryUsage().rss;
      console.log(`  steady 1 Hz with traffic on: ${(r.steadyTraffic * 100).toFixed(1)} % of a core (off: ${(r.steady * 100).toFixed(1)} %)`);
      console.log(`  host event-loop p99 ${r.loopHost.p99.toFixed(1)} ms (max ${r.loopHost.max.toFixed(1)}; idle thread p99 ${r.loopIdle.p99.toFixed(1)}); steady 1 Hz ${(r.steady * 100).toFixed(1)} % of a core`);

      // Delta size at 1 % churn.
      const rate = Math.max(1, Math.round(pairs / 100));
      const churner = await startChurner(rate);
      try {
        await sleep(4000);
        const sizes = [];
        const snapSizes = [];
        const churned = [];
        for (let i = 0; i < 6; i++) {
          const d = await nextDelta(host);
          sizes.push(JSON.stringify(d).length);
          // Observed churn: rows that appeared or closed this tick (other processes add to ours).
          churned.push((d.added.length + d.changed.filter((row) => row.change === 'closed').length) / 2 / d.counters.total);
          if (i % 2 === 0) snapSizes.push(JSON.stringify(await host.getSnapshot()).length);
        }
        r.deltaBytes = median(sizes);
        r.snapshotBytes = median(snapSizes);
        r.churn = median(churned);
      } finally {
        churner.disconnect();
      }
      console.log(`  delta at 1 % churn (observed ${pct(r.churn)}): ${r.deltaBytes} B vs snapshot ${r.snapshotBytes} B (${pct(r.deltaBytes / r.snapshotBytes)})`);
      await host.stop();
      host = null;

      // Baselines on this thread: si.networkConnections() every 500 ms.
      r.loopSi = await loopDelay(8000, () => si.networkConnections());
      console.log(`  baseline event-loop p99 with si.networkConnections() on the thread: ${r.loopSi.p99.toFixed(1)} ms`);
      if (pairs <= 2000) {
        r.naive = await steadyCpu(10_000, async () => {
          await Promise.all([si.networkConnections(), si.networkStats(), si.processes()]);
        });
        console.log(`  naive 1 Hz (connections + stats + processes): ${(r.naive * 100).toFixed(1)} % of a core`);
      }
      console.log(`  RSS ${(r.rss / 1e6).toFixed(0)} MB (before anything: ${(rssBefore / 1e6).toFixed(0)} MB; host+worker added ${(r.rssHost / 1e6).toFixed(0)} MB)`);
    } finally {
      if (host) await host.stop();
      await lg.stop();
    }
    results.push(r);
  }
  console.log('\n' + summaryTable(results));
  console.log('\n' + trafficTable(results));
  console.log(JSON.stringify({ runs: RUNS, rssBefore, results }));
}

// ---------------------------------------------------------------------------------------------

function bundleHost() {
  return bundleForBench('src/main/node/collector-host.ts');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pct = (x) => `${(x * 100).toFixed(1)} %`;

/** CPU ms of this process (every thread) and its waited-for children since `mark()`. */
function cpuMark() {
  const c0 = process.cpuUsage();
  const k0 = childCpuMs();
  return () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 + (childCpuMs() - k0);
  };
}

/** Median wall and CPU of `runs` calls after one warm-up; `fn` may return `{ wall }`, its own wall time. */
async function measure(runs, fn) {
  await fn();
  const walls = [];
  const cpus = [];
  for (let i = 0; i < runs; i++) {
    const cpu = cpuMark();
    const t0 = performance.now();
    const own = await fn();
    const wall = performance.now() - t0;
    cpus.push(cpu());
    walls.push(typeof own?.wall === 'number' ? own.wall : wall);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

function log(name, m) {
  console.log(`  ${name.padEnd(42)} wall ${m.wall.toFixed(0).padStart(5)} ms, CPU ${m.cpu.toFixed(0).padStart(5)} ms`);
}

function ssRead() {
  return new Promise((resolve, reject) => {
    exec('ss -tuanp', { maxBuffer: 256 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout.length)));
  });
}

function nextDelta(host, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('no delta within 30 s'));
    }, timeoutMs);
    const stop = host.onSnapshotDelta((delta) => {
      clearTimeout(timer);
      stop();
      resolve(delta);
    });
  });
}

const LOOP_RESOLUTION_MS = 10;

/** Event-loop delay of this thread over `ms`, optionally running `work` every 500 ms on it. */
async function loopDelay(ms, work) {
  const h = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  h.enable();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t = Date.now();
    if (work) await work();
    await sleep(Math.max(0, 500 - (Date.now() - t)));
  }
  h.disable();
  // The histogram records whole timer intervals (an idle loop reads 10 ms at p50): the delay is
  // what exceeds the sampling interval.
  const delay = (ns) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
  return { p99: delay(h.percentile(99)), max: delay(h.max) };
}

/** CPU share of one core over `ms` (this process's threads and children), running `work` each second if given. */
async function steadyCpu(ms, work) {
  const cpu = cpuMark();
  const t0 = performance.now();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t = Date.now();
    if (work) await work();
    await sleep(Math.max(0, 1000 - (Date.now() - t)));
  }
  return cpu() / (performance.now() - t0);
}

function summaryTable(results) {
  const lines = [
    '| pairs | rows | poll CPU vs `ss -tuanp` | poll CPU vs si.networkConnections() | poll wall vs ss | host loop p99 (vs si on the thread; idle thread) | steady 1 Hz | delta / snapshot at 1 % churn (observed churn) | RSS (host+worker added) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.pairs} | ${r.rows} | ${(r.poll.cpu / r.ss.cpu).toFixed(2)}× (${r.poll.cpu.toFixed(0)} vs ${r.ss.cpu.toFixed(0)} ms) | ${(r.poll.cpu / r.si.cpu).toFixed(2)}× (si ${r.si.cpu.toFixed(0)} ms = ${(r.si.cpu / r.ss.cpu).toFixed(2)}× ss) | ${(r.poll.wall / r.ss.wall).toFixed(2)}× (${r.poll.wall.toFixed(0)} vs ${r.ss.wall.toFixed(0)} ms) | ${r.loopHost.p99.toFixed(1)} ms (${(r.loopHost.p99 / r.loopSi.p99).toFixed(2)}× of ${r.loopSi.p99.toFixed(1)} ms; idle ${r.loopIdle.p99.toFixed(1)} ms) | ${pct(r.steady)} of a core${r.naive ? ` (${(r.steady / r.naive).toFixed(3)}× naive ${pct(r.naive)})` : ''} | ${pct(r.deltaBytes / r.snapshotBytes)} (${(r.deltaBytes / 1024).toFixed(0)} of ${(r.snapshotBytes / 1024).toFixed(0)} KiB; ${pct(r.churn)}) | ${(r.rss / 1e6).toFixed(0)} MB (+${(r.rssHost / 1e6).toFixed(0)} MB) |`,
    );
  }
  return lines.join('\n');
}

function trafficTable(results) {
  const lines = [
    '| pairs | rows | poll CPU, traffic off | poll CPU reading traffic | ratio | poll wall off / reading | steady 1 Hz off | steady 1 Hz on | ratio |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.pairs} | ${r.rows} | ${r.poll.cpu.toFixed(0)} ms | ${r.pollTraffic.cpu.toFixed(0)} ms | ×${(r.pollTraffic.cpu / r.poll.cpu).toFixed(2)} | ${r.poll.wall.toFixed(0)} / ${r.pollTraffic.wall.toFixed(0)} ms | ${pct(r.steady)} | ${pct(r.steadyTraffic)} | ×${(r.steadyTraffic / r.steady).toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The churner (a child process): holds its own loopback pairs and replaces `rate` of them per second.
async function churner() {
  const rate = Number(process.argv[3]);
  const server = net.createServer((socket) => socket.on('error', () => {}));
  await new Promise((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
  const { port } = server.address();
  const live = [];
  const open = () =>
    new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
      socket.on('error', () => resolve(null));
    });
  const openMany = async (n) => {
    for (const s of await Promise.all(Array.from({ length: n }, open))) if (s) live.push(s);
  };
  await openMany(rate * 3);
  process.title = 'pw-bench-churner';
  process.send({ ready: true });
  const timer = setInterval(() => {
    // RST, so the table does not fill with TIME_WAIT: each tick closes and opens `rate` pairs.
    for (const s of live.splice(0, rate)) s.resetAndDestroy();
    void openMany(rate);
  }, 1000);
  process.on('disconnect', () => {
    clearInterval(timer);
    for (const s of live) s.resetAndDestroy();
    server.close();
    process.exit(0);
  });
}


if (process.argv[2] === '--role=churner') await churner();
else await main();
