#!/usr/bin/env node
// `npm run soak -- --minutes 60 --rate 500`: runs the built `portwatch serve` with one WebSocket
// client attached (subscribed to deltas, re-fetching on gaps like the UI) while this script opens and
// closes `rate` loopback TCP connections per second. Loopback only; stops by itself.
//
// What is measured, and why this way:
// - Warm-up (default 120 s, at most half the run) must outlast TIME_WAIT (60 s on Linux): until then
//   the socket table itself grows by `rate` rows a second, which is load, not a leak.
// - One RSS reading is noisy (GC timing, allocator): the comparison is between the MEDIAN of the
//   first minute after warm-up and the median of the last minute (steady state), plus the
//   least-squares slope over the whole measured span, projected to 60 minutes.
// - The history ring buffer (one sample per poll, one hour deep) keeps filling for the first hour:
//   bounded, by design. Its share is reported (samples held and their JSON size) so a short run is
//   not misread; only a run of more than 60 minutes shows the plateau.
// - serve runs with --inspect on a loopback port so the script can force a GC and read the main
//   thread's heap (process.memoryUsage) at the same points: a heap that keeps growing after GC is a
//   leak; RSS alone can be allocator slack.
//
//   npm run build && npm run soak -- --minutes 60 --rate 500 [--warmup 120]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { ROOT } from './electron-binary.mjs';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '120' },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
if (!(minutes > 0) || !(rate > 0) || rate > 5000) throw new Error('--minutes must be > 0 and --rate from 1 to 5000');
const warmupSeconds = Math.min(Number(values.warmup), minutes * 30);
if (!(warmupSeconds >= 0)) throw new Error('--warmup must be a number of seconds ≥ 0');

const status = (pid) => readFileSync(`/proc/${pid}/status`, 'utf8');
const kb = (text, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN);
const mib = (kib) => (kib / 1024).toFixed(1);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A loopback server the churn connects to; it accepts and closes at once (plus TIME_WAIT rows).
const sink = createServer((socket) => socket.end());
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkPort = sink.address().port;

const config = mkdtempSync(join(tmpdir(), 'pw-soak-'));
const serve = spawn(process.execPath, ['--inspect=127.0.0.1:0', join(ROOT, 'out/main/cli.js'), 'serve', '--config-dir', config], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
let inspectorUrl;
serve.stderr.on('data', (chunk) => {
  const match = /ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+/.exec(String(chunk));
  if (match && !inspectorUrl) inspectorUrl = match[0];
  else if (!/Debugger|inspector|For help/.test(String(chunk))) process.stderr.write(chunk);
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  serve.stdout.on('data', (chunk) => {
    out += chunk;
    const match = /http:\/\/127\.0\.0\.1:(\d+)\/#token=([0-9a-f]+)/.exec(out);
    if (match) resolve({ port: match[1], token: match[2] });
  });
  serve.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
});

// The inspector: force a GC, then read memoryUsage, in the main thread and in the collector's worker
// thread (reached through the NodeWorker domain): each thread has its own V8 heap.
const inspector = new WebSocket(inspectorUrl);
await new Promise((resolve, reject) => inspector.once('open', resolve).once('error', reject));
let inspectorId = 0;
const inspectorWaiting = new Map();
const workerSessions = [];
inspector.on('message', (data) => {
  const msg = JSON.parse(String(data));
  if (msg.method === 'NodeWorker.attachedToWorker') workerSessions.push(msg.params.sessionId);
  const inner = msg.method === 'NodeWorker.receivedMessageFromWorker' ? JSON.parse(msg.params.message) : msg;
  if (inner.id !== undefined) {
    inspectorWaiting.get(inner.id)?.(inner.result);
    inspectorWaiting.delete(inner.id);
  }
});
const inspect = (method, params = {}, sessionId = null) =>
  new Promise((resolve) => {
    const id = ++inspectorId;
    inspectorWaiting.set(id, resolve);
    const message = JSON.stringify({ id, method, params });
    inspector.send(sessionId === null ? message : JSON.stringify({ id: ++inspectorId, method: 'NodeWorker.sendMessageToWorker', params: { sessionId, message } }));
  });
await inspect('NodeWorker.enable', { waitForDebuggerOnStart: false });
const heapAfterGc = async (sessionId = null) => {
  await inspect('HeapProfiler.collectGarbage', {}, sessionId);
  const result = await inspect('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }, sessionId);
  return JSON.parse(result.result.value);
};
const heaps = async () => ({ main: await heapAfterGc(), workers: await Promise.all(workerSessions.map((id) => heapAfterGc(id))) });

// One client, like the UI: subscribe, fetch the snapshot, follow seqs, re-fetch on gaps.
// Authenticated as the page is: the protocol version and the token as subprotocols.
const ws = new WebSocket(`ws://127.0.0.1:${url.port}/ws`, ['portwatch.v1', `portwatch.token.${url.token}`]);
let seq = -1;
let nextId = 1;
let deltas = 0;
let refetches = 0;
let bytes = 0;
let rows = 0;
const pending = new Map();
const call = (m, a = []) =>
  new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ t: 'req', id, m, a }));
  });
