// `npm start`: build if out/ is missing or stale, then launch the desktop app. Where the Electron
// runtime is missing, try Electron's own installer once with a time limit; if that fails (or with
// `npm start -- --browser`), say so in one line and run `portwatch serve` instead, which prints the
// URL to open in a browser.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, findElectronBinary } from './electron-binary.mjs';

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

/** Runs `portwatch serve` in the foreground (it prints the URL), passing our signals on. */
function runServe(args) {
  const child = spawn(process.execPath, [join(ROOT, 'out/main/cli.js'), 'serve', ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

async function main() {
  const args = process.argv.slice(2);
  const browser = args.includes('--browser');
  const rest = args.filter((arg) => arg !== '--browser');
  build();
  if (browser) {
    process.stderr.write('portwatch: --browser given: running portwatch serve; open the URL it prints\n');
    return runServe(rest);
  }
  let binary = findElectronBinary();
  if (!binary.ok) {
    process.stdout.write(`portwatch: ${binary.reason}; trying to download it once…\n`);
    const cause = await tryInstallElectron();
    binary = findElectronBinary();
    if (!binary.ok) {
      process.stderr.write(
        `portwatch: cannot start the desktop app: the Electron runtime is missing and its download failed (${cause ?? binary.reason}); running portwatch serve instead: open the URL it prints\n`,
      );
      return runServe(rest);
    }
  }
  const child = spawn(binary.path, [ROOT, ...rest], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

await main();
