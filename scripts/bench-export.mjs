#!/usr/bin/env node
// `npm run bench:export`: the cost of the export writers (src/shared/export, bundled on the fly)
// on N rows (default 100 000), as ratios against baselines measured in the same run:
//
//   csv      csvChunks (default columns, guard, RFC 4180 quoting) consumed chunk by chunk, vs
//            papaparse's unparse of the same cells into one string (an independent CSV writer)
//   json     snapshot JSON chunks, vs one JSON.stringify of the whole document
//   ndjson   NDJSON chunks, vs rows.map(JSON.stringify).join('\n')
//   read     parseSnapshotDocument (JSON, with row validation), vs bare JSON.parse
//   diff     diffSnapshots of two documents with 1 % churn, vs building a Map of the keys of both
//   memory   peak retained heap while streaming the CSV, vs the size of the CSV produced
//
//   node scripts/bench-export.mjs [--rows 100000] [--runs 5]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { bundleForBench, median } from './bench-lib.mjs';


function bundleExport() {
  return bundleForBench('src/shared/export/index.ts');
}


/** Median wall ms of `fn` over `runs` runs (after one warm-up). */
function time(fn, runs) {
  fn();
  const samples = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

function makeRows(count, seed = 0) {
  const rows = [];
  for (let i = 0; i < count; i += 1) {
    const n = i + seed;
    rows.push({
      key: '',
      protocol: 'tcp',
      family: n % 3 === 0 ? 6 : 4,
      localAddress: n % 3 === 0 ? '::1' : '127.0.0.1',
      localPort: 1024 + (n % 60_000),
      remoteAddress: n % 3 === 0 ? '2001:db8::1' : `10.0.${(n >> 8) & 255}.${n & 255}`,
      remotePort: 443 + Math.floor(n / 60_000),
      state: 'ESTABLISHED',
      owners: [{ pid: 1000 + (n % 500), name: n % 50 === 0 ? '=evil,"name"' : `proc-${n % 500}`, path: `/usr/bin/proc-${n % 500}`, user: 'user', commandLine: `/usr/bin/proc-${n % 500} --flag` }],
      ownerVisibility: 'visible',
      service: { name: 'https', description: 'http protocol over TLS/SSL', port: 443, portClass: 'well-known', side: 'remote' },
      firstSeen: 1_700_000_000_000,
      lastSeen: 1_700_000_000_000,
    });
  }
  return rows;
}

async function main() {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, runs: { type: 'string', default: '5' } } });
  const ROWS = Number(values.rows);
  const RUNS = Number(values.runs);
  if (!Number.isInteger(ROWS) || ROWS < 1 || ROWS > 1_000_000 || !Number.isInteger(RUNS) || RUNS < 1 || RUNS > 25) {
    console.error('usage: node scripts/bench-export.mjs [--rows 100000] [--runs 5]   (rows 1–1 000 000, runs 1–25)');
    process.exit(2);
  }
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const ex = await bundleExport();
  const { default: Papa } = await import('papaparse');

  const status = { ok: true, error: null, errorKind: null, durationMs: 1, polledAt: 0, intervalMs: 1000, paused: false, source: 'bench', notices: [] };
  const rows = makeRows(ROWS);
  const document = ex.toSnapshotDocument({ hostname: 'bench', capturedAt: 1_700_000_000_000, status, rows }, 'bench');
  const drain = (chunks) => {
    let n = 0;
    for (const chunk of chunks) n += chunk.length;
    return n;
  };
  const results = [];
  const row = (name, ours, base, baseName) => results.push({ name, ours, base, baseName });

  const csvMs = time(() => drain(ex.exportChunks(document, { format: 'csv' }).chunks), RUNS);
  const cells = rows.map((r) => Object.values(ex.COLUMN_SPECS).map((spec) => spec.read(r, { capturedAt: document.capturedAt })));
  const papaMs = time(() => Papa.unparse(cells, { newline: '\r\n' }).length, RUNS);
  row('csv export', csvMs, papaMs, 'papaparse unparse (one string)');

  const jsonMs = time(() => drain(ex.exportChunks(document, { format: 'json' }).chunks), RUNS);
  row('json export', jsonMs, time(() => JSON.stringify(document).length, RUNS), 'JSON.stringify(document)');

  const ndjsonMs = time(() => drain(ex.exportChunks(document, { format: 'ndjson' }).chunks), RUNS);
  row('ndjson export', ndjsonMs, time(() => rows.map((r) => JSON.stringify(r)).join('\n').length, RUNS), 'rows.map(JSON.stringify).join');

  const text = [...ex.exportChunks(document, { format: 'json' }).chunks].join('');
  row('read json', time(() => ex.parseSnapshotDocument(text), RUNS), time(() => JSON.parse(text), RUNS), 'JSON.parse');

  const churned = makeRows(ROWS, Math.max(1, Math.floor(ROWS / 100)));
  const after = ex.toSnapshotDocument({ hostname: 'bench', capturedAt: 1_700_000_060_000, status, rows: churned }, 'bench');
  const diffMs = time(() => ex.diffSnapshots(document, after, { portwatchVersion: 'bench' }), RUNS);
  const keyOf = (r) => `${r.protocol}${r.family} ${r.localAddress} ${r.localPort} ${r.remoteAddress} ${r.remotePort}`;
  const mapMs = time(() => {
    const m = new Map(document.rows.map((r) => [keyOf(r), r]));
    return churned.filter((r) => !m.has(keyOf(r))).length;
  }, RUNS);
  row('diff (1 % churn)', diffMs, mapMs, 'Map of keys, opened only');

  gc();
  const baseline = process.memoryUsage().heapUsed;
  let peak = 0;
  let size = 0;
  let count = 0;
  for (const chunk of ex.exportChunks(document, { format: 'csv' }).chunks) {
    size += chunk.length;
    if (++count % 100 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
    }
  }

  console.log(`export benchmark: ${ROWS} rows, median of ${RUNS} runs, node ${process.version}`);
  console.log('');
  console.log('| step | ours ms | baseline ms | ratio | baseline |');
  console.log('|---|---:|---:|---:|---|');
  for (const r of results) console.log(`| ${r.name} | ${r.ours.toFixed(0)} | ${r.base.toFixed(0)} | ${(r.ours / r.base).toFixed(2)} | ${r.baseName} |`);
  console.log('');
  console.log(`CSV streaming: peak retained heap ${(peak / 1024).toFixed(0)} KiB while writing ${(size / 1e6).toFixed(1)} M characters (ratio ${(peak / (size * 2)).toExponential(1)} of the output's in-memory size)`);
}

await main();
