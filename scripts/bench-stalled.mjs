#!/usr/bin/env node
// `npm run bench:stalled`: what clients that stop reading cost the real `portwatch serve`. The built
// serve (out/main/cli.js: run `npm run build` first) under a load of loopback sockets
// (scripts/loadgen.mjs), with one healthy client asking for its settings every 200 ms and, after a
// baseline minute, 5 hostile clients (raw sockets that complete the WebSocket handshake, subscribe to
// deltas, ask for a snapshot 20 times a second, within the rate limit, and never read; each comes
// back when serve cuts it off) for `--seconds`. serve's RSS is sampled every second.
//
// Reported: RSS during the stall against the same serve's RSS over the baseline minute (median,
// same run), the healthy client's latency in both phases, and how often serve cut a stalled client
// off (its stderr says why). Loopback only.
//
//   npm run build && node scripts/bench-stalled.mjs [--seconds 60] [--pairs 1000] [--baseline 60]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { bundleForBench, median } from './bench-lib.mjs';
import { startLoadgen } from './loadgen.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    pairs: { type: 'string', default: '1000' },
    baseline: { type: 'string', default: '60' },
  },
});
const SECONDS = Number(values.seconds);
const PAIRS = Number(values.pairs);
const BASELINE = Number(values.baseline);
if (!(SECONDS >= 5 && SECONDS <= 3600) || !(PAIRS >= 0 && PAIRS <= 10_000) || !(BASELINE >= 5 && BASELINE <= 600)) {
  throw new Error('--seconds 5…3600, --pairs 0…10000, --baseline 5…600');
}
const STALLED = 5;
const REQUESTS_PER_SECOND = 20;

const { startBuiltServe } = await bundleForBench('tests/support/serve.ts');
const { openStalledClient } = await bundleForBench('tests/support/stalled-client.ts');
const { createWebSocketApi } = await bundleForBench('src/renderer/transport/ws-client.ts');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (kib) => kib / 1024;
const load = await startLoadgen({ pairs: PAIRS });
const config = mkdtempSync(join(tmpdir(), 'pw-bench-stalled-'));
const serve = await startBuiltServe(['--config-dir', config]);
const healthy = createWebSocketApi(serve.wsUrl, { connect: (url) => new WebSocket(url, serve.wsProtocols) });
const snapshotKiB = JSON.stringify(await healthy.api.getSnapshot()).length / 1024;

/** Samples RSS every second and the healthy client's latency every 200 ms for `seconds`. */
async function observe(seconds) {
  const rss = [];
  const latency = [];
  const end = Date.now() + seconds * 1000;
  let nextSample = Date.now();
  while (Date.now() < end) {
    if (Date.now() >= nextSample) {
      rss.push(serve.rssKiB());
      nextSample += 1000;
    }
    const asked = performance.now();
    await healthy.api.getSettings();
    latency.push(performance.now() - asked);
    await sleep(200);
  }
  return { rss, latency };
}

await sleep(5000); // past start-up (first polls, the first snapshot)
const baseline = await observe(BASELINE);

let stopped = false;
let opened = 0;
let nextId = 1;
const stall = async () => {
  while (!stopped) {
    let client;
    try {
      client = await openStalledClient(serve.port, '/ws', serve.wsHeaders);
    } catch {
      await sleep(100);
      continue;
    }
    opened += 1;
    client.send(JSON.stringify({ t: 'sub', ev: 'onSnapshotDelta', on: true }));
    while (!stopped && !client.closed()) {
      client.send(JSON.stringify({ t: 'req', id: nextId++, m: 'getSnapshot', a: [] }));
      await sleep(1000 / REQUESTS_PER_SECOND);
    }
    client.destroy();
  }
};
const slots = Array.from({ length: STALLED }, () => stall());
const stalled = await observe(SECONDS);
stopped = true;
await Promise.all(slots);
const cutOff = serve.stderr().split('\n').filter((line) => line.startsWith('portwatch serve: disconnected a client: '));
healthy.close();
await serve.stop();
await load.stop();
rmSync(config, { recursive: true, force: true });

const base = median(baseline.rss);
const peak = Math.max(...stalled.rss);
const last = stalled.rss[stalled.rss.length - 1];
const firstHalf = Math.max(...stalled.rss.slice(0, Math.ceil(stalled.rss.length / 2)));
const p = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
process.stdout.write(
  `bench:stalled  ${STALLED} clients that never read, ${REQUESTS_PER_SECOND} snapshot requests/s each, for ${SECONDS} s; ` +
    `loadgen ${PAIRS} pairs (snapshot ${snapshotKiB.toFixed(0)} KiB)\n` +
    `  serve RSS, baseline median      ${mib(base).toFixed(1)} MiB (${BASELINE} s before the stall, same run)\n` +
    `  serve RSS, peak during stall    ${mib(peak).toFixed(1)} MiB  (+${mib(peak - base).toFixed(1)} MiB, ×${(peak / base).toFixed(2)})\n` +
    `  peak in the first half          ${mib(firstHalf).toFixed(1)} MiB; at the end ${mib(last).toFixed(1)} MiB\n` +
    `  healthy client, baseline        median ${median(baseline.latency).toFixed(1)} ms, p99 ${p(baseline.latency, 0.99).toFixed(1)} ms\n` +
    `  healthy client, during stall    median ${median(stalled.latency).toFixed(1)} ms, p99 ${p(stalled.latency, 0.99).toFixed(1)} ms, max ${Math.max(...stalled.latency).toFixed(1)} ms\n` +
    `  stalled connections opened      ${opened}, cut off by serve ${cutOff.length}\n` +
    `  a reason given                  ${cutOff[0]?.replace('portwatch serve: disconnected a client: ', '') ?? '(none)'}\n`,
);
process.exit(0);
