#!/usr/bin/env node
// `npm run bench:bridge`: what one poll costs on the WebSocket of `portwatch serve`, as a ratio of a
// full snapshot measured in the same run. The real pieces, bundled on the fly from src/: the core
// Collector (fed by a synthetic SocketSource of N realistic rows, default 20 000, of which 1 %
// change per tick: opened, closed, and state changes), served by the real startServeServer, read by
// a real `ws` client that subscribes to deltas and fetches one snapshot. Bytes are counted per
// frame as they cross the wire (payload + WebSocket frame header; the server sends uncompressed).
// Target: the median delta ≤ 5 % of the snapshot.
//
//   node scripts/bench-bridge.mjs [--rows 20000] [--churn 0.01] [--ticks 60]
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { bundleForBench, median } from './bench-lib.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    churn: { type: 'string', default: '0.01' },
    ticks: { type: 'string', default: '60' },
  },
});
const ROWS = Number(values.rows);
const CHURN = Number(values.churn);
const TICKS = Number(values.ticks);
if (!(ROWS >= 100 && ROWS <= 500_000) || !(CHURN > 0 && CHURN < 0.5) || !(TICKS >= 5 && TICKS <= 10_000)) {
  throw new Error('--rows 100…500000, --churn between 0 and 0.5, --ticks 5…10000');
}
const WARMUP_TICKS = 15; // past the first (everything-new) tick and the first closed-retention expiry
const POLL_MS = 1000;

const { Collector } = await bundleForBench('src/main/core/collector.ts');
const { startServeServer } = await bundleForBench('src/cli/serve/server.ts');
const { connectionKey } = await bundleForBench('src/shared/key.ts');
const { serveWsProtocols } = await bundleForBench('src/shared/serve-auth.ts');

// --- A synthetic, realistic socket table --------------------------------------------------------
let seed = 42;
const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const pick = (list) => list[Math.floor(rand() * list.length)];
const PROCS = Array.from({ length: 120 }, (_, i) => {
  const name = pick(['firefox', 'chrome', 'nginx', 'postgres', 'node', 'sshd', 'redis-server', 'java', 'python3', 'dockerd', 'systemd-resolve', 'code']);
  const pid = 1000 + i * 37;
  return { pid, name, path: `/usr/bin/${name}`, user: pick(['root', 'www-data', 'alice', 'postgres']), commandLine: `/usr/bin/${name} --worker ${i} --config /etc/${name}/${name}.conf`, startedAt: 1_700_000_000_000 + i * 1000 };
});
const SERVICES = {
  443: { name: 'https', description: 'http protocol over TLS/SSL', port: 443, portClass: 'well-known' },
  80: { name: 'http', description: 'World Wide Web HTTP', port: 80, portClass: 'well-known' },
  5432: { name: 'postgresql', description: 'PostgreSQL Database', port: 5432, portClass: 'registered' },
  22: { name: 'ssh', description: 'The Secure Shell (SSH) Protocol', port: 22, portClass: 'well-known' },
  6379: { name: 'redis', description: 'An advanced key-value cache and store', port: 6379, portClass: 'registered' },
};
let nextLocalPort = 32768;
function makeRow(kind) {
  const owner = pick(PROCS);
  const v6 = rand() < 0.3;
  const row = { protocol: 'tcp', family: v6 ? 6 : 4, inode: Math.floor(rand() * 1e7) + 1, owners: [owner], ownerVisibility: 'visible' };
  if (kind === 'listen') {
    const port = pick([22, 80, 443, 5432, 6379]) + (rand() < 0.9 ? Math.floor(rand() * 20000) + 1000 : 0);
    Object.assign(row, { localAddress: v6 ? '::' : pick(['0.0.0.0', '127.0.0.1']), localPort: port, remoteAddress: null, remotePort: null, state: 'LISTEN' });
    row.exposure = row.localAddress === '127.0.0.1' ? 'loopback' : 'all-interfaces';
    row.service = SERVICES[port] ? { ...SERVICES[port], side: 'local' } : null;
  } else if (kind === 'udp') {
    Object.assign(row, { protocol: 'udp', localAddress: v6 ? '::' : '0.0.0.0', localPort: 1024 + Math.floor(rand() * 60000), remoteAddress: null, remotePort: null, state: 'UNCONN', exposure: 'all-interfaces', service: null });
  } else {
    const remotePort = pick([443, 443, 443, 80, 5432, 22, 6379]);
    nextLocalPort = nextLocalPort >= 60999 ? 32768 : nextLocalPort + 1;
    Object.assign(row, {
      localAddress: v6 ? '2001:db8:1::10' : '192.168.1.10',
      localPort: nextLocalPort,
      remoteAddress: v6 ? `2001:db8:${Math.floor(rand() * 65535).toString(16)}::${Math.floor(rand() * 65535).toString(16)}` : `203.0.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`,
      remotePort,
      state: rand() < 0.9 ? 'ESTABLISHED' : pick(['TIME_WAIT', 'CLOSE_WAIT', 'FIN_WAIT2']),
      service: { ...SERVICES[remotePort], side: 'remote' },
      exposure: null,
    });
    if (row.state === 'TIME_WAIT') {
      row.owners = [];
      row.ownerVisibility = 'none';
    }
  }
  row.key = connectionKey(row);
  return row;
}
const table = new Map();
const add = (kind) => {
  for (;;) {
    const row = makeRow(kind);
    if (!table.has(row.key)) return table.set(row.key, row);
  }
};
for (let i = 0; i < ROWS * 0.02; i += 1) add('listen');
for (let i = 0; i < ROWS * 0.05; i += 1) add('udp');
while (table.size < ROWS) add('conn');

