// `npm test`: type checks, lint, unit tests, build, then the suites that need the build (bundle
// checks, the built CLI, the UI in Chromium) and the Electron suite; then one summary line computed
// from the runners' JSON reports. Every step runs even after a failure, so one run shows everything.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './electron-binary.mjs';
import { summarize } from './summary.mjs';

const REPORTS = join(ROOT, 'reports');
rmSync(REPORTS, { recursive: true, force: true });
mkdirSync(REPORTS, { recursive: true });

// Steps run under this Node, not through node_modules/.bin or `npm` by name: on Windows those are
// .cmd files, which spawn cannot start without a shell. npm passes its own CLI in npm_execpath;
// only when run directly (`node scripts/test.mjs`) is npm found through a shell.
const npmCli = process.env.npm_execpath && /\.[cm]?js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : null;
const npm = (script) => (npmCli ? [process.execPath, [npmCli, 'run', '--silent', script]] : ['npm', ['run', '--silent', script], true]);
const vitest = (name, projects) => [
  process.execPath,
  [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...projects.flatMap((p) => ['--project', p]), '--reporter=default', '--reporter=json', `--outputFile.json=${join(REPORTS, `${name}.json`)}`],
];

const steps = [
  ['typecheck (node)', ...npm('typecheck:node')],
  ['typecheck (web)', ...npm('typecheck:web')],
  ['lint', ...npm('lint')],
  ['unit tests', ...vitest('unit', ['node', 'renderer'])],
  ['build', ...npm('build')],
  ['build-output and browser tests', ...vitest('built', ['built', 'browser'])],
  ['electron tests', ...vitest('electron', ['electron'])],
];

const failedSteps = [];
for (const [name, command, args, shell = false] of steps) {
  process.stdout.write(`\n=== ${name}\n`);
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', shell, env: { ...process.env, FORCE_COLOR: '0' } });
  if (result.status !== 0) failedSteps.push(`${name} (exit ${result.status ?? result.signal})`);
}

const { line, problems } = summarize(REPORTS, [
  { file: 'unit.json', label: 'unit' },
  { file: 'built.json', label: 'build-output and browser' },
  { file: 'electron.json', label: 'electron', mayAllSkip: true },
]);
for (const problem of [...failedSteps.map((s) => `step failed: ${s}`), ...problems]) process.stdout.write(`${problem}\n`);
process.stdout.write(`${line}\n`);
process.exit(failedSteps.length > 0 || problems.length > 0 ? 1 : 0);
