#!/usr/bin/env node
// `npm run bench:forwarding`: what finding port forwards adds to every poll, on synthetic tables
// of 2 000 and 20 000 rows (10 % listeners, the rest connections each one of them accepted or made),
// as ratios against a baseline measured in the same run:
//
//   baseline     annotateRowsInPlace (IANA service + exposure), which every socket read already runs
//   known-none   annotateForwards on a table without any forwarder (the usual case)
//   known-50     annotateForwards with 50 forwarders (ssh -L, socat) among the owners, parse cache warm
//   relay        RelayTracker.observe (the collector's relay heuristic) on the same table
//
//   node scripts/bench-forwarding.mjs [--rows 2000,20000] [--runs 15]
// Times are the median of the runs, each on fresh row objects (as a read gives), CPU time of this thread.
import { parseArgs } from 'node:util';
import { bundleForBench, median } from './bench-lib.mjs';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000,20000' }, runs: { type: 'string', default: '15' } } });
const SIZES = values.rows.split(',').map(Number);
const RUNS = Number(values.runs);
if (SIZES.some((n) => !Number.isInteger(n) || n < 10 || n > 200_000) || !Number.isInteger(RUNS) || RUNS < 3 || RUNS > 101) {
  console.error('usage: node scripts/bench-forwarding.mjs [--rows 2000,20000] [--runs 15]   (rows 10–200000, runs 3–101)');
  process.exit(2);
}

const forwarding = await bundleForBench('src/main/core/forwarding.ts');
const relays = await bundleForBench('src/main/core/relays.ts');
const services = await bundleForBench('src/main/core/services.ts');
const serviceTable = await bundleForBench('src/main/node/service-table.ts');
const lookup = serviceTable.ianaServiceLookup();

/** A synthetic table: listeners with accepted connections, and outbound connections. */
function table(n, forwarders) {
  const rows = [];
  const listeners = Math.max(1, Math.floor(n / 10));
  for (let i = 0; i < listeners; i += 1) {
    const pid = 1000 + i;
    const port = 1024 + i;
    let commandLine = `/usr/bin/server --port ${port} --workers 4`;
    if (i < forwarders) commandLine = i % 2 === 0 ? `ssh -N -L 127.0.0.1:${port}:db${i}.internal:5432 bastion` : `socat TCP-LISTEN:${port},fork TCP:10.0.0.${i % 250}:80`;
    const owners = [{ pid, name: 'server', commandLine }];
    rows.push({ key: `l${i}`, protocol: 'tcp', family: 4, localAddress: '127.0.0.1', localPort: port, remoteAddress: null, remotePort: null, state: 'LISTEN', owners, ownerVisibility: 'visible' });
  }
  for (let i = rows.length; i < n; i += 1) {
    const l = rows[i % listeners];
    const inbound = i % 2 === 0;
    rows.push({
      key: `c${i}`,
      protocol: 'tcp',
      family: 4,
      localAddress: '127.0.0.1',
      localPort: inbound ? l.localPort : 32768 + (i % 28000),
      remoteAddress: inbound ? '127.0.0.1' : `10.0.${(i >> 8) & 255}.${i & 255}`,
      remotePort: inbound ? 40000 + (i % 20000) : 5432,
      state: 'ESTABLISHED',
      owners: l.owners,
      ownerVisibility: 'visible',
    });
  }
  return rows;
}

const fresh = (rows) => rows.map((r) => ({ ...r }));

function cpuMs(fn) {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function measure(base, run) {
  const times = [];
  for (let i = 0; i < RUNS; i += 1) {
    const rows = fresh(base);
    times.push(cpuMs(() => run(rows)));
  }
  return median(times);
}

console.log(`bench:forwarding — median of ${RUNS} runs, CPU ms per poll (ratio vs baseline)`);
for (const n of SIZES) {
  const plain = table(n, 0);
  const withForwarders = table(n, 50);
  const cache = new forwarding.ForwardParseCache();
  forwarding.annotateForwards(fresh(withForwarders), { cache }); // warm the parse cache, as after the first poll
  const tracker = new relays.RelayTracker();
  tracker.observe(fresh(plain));
  const baseline = measure(plain, (rows) => services.annotateRowsInPlace(rows, lookup));
  const none = measure(plain, (rows) => forwarding.annotateForwards(rows, { cache }));
  const known = measure(withForwarders, (rows) => forwarding.annotateForwards(rows, { cache }));
  const relay = measure(plain, (rows) => tracker.observe(rows));
  const ratio = (x) => (baseline > 0 ? (x / baseline).toFixed(2) : 'n/a');
  console.log(
    `${String(n).padStart(6)} rows: baseline ${baseline.toFixed(2)} ms · known-none ${none.toFixed(2)} ms (×${ratio(none)}) · known-50 ${known.toFixed(2)} ms (×${ratio(known)}) · relay ${relay.toFixed(2)} ms (×${ratio(relay)})`,
  );
}
