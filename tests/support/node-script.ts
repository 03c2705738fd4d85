/**
 * Runs TypeScript from src/ in a separate Node process: bundles a small entry (tests/support/scripts)
 * with Vite into one ES module in a temporary folder. For tests that need real processes (two
 * writers on one settings file, a signal in the middle of a write) without the full app build.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const ROOT = resolve(__dirname, '../..');

/** Bundles `tests/support/scripts/<name>.ts`; resolves to the path of the runnable .mjs. */
export async function bundleScript(name: string): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'pw-script-'));
  await build({
    configFile: false,
    logLevel: 'silent',
    root: ROOT,
    build: {
      ssr: join(ROOT, 'tests', 'support', 'scripts', `${name}.ts`),
      outDir,
      minify: false,
      rollupOptions: { output: { format: 'es', entryFileNames: 'script.mjs' } },
    },
    // Everything in one file: the temporary folder has no node_modules to resolve from.
    ssr: { noExternal: true },
  });
  return join(outDir, 'script.mjs');
}

/** A running script: its process, and the lines it printed so far. */
export interface RunningScript {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp): Promise<string>;
  /** Resolves when it has exited: its code or the signal that ended it, and its stderr. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `node script args…` with piped stdio. */
export function runScript(script: string, args: string[]): RunningScript {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const check = (): void => {
    for (const waiter of [...waiters]) {
      const found = out.split('\n').find((line) => waiter.pattern.test(line));
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(found);
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    check();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) => {
    child.on('close', (code, signal) => done({ code, signal, stderr: err }));
  });
  const line = (pattern: RegExp): Promise<string> =>
    new Promise((resolveLine, reject) => {
      waiters.push({ pattern, resolve: resolveLine });
      check();
      void exited.then(({ code, signal, stderr }) => reject(new Error(`the script ended (${code ?? signal}) before printing ${pattern}: ${stderr}`)));
    });
  return { child, line, exited };
}