const refresh = () => call('getSnapshot').then((v) => v && typeof v.seq === 'number' && ((seq = v.seq), (rows = v.rows.length)));
ws.on('message', (data) => {
  bytes += data.length;
  const frame = JSON.parse(String(data));
  // Answer serve's heartbeat, as the browser client does.
  if (frame.t === 'ping') ws.send(JSON.stringify({ t: 'pong', n: frame.n }));
  if (frame.t === 'res') {
    pending.get(frame.id)?.(frame.ok ? frame.v : undefined);
    pending.delete(frame.id);
  }
  if (frame.t === 'evt' && frame.ev === 'onSnapshotDelta') {
    deltas += 1;
    if (seq >= 0 && frame.p.seq !== seq + 1) {
      refetches += 1;
      void refresh();
    }
    seq = frame.p.seq;
  }
});
await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
ws.send(JSON.stringify({ t: 'sub', ev: 'onSnapshotDelta', on: true }));
await refresh();

// History held by serve: samples in the last hour and their size as JSON (the ring buffer's share).
const historyInfo = async () => {
  const history = await call('getHistory', [{ durationMs: 3_600_000 }]);
  return { samples: history?.samples?.length ?? NaN, bytes: JSON.stringify(history ?? {}).length };
};

// Churn: `rate` short connections per second, in 10 batches a second. Completed connections and
// failures are counted, so the report states the rate achieved, not only the one asked for.
let connected = 0;
const failures = new Map();
const churn = setInterval(() => {
  for (let i = 0; i < rate / 10; i += 1) {
    const socket = createConnection({ host: '127.0.0.1', port: sinkPort });
    socket.on('error', (error) => failures.set(error.code ?? error.message, (failures.get(error.code ?? error.message) ?? 0) + 1));
    socket.on('connect', () => {
      connected += 1;
      socket.end();
    });
  }
}, 100);

const samples = [];
const started = Date.now();
const sampler = setInterval(() => {
  const text = status(serve.pid);
  samples.push({ t: (Date.now() - started) / 1000, rss: kb(text, 'VmRSS'), anon: kb(text, 'RssAnon') });
}, 5000);

await sleep(warmupSeconds * 1000);
await refresh();
const startHeap = await heaps();
const connectedAtBaseline = connected;
const startHistory = await historyInfo();
process.stdout.write(
  `soak: warm-up ${warmupSeconds} s done (${rows} rows in the table), serve RSS ${mib(kb(status(serve.pid), 'VmRSS'))} MiB; ` +
    `measuring ${(minutes - warmupSeconds / 60).toFixed(1)} min at ${rate} connections/s\n`,
);
await sleep(minutes * 60_000 - warmupSeconds * 1000);
const achievedRate = (connected - connectedAtBaseline) / (minutes * 60 - warmupSeconds);
await refresh();
const endHeap = await heaps();
const endHistory = await historyInfo();

clearInterval(churn);
clearInterval(sampler);
ws.close();
inspector.close();
serve.kill('SIGTERM');
sink.close();

