#!/usr/bin/env node
// `npm run bench:journal`: the cost of the connection journal, in one run:
//
//   CPU     at N established loopback pairs (scripts/loadgen.mjs) and 1 % churn per second
//           (scripts/churner.mjs, RST), polling at 1 Hz in this thread: the journal's CPU per poll
//           (recorder + one transaction + upkeep, synchronous, measured around the call) against
//           the collector's own CPU per poll (read + diff + aggregates, measured around the tick)
//   disk    bytes the journal grows per day at that rate: measured live (growth over the window)
//           and from a synthesized week (file size / days)
//   queries on DAYS days synthesized at that rate through the real recorder and writer (same
//           session count: 2 sockets × 1 % of the pairs per second, a listener, plus a browser-like
//           process talking to 200 hosts): "as of" a moment (every row read and decoded) and one
//           process's history (talked-to list + listener lifecycles), medians of several
//
//   node scripts/bench-journal.mjs [--pairs 1000] [--seconds 60] [--days 7] [--step 5] [--week FILE]
// --week FILE keeps the synthesized journal there and, when it exists, queries it without writing
// a new one (to compare query plans without 15 minutes of synthesis each time).
// Needs no build. Loopback only; the synthesized addresses are data in a file, never contacted.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleForBench, childCpuMs, median } from './bench-lib.mjs';
import { startChurner } from './churner.mjs';
import { startLoadgen } from './loadgen.mjs';

const DAY = 86_400_000;

