// `npm run bench:renderer`: how long the renderer takes to apply one tick of deltas (1 % churn) to a
// 20 000-row table in Chromium, from the delta's arrival to the updated DOM laid out, measured in
// the page with performance.now(). Baseline in the same run: the same kind of tick applied by a
// full reload (a gap forces a re-fetch: rebuild, re-filter and re-sort all rows, re-render).
// Builds the renderer first when the build is missing or older than its sources. Writes the
// figures to docs/performance.md under "## Renderer".
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright';
import { installPageFake } from '../tests/browser/support/page-fake.mjs';
import { ROOT } from './electron-binary.mjs';

const ROWS = 20_000;
const CHURN = 0.01;
const TICKS = 60;
const BASELINE_RUNS = 10;
const WARMUP = 5;
const OUT = join(ROOT, 'out', 'renderer');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function ensureBuild() {
  const index = join(OUT, 'index.html');
  const sources = Math.max(newestMtime(join(ROOT, 'src', 'renderer')), newestMtime(join(ROOT, 'src', 'shared')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  process.stdout.write('building the renderer (electron-vite build)…\n');
  const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`electron-vite build failed (exit ${result.status})`);
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

function serve(root) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(root, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
};

/** Runs in the page: times `runs` ticks, each from emit to the laid-out DOM and to the next frame. */
async function measure({ runs, churn, gap, warmup }) {
  const fake = window.__portwatchFake;
  const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0));
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now())));
  const applied = [];
  for (let i = 0; i < runs + warmup; i += 1) {
    if (gap) {
      // Swallow one delta, so the next shows a gap and forces the full reload.
      fake.dropNextDelta();
      fake.emit(fake.makeChurnDelta(churn));
    }
    const delta = fake.makeChurnDelta(churn);
    const served = fake.snapshotsServed();
    // Collect the fake's own garbage (building the delta) outside the timed stretch.
    window.gc?.();
    await frame();
    const t0 = performance.now();
    fake.emit(delta);
    // The store applies synchronously; Vue renders in a microtask queued during emit, so one
    // more microtask runs after it. A gap adds the re-fetch (the fake answers in a timer task).
    await Promise.resolve();
    if (gap) {
      await macrotask();
      while (fake.snapshotsServed() === served) await macrotask();
      await macrotask();
    }
    void document.querySelector('.grid-body')?.getBoundingClientRect().height;
    void document.body.offsetHeight;
    const t1 = performance.now();
    if (i >= warmup) applied.push(t1 - t0);
  }
  return { applied, rows: fake.rowCount(), shown: Number(document.querySelector('[role="grid"]')?.getAttribute('aria-rowcount')) - 1 };
}

async function main() {
  ensureBuild();
  const server = await serve(OUT);
  const { port } = server.address();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--js-flags=--expose-gc', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
    await page.addInitScript(installPageFake, { rows: ROWS, probes: false, seed: 3 });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction((n) => document.querySelector('[role="grid"]')?.getAttribute('aria-rowcount') === String(n + 1), ROWS, { timeout: 60_000 });

    const delta = await page.evaluate(measure, { runs: TICKS, churn: CHURN, gap: false, warmup: WARMUP });
    const baseline = await page.evaluate(measure, { runs: BASELINE_RUNS, churn: CHURN, gap: true, warmup: 2 });
    if (delta.shown !== delta.rows && delta.shown !== baseline.rows) {
      throw new Error(`the table shows ${delta.shown} rows, the service holds ${delta.rows}`);
    }
    const d = stats(delta.applied);
    const b = stats(baseline.applied);
    const ratio = b.median / d.median;
    const within = delta.applied.filter((ms) => ms <= 16).length / delta.applied.length;
    const load = loadavg()[0] ?? 0;
    const f = (ms) => `${ms.toFixed(2)} ms`;
    const lines = [
      `rows ${ROWS}, churn ${CHURN * 100} % per tick (+ the previous tick's marks cleared), ${TICKS} ticks after ${WARMUP} warm-up`,
      `delta tick, to laid-out DOM: median ${f(d.median)}, p95 ${f(d.p95)}, max ${f(d.max)}`,
      `baseline full reload:        median ${f(b.median)}, p95 ${f(b.p95)}, max ${f(b.max)} (${BASELINE_RUNS} runs)`,
      `delta tick is ${ratio.toFixed(1)}× faster than the full reload; ${(within * 100).toFixed(0)} % of ticks within 16 ms (load average ${load.toFixed(1)})`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    writeSection(d, b, ratio, within, load);
  } finally {
    await browser.close();
    server.close();
  }
}

/** Replaces only the "## Renderer" section of docs/performance.md (other sections belong to others). */
function writeSection(d, b, ratio, within, load) {
  const file = join(ROOT, 'docs', 'performance.md');
  const f = (ms) => `${ms.toFixed(1)} ms`;
  const section = [
    '## Renderer',
    '',
    `Measured by \`npm run bench:renderer\` (${new Date().toISOString().slice(0, 10)}, headless Chromium, 2 cores shared with other work, load average ${load.toFixed(1)}): the built`,
    `renderer with an in-page fake service holding ${ROWS.toLocaleString('en-US')} rows; each tick churns 1 % of them (half closed, half`,
    'changed, half as many new) and clears the previous tick\'s marks. Timed in the page with `performance.now()` from the',
    'delta\'s arrival to the updated, laid-out DOM (store apply + Vue render + forced style/layout). Baseline, same run: the same kind of',
    'tick applied by a full reload (a sequence gap forces a re-fetch, then every row is re-filtered, re-sorted and re-rendered).',
    '',
    '| | median | p95 | max |',
    '|---|---|---|---|',
    `| delta tick → laid-out DOM | ${f(d.median)} | ${f(d.p95)} | ${f(d.max)} |`,
    `| baseline: full reload → laid-out DOM | ${f(b.median)} | ${f(b.p95)} | ${f(b.max)} |`,
    '',
    `**Ratio: a delta tick takes 1/${ratio.toFixed(1)} of the full reload** (medians). Target ≤ 16 ms per tick: ${d.median <= 16 ? 'met' : 'not met'} at the median, ${d.p95 <= 16 ? 'met' : 'not met'} at p95; ${(within * 100).toFixed(0)} % of ${TICKS} ticks within 16 ms. The tail follows the machine's load (other processes share the 2 cores); rerun on an idle machine for a clean p95.`,
    'Each tick starts at an animation frame, after a forced GC of the fake\'s own garbage (Chromium `--expose-gc`), so the',
    'figure is the renderer\'s work, not the fake\'s; the renderer\'s own garbage is still collected inside the timed stretch.',
    '',
    'Why it is fast: rows live in a plain Map and a non-reactive table model (Vue tracks one counter, not 20 000 rows); a',
    'tick finds the touched rows by their stored positions, sorts only the k new ones, places them by binary search and',
    'rebuilds the array from native slices (k log n comparisons, no comparator over untouched rows); sort keys are',
    'precomputed (IPv4 endpoints as one number) and compared with `<`; the grid renders only the ~40 rows in view, Vue',
    'skips a row whose object and age text did not change, and each row is CSS-contained (a changed cell re-lays out its row).',
    '',
  ].join('\n');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Performance\n\n';
  const start = current.search(/^## Renderer\s*$/m);
  let next;
  if (start < 0) next = `${current.replace(/\n*$/, '\n\n')}${section}`;
  else {
    const rest = current.slice(start + '## Renderer'.length);
    const end = rest.search(/^## /m);
    next = current.slice(0, start) + section + (end < 0 ? '' : `\n${rest.slice(end)}`);
  }
  writeFileSync(file, next);
}

await main();