const measured = samples.filter((s) => s.t >= warmupSeconds);
const first = measured.filter((s) => s.t < warmupSeconds + 60).map((s) => s.rss);
const last = measured.filter((s) => s.t >= minutes * 60 - 60).map((s) => s.rss);
const baseline = median(first);
const end = median(last);
const growth = ((end - baseline) / baseline) * 100;
// Least-squares slope of RSS, KiB per second → % of baseline per hour, from the end of the first
// measured minute: the snapshot and history fetched at the end of warm-up make a one-off step there.
const trendSamples = measured.filter((s) => s.t >= warmupSeconds + 60);
const meanT = trendSamples.reduce((a, s) => a + s.t, 0) / trendSamples.length;
const meanR = trendSamples.reduce((a, s) => a + s.rss, 0) / trendSamples.length;
const slope =
  trendSamples.reduce((a, s) => a + (s.t - meanT) * (s.rss - meanR), 0) / Math.max(1e-9, trendSamples.reduce((a, s) => a + (s.t - meanT) ** 2, 0));
// Median RSS per minute of the run, to see the shape (warm-up included).
const perMinute = [];
for (let m = 0; m * 60 < minutes * 60; m += 1) perMinute.push(median(samples.filter((s) => s.t >= m * 60 && s.t < (m + 1) * 60).map((s) => s.rss)));
const perHour = ((slope * 3600) / baseline) * 100;
const peak = Math.max(...samples.map((s) => s.rss));
const historyGrowthKib = (endHistory.bytes - startHistory.bytes) / 1024;
process.stdout.write(
  `soak: ${minutes} min (${warmupSeconds} s warm-up), ${rate} conn/s, ${rows} rows at end, ${deltas} deltas (${refetches} gap re-fetches, ${(bytes / 1048576).toFixed(1)} MiB received)\n` +
    `soak: churn achieved ${achievedRate.toFixed(0)} connections/s after warm-up (${connected} in all; failures: ${failures.size === 0 ? 'none' : [...failures].map(([k, v]) => `${k} ×${v}`).join(', ')})\n` +
    `soak: serve RSS median first minute after warm-up ${mib(baseline)} MiB, last minute ${mib(end)} MiB, peak ${mib(peak)} MiB: growth ${growth.toFixed(1)} % (target ≤ 10 %)\n` +
    `soak: RSS trend after the first measured minute ${(slope * 60 / 1024).toFixed(2)} MiB/min (≈ ${perHour.toFixed(1)} % of the baseline per hour)\n` +
    `soak: RSS median per minute (MiB): ${perMinute.map((k) => mib(k)).join(' ')}\n` +
    `soak: main-thread heap after GC ${mib(startHeap.main.heapUsed / 1024)} → ${mib(endHeap.main.heapUsed / 1024)} MiB (heap reserved ${mib(startHeap.main.heapTotal / 1024)} → ${mib(endHeap.main.heapTotal / 1024)}); external ${mib(startHeap.main.external / 1024)} → ${mib(endHeap.main.external / 1024)} MiB\n` +
    startHeap.workers
      .map(
        (w, i) =>
          `soak: worker ${i} heap after GC ${mib(w.heapUsed / 1024)} → ${mib((endHeap.workers[i]?.heapUsed ?? NaN) / 1024)} MiB (heap reserved ${mib(w.heapTotal / 1024)} → ${mib((endHeap.workers[i]?.heapTotal ?? NaN) / 1024)}); external ${mib(w.external / 1024)} → ${mib((endHeap.workers[i]?.external ?? NaN) / 1024)} MiB\n`,
      )
      .join('') +
    `soak: history ring ${startHistory.samples} → ${endHistory.samples} samples, JSON ${(startHistory.bytes / 1024).toFixed(0)} → ${(endHistory.bytes / 1024).toFixed(0)} KiB (+${historyGrowthKib.toFixed(0)} KiB, bounded: fills in 60 min)\n`,
);
process.exit(growth <= 10 ? 0 : 1);
