#!/usr/bin/env node
// `npm run soak -- --minutes 60 --rate 500`: runs the built `portwatch serve` with one WebSocket
// client attached (subscribed to deltas, re-fetching on gaps like the UI) while this script opens and
// closes `rate` loopback TCP connections per second. Reports serve's RSS growth from the end of a
// warm-up to the end of the run (target ≤ 10 %). Loopback only; stops by itself.
//
//   npm run build && npm run soak -- --minutes 60 --rate 500 [--interval 1000]
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
    interval: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '30' },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const warmupSeconds = Math.min(Number(values.warmup), minutes * 30);
if (!(minutes > 0) || !(rate > 0)) throw new Error('--minutes and --rate must be positive numbers');

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

// A loopback server the churn connects to; it accepts and closes at once (plus TIME_WAIT rows).
const sink = createServer((socket) => socket.end());
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkPort = sink.address().port;

const config = mkdtempSync(join(tmpdir(), 'pw-soak-'));
const serve = spawn(process.execPath, [join(ROOT, 'out/main/cli.js'), 'serve', '--config-dir', config], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  serve.stdout.on('data', (chunk) => {
    out += chunk;
    const match = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]+)/.exec(out);
    if (match) resolve({ port: match[1], token: match[2] });
  });
  serve.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
});
await fetch(`http://127.0.0.1:${url.port}/?token=${url.token}`).then((r) => r.text());
await fetch(`http://127.0.0.1:${url.port}/`, { method: 'GET' }).catch(() => undefined);

// One client, like the UI: subscribe, fetch the snapshot, follow seqs, re-fetch on gaps.
const ws = new WebSocket(`ws://127.0.0.1:${url.port}/ws?token=${url.token}`);
let seq = -1;
let nextId = 1;
let deltas = 0;
let refetches = 0;
let bytes = 0;
const getSnapshot = () => ws.send(JSON.stringify({ t: 'req', id: nextId++, m: 'getSnapshot', a: [] }));
ws.on('open', () => {
  ws.send(JSON.stringify({ t: 'sub', ev: 'onSnapshotDelta', on: true }));
  getSnapshot();
});
ws.on('message', (data) => {
  bytes += data.length;
  const frame = JSON.parse(String(data));
  if (frame.t === 'res' && frame.ok && frame.v && typeof frame.v.seq === 'number') seq = frame.v.seq;
  if (frame.t === 'evt' && frame.ev === 'onSnapshotDelta') {
    deltas += 1;
    if (seq >= 0 && frame.p.seq !== seq + 1) {
      refetches += 1;
      getSnapshot();
    }
    seq = frame.p.seq;
  }
});

// Churn: `rate` short connections per second, in 10 batches a second.
const churn = setInterval(() => {
  for (let i = 0; i < rate / 10; i += 1) {
    const socket = createConnection({ host: '127.0.0.1', port: sinkPort });
    socket.on('error', () => undefined);
    socket.on('connect', () => socket.end());
  }
}, 100);

const samples = [];
const started = Date.now();
const sampler = setInterval(() => samples.push({ t: (Date.now() - started) / 1000, rss: rssKb(serve.pid) }), 5000);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
await sleep(warmupSeconds * 1000);
const baseline = rssKb(serve.pid);
process.stdout.write(`soak: warm-up done, serve RSS ${Math.round(baseline / 1024)} MiB; running ${minutes} min at ${rate} connections/s\n`);
await sleep(minutes * 60_000 - warmupSeconds * 1000);
const end = rssKb(serve.pid);
const peak = Math.max(...samples.map((s) => s.rss));

clearInterval(churn);
clearInterval(sampler);
ws.close();
serve.kill('SIGTERM');
sink.close();
const growth = ((end - baseline) / baseline) * 100;
process.stdout.write(
  `soak: ${minutes} min, ${rate} conn/s, ${deltas} deltas (${refetches} gap re-fetches, ${(bytes / 1048576).toFixed(1)} MiB received)\n` +
    `soak: serve RSS after warm-up ${Math.round(baseline / 1024)} MiB, at end ${Math.round(end / 1024)} MiB, peak ${Math.round(peak / 1024)} MiB: growth ${growth.toFixed(1)} % (target ≤ 10 %)\n`,
);
process.exit(growth <= 10 ? 0 : 1);
