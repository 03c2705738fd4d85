#!/usr/bin/env node
// `npm run bench:sockets`: the cost of one read of the socket table, per reader, at a few table
// sizes, in one run, as ratios against systeminformation.networkConnections() (the baseline: the
// product's portable source). Loopback load from scripts/loadgen.mjs.
//
//   node scripts/bench-sockets.mjs [--pairs 0,1000,5000] [--runs 9]
//
// Readers:
//   si            si.networkConnections() alone (netstat path here): incomplete, names cut
//   source:si     our 'systeminformation' source: si + the /proc supplement, normalized, owned, annotated
//   source:proc   our 'linux-proc' source: /proc tables + fd scan, normalized, owned, annotated
//   ss            `ss -tuanp` printing its table (the tool users compare with; no parsing)
// Cost = median of --runs after one warm-up; CPU counts this process and its child processes
// (children from /proc/self/stat, 10 ms ticks). The TypeScript source is bundled once with Vite.
import { exec } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import si from 'systeminformation';
import { startLoadgen } from './loadgen.mjs';
import { bundleForBench, median } from './bench-lib.mjs';

const { values } = parseArgs({ options: { pairs: { type: 'string', default: '0,1000,5000' }, runs: { type: 'string', default: '9' } } });
const SIZES = values.pairs.split(',').map(Number);
const RUNS = Number(values.runs);
if (SIZES.some((n) => !Number.isInteger(n) || n < 0 || n > 20_000) || !Number.isInteger(RUNS) || RUNS < 1 || RUNS > 50) {
  console.error('usage: node scripts/bench-sockets.mjs [--pairs 0,1000,5000] [--runs 9]   (pairs 0–20000, runs 1–50)');
  process.exit(2);
}

function bundleSource() {
  return bundleForBench('src/main/node/socket-source.ts');
}

/** CPU ms of waited-for children so far (utime+stime of children, /proc/self/stat fields 16–17). */
function childCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[13]) + Number(rest[14])) * 1000) / 100;
}

async function measure(fn) {
  await fn(); // warm-up
  const walls = [];
  const cpus = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const k0 = childCpuMs();
    const t0 = performance.now();
    rows = await fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000 + (childCpuMs() - k0));
  }
    return { wall: median(walls), cpu: median(cpus), rows };
}

const ssRead = () =>
  new Promise((resolve, reject) => {
    exec('ss -tuanp', { maxBuffer: 256 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout.split('\n').length - 2)));
  });

const mod = await bundleSource();
const viaSi = mod.createSocketSource({ kind: 'systeminformation' });
const viaProc = mod.createSocketSource({ kind: 'linux-proc' });
const READERS = [
  ['si', async () => (await si.networkConnections()).length],
  ['source:si', async () => (await viaSi.read()).rows.length],
  ['source:proc', async () => (await viaProc.read()).rows.length],
  ['ss', ssRead],
];

const results = [];
for (const pairs of SIZES) {
  const lg = pairs > 0 ? await startLoadgen({ pairs, listeners: 10, udp: 10, udpConnected: 4, halfClose: 3, timeWait: 3 }) : null;
  try {
    const row = { pairs };
    for (const [name, fn] of READERS) row[name] = await measure(fn);
    results.push(row);
    const base = row.si;
    const fmt = (m) => `${m.wall.toFixed(0).padStart(5)} / ${m.cpu.toFixed(0).padStart(5)} ms (×${(m.cpu / base.cpu).toFixed(2)} CPU, ×${(m.wall / base.wall).toFixed(2)} wall)`;
    console.log(`pairs ${pairs}: rows si ${row.si.rows}, source:si ${row['source:si'].rows}, source:proc ${row['source:proc'].rows}, ss ${row.ss.rows}`);
    for (const [name] of READERS) console.log(`  ${name.padEnd(12)} wall / CPU ${fmt(row[name])}`);
  } finally {
    await lg?.stop();
  }
}
console.log(JSON.stringify({ runs: RUNS, results }));