/** 1 % of the rows change per tick: 40 % opened, 40 % closed, 20 % change state. */
function churn() {
  const n = Math.round(ROWS * CHURN);
  const keys = [...table.keys()];
  for (let i = 0; i < n * 0.4; i += 1) table.delete(keys[Math.floor(rand() * keys.length)]);
  for (let i = 0; i < n * 0.2; i += 1) {
    const row = table.get(keys[Math.floor(rand() * keys.length)]);
    if (row && row.state === 'ESTABLISHED') table.set(row.key, { ...row, state: pick(['CLOSE_WAIT', 'FIN_WAIT1', 'FIN_WAIT2']) });
  }
  while (table.size < ROWS) add('conn');
}
// A fresh copy per read, as a real reader returns new objects each poll.
const source = { name: 'synthetic', read: async () => ({ rows: [...table.values()].map((row) => ({ ...row, owners: row.owners.map((o) => ({ ...o })) })), source: 'synthetic', notices: [] }) };

// --- The real collector behind a minimal service ------------------------------------------------
let now = 1_750_000_000_000;
const clock = { now: () => now, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h) };
const collector = new Collector({ clock, source, hostname: 'bench-host', settings: { pollIntervalMs: POLL_MS, closedRetentionMs: 10_000, reverseDns: false } });
const deltaListeners = new Set();
const unsupported = async () => {
  throw new Error('not part of this benchmark');
};
const service = {
  handlers: new Proxy({ getSnapshot: async () => collector.snapshot() }, { get: (target, key) => target[key] ?? unsupported }),
  subscribe: (event, listener) => {
    if (event !== 'onSnapshotDelta') return () => undefined;
    deltaListeners.add(listener);
    return () => deltaListeners.delete(listener);
  },
  onNotice: () => () => undefined,
  stop: async () => undefined,
};
const rendererDir = mkdtempSync(join(tmpdir(), 'pw-bench-bridge-'));
mkdirSync(join(rendererDir, 'assets'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Portwatch</title>');
const server = await startServeServer({ service, rendererDir, exportProducer: unsupported, host: '127.0.0.1', port: 0 });

// --- A real client, counting bytes per frame ------------------------------------------------------
const headerBytes = (payload) => (payload < 126 ? 2 : payload < 65_536 ? 4 : 10);
const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, serveWsProtocols(server.token));
await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
let waiting = null;
ws.on('message', (data) => {
  // serve sends a large payload as two fragments of one message (its head, then a buffer shared by
  // every client): two frame headers on the wire.
  const bytes = data.length + headerBytes(data.length) + (data.length >= 16 * 1024 ? 2 : 0);
  const frame = JSON.parse(String(data));
  // The heartbeat: answer, and leave it out of the count.
  if (frame.t === 'ping') {
    ws.send(JSON.stringify({ t: 'pong', n: frame.n }));
    return;
  }
  waiting?.({ frame, bytes });
});
const nextFrame = () => new Promise((resolve) => (waiting = resolve));
ws.send(JSON.stringify({ t: 'sub', ev: 'onSnapshotDelta', on: true }));
await new Promise((resolve) => setTimeout(resolve, 50));

const deltaBytes = [];
const deltaRows = [];
for (let tick = 0; tick < WARMUP_TICKS + TICKS; tick += 1) {
  if (tick > 0) churn();
  now += POLL_MS;
  const delta = await collector.tick();
  const arrived = nextFrame();
  deltaListeners.forEach((listener) => listener(delta));
  const { frame, bytes } = await arrived;
  if (frame.t !== 'evt' || frame.p.seq !== delta.seq) throw new Error(`unexpected frame ${JSON.stringify(frame).slice(0, 120)}`);
  if (tick >= WARMUP_TICKS) {
    deltaBytes.push(bytes);
    deltaRows.push(delta.added.length + delta.changed.length + delta.removedKeys.length);
  }
}
const arrived = nextFrame();
ws.send(JSON.stringify({ t: 'req', id: 1, m: 'getSnapshot', a: [] }));
const { frame: snapshotFrame, bytes: snapshotBytes } = await arrived;
if (snapshotFrame.t !== 'res' || !snapshotFrame.ok) throw new Error('getSnapshot failed');
ws.close();
await server.close();

const sorted = [...deltaBytes].sort((a, b) => a - b);
const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
const med = median(deltaBytes);
const ratio = (med / snapshotBytes) * 100;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
process.stdout.write(
  `bench:bridge  ${snapshotFrame.v.rows.length} rows, ${(CHURN * 100).toFixed(1)} % churn per tick, ${TICKS} ticks measured after ${WARMUP_TICKS} warm-up ticks\n` +
    `  full snapshot frame        ${kib(snapshotBytes)}\n` +
    `  delta frame, median        ${kib(med)}  (${median(deltaRows)} rows added/changed/removed per tick)\n` +
    `  delta frame, p95           ${kib(p95)}\n` +
    `  median delta / snapshot    ${ratio.toFixed(2)} %  (p95 ${((p95 / snapshotBytes) * 100).toFixed(2)} %; target ≤ 5 %)\n`,
);
process.exit(ratio <= 5 ? 0 : 1);
