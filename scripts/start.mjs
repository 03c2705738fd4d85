// `npm start`: build if out/ is missing or stale, then launch the desktop app. Where the Electron
// runtime is missing, try Electron's own installer once with a time limit; if that fails (or with
// `npm start -- --browser`), say so in one line and run `portwatch serve` instead, and open the URL
// it prints in the default browser (best effort: $BROWSER, else xdg-open / open / start; the URL is
// printed too; `--no-open` skips this).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, findElectronBinary } from './electron-binary.mjs';
import { openBrowser } from './open-browser.mjs';

const OUTPUTS = ['out/main/index.js', 'out/main/cli.js', 'out/preload/index.js', 'out/renderer/index.html'];
const INPUTS = ['src', 'electron.vite.config.ts', 'package.json'];
const INSTALL_TIMEOUT_MS = Number(process.env.PORTWATCH_ELECTRON_INSTALL_TIMEOUT_MS ?? 120_000);

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why the build must run, or null when out/ is current. */
export function buildNeeded() {
  const missing = OUTPUTS.find((file) => !existsSync(join(ROOT, file)));
  if (missing) return `${missing} is missing`;
  const oldestOutput = Math.min(...OUTPUTS.map((file) => statSync(join(ROOT, file)).mtimeMs));
  const newestInput = Math.max(...INPUTS.map((file) => newestMtime(join(ROOT, file))));
  return newestInput > oldestOutput ? 'sources changed since the last build' : null;
}

function fail(message) {
  process.stderr.write(`portwatch: ${message}\n`);
  process.exit(1);
}

function build() {
  const reason = buildNeeded();
  if (reason === null) return;
  process.stdout.write(`portwatch: building (${reason})…\n`);
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) fail(`the build failed (electron-vite build exited ${result.status ?? result.signal})`);
}

/** Runs Electron's own installer once; resolves to null on success or the cause in words. */
function tryInstallElectron() {
  return new Promise((resolvePromise) => {
    const env = { ...process.env };
    // npm ci may have been told to skip the download; here we do want it.
    delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/electron/install.js')], {
      cwd: join(ROOT, 'node_modules/electron'),
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolvePromise(`the download did not finish within ${Math.round(INSTALL_TIMEOUT_MS / 1000)} s`);
    }, INSTALL_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolvePromise(error.message);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) return resolvePromise(null);
      // The installer prints a stack; its first line is the cause.
      const first = stderr.split('\n').map((line) => line.trim()).find((line) => line !== '') ?? `exit code ${code}`;
      resolvePromise(first.replace(/^Error:\s*/, ''));
    });
  });
}

const SERVE_URL = /http:\/\/\S+\/#token=[0-9a-f]+/;

/** Runs `portwatch serve` in the foreground (it prints the URL, which we open), passing our signals on. */
function runServe(args, open) {
  const child = spawn(process.execPath, [join(ROOT, 'out/main/cli.js'), 'serve', ...args], { stdio: ['inherit', 'pipe', 'inherit'] });
  let printed = '';
  let opened = !open;
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    if (opened) return;
    printed += chunk;
    const url = SERVE_URL.exec(printed)?.[0];
    if (url) {
      opened = true;
      openBrowser(url);
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

async function main() {
  const args = process.argv.slice(2);
  const browser = args.includes('--browser');
  const open = !args.includes('--no-open');
  const rest = args.filter((arg) => arg !== '--browser' && arg !== '--no-open');
  build();
  if (browser) {
    process.stderr.write('portwatch: --browser given: running portwatch serve\n');
    return runServe(rest, open);
  }
  let binary = findElectronBinary();
  if (!binary.ok) {
    // One line, whatever happens: the cause, the attempt and its outcome.
    process.stderr.write(`portwatch: ${binary.reason}; downloading it once… `);
    const cause = await tryInstallElectron();
    binary = findElectronBinary();
    if (!binary.ok) {
      process.stderr.write(`failed (${cause ?? binary.reason}); running portwatch serve instead, in your browser\n`);
      return runServe(rest, open);
    }
    process.stderr.write('done\n');
  }
  const child = spawn(binary.path, [ROOT, ...rest], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

await main();