async function main() {
  const { values } = parseArgs({
    options: {
      pairs: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '60' },
      days: { type: 'string', default: '7' },
      step: { type: 'string', default: '5' },
      week: { type: 'string' },
    },
  });
  const PAIRS = Number(values.pairs);
  const SECONDS = Number(values.seconds);
  const DAYS = Number(values.days);
  const STEP = Number(values.step);
  if (![PAIRS, SECONDS, DAYS, STEP].every((n) => Number.isFinite(n) && n > 0) || PAIRS > 10_000) {
    console.error('usage: node scripts/bench-journal.mjs [--pairs 1000] [--seconds 60] [--days 7] [--step 5]');
    process.exit(2);
  }
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const lib = await bundleForBench('scripts/bench-journal-entry.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-journal-'));
  try {
    const weekFile = values.week ?? join(dir, 'week.db');
    const live = values.week !== undefined && existsSync(weekFile) ? null : await liveCost(lib, dir, PAIRS, SECONDS);
    const week = await synthesize(lib, weekFile, PAIRS, DAYS, STEP);
    const report = { pairs: PAIRS, seconds: SECONDS, days: DAYS, step: STEP, load: loadavg(), live, week };
    if (live !== null) console.log('\n' + summary(report));
    console.log(JSON.stringify(report));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cpuNow() {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000 + childCpuMs();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function liveCost(lib, dir, pairs, seconds) {
  console.log(`\n== live: ${pairs} pairs, 1 % churn per second, ${seconds} polls at 1 Hz ==`);
  const lg = await startLoadgen({ pairs, listeners: 10, udp: 10 });
  const churner = await startChurner(Math.max(1, Math.round(pairs / 100)));
  const file = join(dir, 'live.db');
  const journal = await lib.NodeJournal.open({ file });
  try {
    const collector = new lib.Collector({
      clock: lib.systemClock,
      source: lib.createSocketSource({ kind: 'auto' }),
      hostname: 'bench',
      settings: { pollIntervalMs: 1000, closedRetentionMs: 10_000, reverseDns: false },
    });
    const context = { rows: () => collector.snapshot().rows };
    const poll = async () => {
      const c0 = cpuNow();
      const delta = await collector.tick();
      const c1 = cpuNow();
      journal.delta(delta, context);
      const c2 = cpuNow();
      return { collector: c1 - c0, journal: c2 - c1, rows: delta.counters.total, churn: delta.added.length };
    };
    for (let i = 0; i < 5; i++) {
      await poll();
      await sleep(1000);
    }
    const bytes0 = journal.usedBytes();
    const sessions0 = journal.reader.stats().sessions;
    const samples = [];
    let next = Date.now();
    for (let i = 0; i < seconds; i++) {
      samples.push(await poll());
      next += 1000;
      await sleep(Math.max(0, next - Date.now()));
    }
    const bytes1 = journal.usedBytes();
    const sum = (key) => samples.reduce((n, s) => n + s[key], 0);
    const r = {
      rows: median(samples.map((s) => s.rows)),
      addedPerPoll: median(samples.map((s) => s.churn)),
      collectorMs: sum('collector') / samples.length,
      journalMs: sum('journal') / samples.length,
      journalMedianMs: median(samples.map((s) => s.journal)),
      journalMaxMs: Math.max(...samples.map((s) => s.journal)),
      bytesPerDay: ((bytes1 - bytes0) / seconds) * 86_400,
      sessionsPerSecond: (journal.reader.stats().sessions - sessions0) / seconds,
    };
    r.bytesPerSession = (bytes1 - bytes0) / Math.max(1, r.sessionsPerSecond * seconds);
    // At the nominal rate (2 sockets per churned pair), whatever else the machine's table did.
    r.nominalBytesPerDay = r.bytesPerSession * 2 * Math.max(1, Math.round(pairs / 100)) * 86_400;
    r.ratio = r.journalMs / r.collectorMs;
    console.log(
      `  ${r.rows} rows, ~${r.addedPerPoll} sockets added per poll; CPU per poll: collector ${r.collectorMs.toFixed(1)} ms, journal ${r.journalMs.toFixed(2)} ms (median ${r.journalMedianMs.toFixed(2)}, max ${r.journalMaxMs.toFixed(1)}) = ${r.ratio.toFixed(3)}×`,
    );
    console.log(
      `  disk: ${r.sessionsPerSecond.toFixed(1)} sessions/s recorded, ${r.bytesPerSession.toFixed(0)} B each: ${(r.bytesPerDay / 1e6).toFixed(0)} MB per day as observed, ${(r.nominalBytesPerDay / 1e6).toFixed(0)} MB at the nominal churn`,
    );
    return r;
  } finally {
    journal.close();
    churner.disconnect();
    await lg.stop();
  }
}

/** A synthetic week at the live rate, through the real recorder and writer. */
async function synthesize(lib, file, pairs, days, stepS) {
  const end = Date.UTC(2026, 11, 1);
  const start = end - days * DAY;
  let synthSeconds = null;
  if (!existsSync(file)) synthSeconds = await write(lib, file, pairs, days, stepS, start);
  return queries(lib, file, days, start, end, synthSeconds);
}

/** Writes the synthetic journal; resolves to the seconds it took. */
async function write(lib, file, pairs, days, stepS, start) {
  console.log(`\n== synthesized: ${days} days at ${pairs} pairs and 1 % churn per second (one poll per ${stepS} s) ==`);
  const clock = { t: start };
  const journal = await lib.NodeJournal.open({ file, now: () => clock.t, retentionDays: days + 1, cleanupEveryMs: Number.MAX_SAFE_INTEGER });
  const key = lib.connectionKey;
  const owner = (pid, name) => [{ pid, name, path: `/usr/bin/${name}`, user: 'bench' }];
  const make = (localAddress, localPort, remoteAddress, remotePort, state, owners) => {
    const row = { protocol: 'tcp', family: 4, localAddress, localPort, remoteAddress, remotePort, state, owners, ownerVisibility: 'visible', inode: remotePort === null ? localPort : undefined };
    return { ...row, key: key(row) };
  };
  const SERVER_PORT = 5000;
  const listener = make('127.0.0.1', SERVER_PORT, null, null, 'LISTEN', owner(100, 'bench-server'));
  const statics = [listener, ...Array.from({ length: 10 }, (_, i) => make('0.0.0.0', 6000 + i, null, null, 'LISTEN', owner(200 + i, `daemon-${i}`)))];
  let nextPort = 20_000;
  const pairOf = () => {
    const port = nextPort;
    nextPort = nextPort >= 60_000 ? 20_000 : nextPort + 1;
    return [make('127.0.0.1', port, '127.0.0.1', SERVER_PORT, 'ESTABLISHED', owner(101, 'bench-client')), make('127.0.0.1', SERVER_PORT, '127.0.0.1', port, 'ESTABLISHED', owner(100, 'bench-server'))];
  };
  let open = Array.from({ length: pairs }, pairOf);
  // A browser: 200 hosts (documentation addresses, data only), a connection every 5 s, 30 s each.
  let browser = [];
  let browserPort = 40_000;
  const churn = Math.max(1, Math.round(pairs / 100)) * stepS;
  const delta = (at, added, removedKeys, total) => ({
    seq: 0,
    capturedAt: at,
    added,
    changed: [],
    removedKeys,
    aggregates: { byPort: [], byProcess: [], byRemoteHost: [], byState: { ESTABLISHED: total, LISTEN: statics.length } },
    counters: { total, established: total, listening: statics.length, udp: 0, newLastMinute: 0, closedLastMinute: 0 },
    status: { ok: true, error: null, errorKind: null, durationMs: 1, polledAt: at, intervalMs: 1000, paused: false, source: 'synthetic', notices: [] },
  });
  const rows = () => [...statics, ...open.flat(), ...browser.map((b) => b.row)];
  const rates = [{ name: 'lo', rxBytesPerSec: 1e6, txBytesPerSec: 1e6 }];
  const t0 = performance.now();
  journal.delta(delta(clock.t, [], [], pairs * 2), { rows, interfaces: () => rates });
  const ticks = Math.floor((days * DAY) / (stepS * 1000));
  for (let i = 1; i <= ticks; i++) {
    clock.t = start + i * stepS * 1000;
    const closing = open.slice(0, churn);
    const fresh = Array.from({ length: churn }, pairOf);
    open = [...open.slice(churn), ...fresh];
    const removed = closing.flat().map((r) => r.key);
    const added = fresh.flat();
    browser = browser.filter((b) => {
      if (b.until > clock.t) return true;
      removed.push(b.row.key);
      return false;
    });
    for (let s = 0; s < stepS; s += 5) {
      const host = (i * 7 + s) % 200;
      const row = make('192.168.1.10', browserPort++, `198.51.100.${host}`, 443, 'ESTABLISHED', owner(300, 'firefox'));
      if (browserPort > 50_000) browserPort = 40_000;
      browser.push({ row, until: clock.t + 30_000 });
      added.push(row);
    }
    journal.delta(delta(clock.t, added, removed, open.length * 2 + browser.length), { rows, interfaces: () => rates });
    if (i % Math.floor(ticks / 10) === 0) process.stdout.write(`  ${Math.round((i / ticks) * 100)} %\r`);
  }
  const synthSeconds = (performance.now() - t0) / 1000;
  journal.close();
  console.log(`  wrote ${days} days in ${synthSeconds.toFixed(0)} s`);
  return synthSeconds;
}

/** The queries, on a fresh connection, as the CLI or the UI's request would run them. */
async function queries(lib, file, days, start, end, synthSeconds) {
  const bytes = statSync(file).size;
  console.log(`  ${file}: ${(bytes / 1e6).toFixed(0)} MB, ${(bytes / days / 1e6).toFixed(0)} MB per day`);

  const reader = await lib.NodeJournal.open({ file, now: () => end, retentionDays: days + 1, cleanupEveryMs: Number.MAX_SAFE_INTEGER });
  const sessions = reader.reader.stats().sessions;
  const time = (fn) => {
    const t = performance.now();
    const n = fn();
    return { ms: performance.now() - t, n };
  };
  const moments = Array.from({ length: 7 }, (_, k) => start + ((k + 1) * (end - start)) / 8);
  const asOf = moments.map((at) => time(() => [...reader.reader.asOf(at)].length));
  const range = { from: start, to: end };
  const heavy = Array.from({ length: 5 }, () => time(() => reader.reader.processHistory('bench-client', range).connections));
  const light = Array.from({ length: 5 }, () => time(() => reader.reader.processHistory('firefox', range).talkedTo.length));
  const hour = Array.from({ length: 3 }, (_, k) => time(() => [...reader.reader.sessions({ from: moments[k], to: moments[k] + 3_600_000 }, { process: 'firefox' })].length));
  reader.close();
  const r = {
    synthSeconds,
    bytes,
    bytesPerDay: bytes / days,
    sessions,
    asOfMs: median(asOf.map((x) => x.ms)),
    asOfMaxMs: Math.max(...asOf.map((x) => x.ms)),
    asOfRows: median(asOf.map((x) => x.n)),
    heavyMs: median(heavy.map((x) => x.ms)),
    heavyConnections: heavy[0].n,
    lightMs: median(light.map((x) => x.ms)),
    lightHosts: light[0].n,
    hourMs: median(hour.map((x) => x.ms)),
    hourRows: median(hour.map((x) => x.n)),
  };
  console.log(`  ${sessions} sessions; as of a moment: ${r.asOfMs.toFixed(0)} ms median (max ${r.asOfMaxMs.toFixed(0)}) for ${r.asOfRows} rows`);
  console.log(`  ${days}-day history of bench-client (${r.heavyConnections} connections): ${r.heavyMs.toFixed(1)} ms; of firefox (${r.lightHosts} hosts): ${r.lightMs.toFixed(1)} ms`);
  console.log(`  one hour of firefox's sessions (${r.hourRows} rows, streamed): ${r.hourMs.toFixed(1)} ms`);
  return r;
}

function summary(r) {
  const mb = (b) => `${(b / 1e6).toFixed(0)} MB`;
  return [
    '| measure | result | target |',
    '|---|---|---|',
    `| journal CPU per poll vs the collector's (${r.live.rows} rows, 1 % churn/s) | ${r.live.ratio.toFixed(3)}× (${r.live.journalMs.toFixed(2)} vs ${r.live.collectorMs.toFixed(1)} ms; max ${r.live.journalMaxMs.toFixed(1)} ms) | ≤ 0.25× |`,
    `| disk per day at that rate | ${mb(r.week.bytesPerDay)} synthesized; live: ${r.live.bytesPerSession.toFixed(0)} B per session, ${mb(r.live.nominalBytesPerDay)} at the nominal churn (${mb(r.live.bytesPerDay)} at the ${r.live.sessionsPerSecond.toFixed(1)} sessions/s observed) | — |`,
    `| "as of" over ${r.days} days (${r.week.sessions} sessions, ${r.week.asOfRows} rows returned) | ${r.week.asOfMs.toFixed(0)} ms median, ${r.week.asOfMaxMs.toFixed(0)} ms max | ≤ 200 ms |`,
    `| one process's ${r.days}-day history (bench-client, ${r.week.heavyConnections} connections) | ${r.week.heavyMs.toFixed(1)} ms (firefox, ${r.week.lightHosts} hosts: ${r.week.lightMs.toFixed(1)} ms) | ≤ 100 ms |`,
  ].join('\n');
}

await main();
