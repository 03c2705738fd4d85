#!/usr/bin/env node
// `npm run bench:heartbeat`: what the heartbeat of the RPC layer costs a `serve` connection, as a
// ratio against the same idle connection without it, measured in the same run. The real pieces,
// bundled on the fly from src/: serve's WebSocket session (ws-session.ts, with its default
// heartbeat or none) and the browser's client (ws-client.ts, likewise), N clients over loopback,
// each subscribed to deltas of the core Collector polling a static synthetic table once a second
// (an idle machine: every delta carries only counters, aggregates and the status).
//
// Bytes: every frame counted as it crosses the client's socket, both ways (payload and WebSocket
// header; a client's frames carry a 4-byte mask), by kind: deltas, and the heartbeat's pings and
// pongs. Counting frames, not socket totals, keeps the figure exact although a window holds 59 or
// 60 polls. CPU: this process (server and clients both live here), user + system, per client; the
// phases alternate (off, on, off, on, …) and the median of each is reported, as the machine is shared.
//
//   node scripts/bench-heartbeat.mjs [--clients 100] [--seconds 60] [--rows 500] [--rounds 2]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import WebSocket, { WebSocketServer } from 'ws';
import { bundleForBench, median } from './bench-lib.mjs';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '60' },
    rows: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '2' },
  },
});
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.seconds);
const ROWS = Number(values.rows);
const ROUNDS = Number(values.rounds);
if (!(ROUNDS >= 1 && ROUNDS <= 10)) throw new Error('--rounds 1…10');
if (!(CLIENTS >= 1 && CLIENTS <= 1000) || !(SECONDS >= 10 && SECONDS <= 3600) || !(ROWS >= 1 && ROWS <= 100_000)) {
  throw new Error('--clients 1…1000, --seconds 10…3600, --rows 1…100000');
}
const WARMUP_MS = 10_000;

const { attachWsSession } = await bundleForBench('src/cli/serve/ws-session.ts');
const { createWebSocketApi } = await bundleForBench('src/renderer/transport/ws-client.ts');
const { Collector } = await bundleForBench('src/main/core/collector.ts');
const { makeConnection } = await bundleForBench('tests/support/connections.ts');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const header = (bytes) => (bytes < 126 ? 2 : bytes < 65_536 ? 4 : 10) + (bytes >= 16 * 1024 ? 2 : 0);

/** Bytes on the wire by kind of frame, both ways. */
const wire = { delta: 0, heartbeat: 0, other: 0, counting: false };
const kindOf = (text) => {
  const t = /^\{"t":"(\w+)"(?:,"ev":"(\w+)")?/.exec(text);
  return t?.[1] === 'ping' || t?.[1] === 'pong' ? 'heartbeat' : t?.[2] === 'onSnapshotDelta' ? 'delta' : 'other';
};
/** A `ws` client whose frames are counted. */
function countedSocket(url) {
  const ws = new WebSocket(url);
  ws.on('message', (data) => {
    if (wire.counting) wire[kindOf(String(data))] += data.length + header(data.length);
  });
  const send = ws.send.bind(ws);
  ws.send = (data, ...rest) => {
    if (wire.counting) wire[kindOf(String(data))] += Buffer.byteLength(data) + header(Buffer.byteLength(data)) + 4;
    return send(data, ...rest);
  };
  return ws;
}
const clock = { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h) };

/** One measured phase: `heartbeat` true (the defaults) or false (off on both sides). */
async function phase(heartbeat) {
  const table = Array.from({ length: ROWS }, (_, i) => makeConnection({ localPort: 10_000 + i, state: i % 10 === 0 ? 'LISTEN' : 'ESTABLISHED' }));
  const source = { name: 'static', read: async () => ({ rows: table.map((row) => ({ ...row })), source: 'static', notices: [] }) };
  const collector = new Collector({ clock, source, hostname: 'bench', settings: { pollIntervalMs: 1000, closedRetentionMs: 10_000, reverseDns: false } });
  const listeners = new Set();
  const poll = setInterval(() => void collector.tick().then((delta) => listeners.forEach((listener) => listener(delta))), 1000);
  await collector.tick();
  const unsupported = async () => {
    throw new Error('not part of this benchmark');
  };
  const service = {
    handlers: new Proxy({ getSnapshot: async () => collector.snapshot() }, { get: (target, key) => target[key] ?? unsupported }),
    subscribe: (event, listener) => {
      if (event !== 'onSnapshotDelta') return () => undefined;
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onNotice: () => () => undefined,
    stop: async () => undefined,
  };
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => {
    attachWsSession(ws, { service, maxRequestsPerSecond: 50, ...(heartbeat ? {} : { heartbeat: null }), onDisconnect: (reason) => console.error(`disconnected: ${reason}`) });
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${http.address().port}/`;
  const clients = [];
  for (let i = 0; i < CLIENTS; i += 1) {
    const client = createWebSocketApi(url, { connect: countedSocket, ...(heartbeat ? {} : { heartbeat: null }) });
    client.api.onSnapshotDelta(() => undefined);
    clients.push(client);
  }
  await sleep(WARMUP_MS);
  Object.assign(wire, { delta: 0, heartbeat: 0, other: 0, counting: true });
  const cpuBefore = process.cpuUsage();
  await sleep(SECONDS * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  wire.counting = false;
  const perClientSecond = (n) => n / CLIENTS / SECONDS;
  const result = {
    deltaBytes: perClientSecond(wire.delta),
    heartbeatBytes: perClientSecond(wire.heartbeat),
    otherBytes: perClientSecond(wire.other),
    cpuUs: perClientSecond((cpu.user + cpu.system)),
  };
  clients.forEach((client) => client.close());
  clearInterval(poll);
  wss.clients.forEach((ws) => ws.terminate());
  await new Promise((resolve) => wss.close(resolve));
  await new Promise((resolve) => http.close(resolve));
  return result;
}

const offs = [];
const ons = [];
for (let round = 0; round < ROUNDS; round += 1) {
  offs.push(await phase(false));
  ons.push(await phase(true));
}
const med = (list, key) => median(list.map((r) => r[key]));
const off = { bytes: med(offs, 'deltaBytes') + med(offs, 'heartbeatBytes') + med(offs, 'otherBytes'), cpu: med(offs, 'cpuUs') };
const heartbeatBytes = med(ons, 'heartbeatBytes');
const on = { bytes: med(ons, 'deltaBytes') + heartbeatBytes + med(ons, 'otherBytes'), cpu: med(ons, 'cpuUs') };
const f = (n, digits = 1) => n.toFixed(digits);
process.stdout.write(
  `bench:heartbeat  ${CLIENTS} idle clients subscribed to deltas of a ${ROWS}-row table polled every second; ${ROUNDS} rounds of ${SECONDS} s per phase (medians)\n` +
    `  without heartbeat (baseline)   ${f(off.bytes)} B/s (deltas) and ${f(off.cpu)} µs CPU per client per second\n` +
    `  with the default heartbeat     ${f(on.bytes)} B/s (heartbeat ${f(heartbeatBytes)} B/s) and ${f(on.cpu)} µs CPU per client per second\n` +
    `  ratio (with / without)         bytes ×${f(on.bytes / off.bytes, 4)}, CPU ×${f(on.cpu / off.cpu, 3)}\n` +
    `  CPU per round, without         ${offs.map((r) => f(r.cpuUs)).join(', ')} µs/s; with ${ons.map((r) => f(r.cpuUs)).join(', ')} µs/s\n`,
);
process.exit(0);
