// `npm run audit:electron`: runs Doyensec's Electronegativity on the project root for our Electron
// version and fails on any finding of medium severity or higher, except the two review-only checks
// whose review is written in SECURITY.md (PRELOAD_JS_CHECK, OPEN_EXTERNAL_JS_CHECK).
//
// The tool comes from node_modules when installed, else from `npm exec` (the npm cache, or the
// registry); ELECTRONEGATIVITY_BIN names a binary explicitly (offline machines).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './electron-binary.mjs';

export const ELECTRONEGATIVITY = '@doyensec/electronegativity@1.10.3';
/** Checks that flag any use of a feature and ask for a human review (see SECURITY.md). */
export const REVIEWED_CHECKS = new Set(['PRELOAD_JS_CHECK', 'OPEN_EXTERNAL_JS_CHECK']);
const FAILING_SEVERITIES = new Set(['MEDIUM', 'HIGH', 'CRITICAL']);

/** Parses RFC 4180-style CSV (quoted fields, doubled quotes, CRLF or LF) into rows of fields. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

/** Findings from Electronegativity's CSV report, keyed by its header names. */
export function parseFindings(csv) {
  const [header, ...rows] = parseCsv(csv);
  if (!header) throw new Error('the report is empty (no header line)');
  const names = header.map((name) => name.trim());
  for (const required of ['issue', 'severity', 'filename', 'location']) {
    if (!names.includes(required)) throw new Error(`the report has no "${required}" column (header: ${names.join(', ')})`);
  }
  return rows.map((fields) => Object.fromEntries(names.map((name, i) => [name, (fields[i] ?? '').trim()])));
}

/** Splits findings into the ones that fail the audit and the ones reviewed or below medium. */
export function judge(findings) {
  const failing = [];
  const accepted = [];
  for (const finding of findings) {
    const severe = FAILING_SEVERITIES.has(finding.severity.toUpperCase());
    (severe && !REVIEWED_CHECKS.has(finding.issue) ? failing : accepted).push(finding);
  }
  return { failing, accepted };
}

function electronVersion() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const version = pkg.devDependencies?.electron ?? pkg.dependencies?.electron;
  if (!/^\d+\.\d+\.\d+$/.test(version ?? '')) throw new Error(`package.json must pin electron to an exact version (found ${version})`);
  return version;
}

function command(args) {
  const explicit = process.env.ELECTRONEGATIVITY_BIN;
  if (explicit) return [explicit, args];
  const local = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'electronegativity.cmd' : 'electronegativity');
  if (existsSync(local)) return [local, args];
  return [process.platform === 'win32' ? 'npm.cmd' : 'npm', ['exec', '--yes', `--package=${ELECTRONEGATIVITY}`, '--', 'electronegativity', ...args]];
}

function main() {
  const version = electronVersion();
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-audit-'));
  const report = join(dir, 'electronegativity.csv');
  try {
    const [bin, args] = command(['-i', ROOT, '-e', version, '-r', '-v', 'false', '-o', report]);
    process.stdout.write(`audit:electron: electronegativity on ${ROOT} assuming Electron ${version}\n`);
    const run = spawnSync(bin, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    if (run.error) throw new Error(`cannot run ${bin}: ${run.error.message}`);
    if (run.status !== 0 || !existsSync(report)) {
      const output = `${run.stderr ?? ''}${run.stdout ?? ''}`.trim().split('\n').slice(-15).join('\n');
      throw new Error(`electronegativity exited ${run.status ?? run.signal} without a report:\n${output}`);
    }
    const { failing, accepted } = judge(parseFindings(readFileSync(report, 'utf8')));
    const line = (f) => `  ${f.severity.padEnd(8)} ${f.issue.padEnd(40)} ${f.filename}:${f.location}`;
    if (accepted.length > 0) process.stdout.write(`accepted (below medium, or reviewed in SECURITY.md):\n${accepted.map(line).join('\n')}\n`);
    if (failing.length > 0) {
      process.stdout.write(`FAILING (medium or higher):\n${failing.map(line).join('\n')}\n`);
      process.stdout.write(`audit:electron: ${failing.length} finding(s) of medium severity or higher\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write(`audit:electron: no finding of medium severity or higher (${accepted.length} accepted)\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split(/[\\/]/).pop())) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`audit:electron: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
