/**
 * The built `portwatch serve` (out/main/cli.js) as a child process on a free loopback port, for
 * tests that need the real thing: the worker collector, the real socket table, the real HTTP and
 * WebSocket server. How a client authenticates is in one place here ({@link BuiltServe.wsPath}).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A running serve. */
export interface BuiltServe {
  child: ChildProcess;
  port: number;
  token: string;
  /** Path and query of the WebSocket, with the credential. */
  wsPath: string;
  /** ws:// URL of the WebSocket, with the credential. */
  wsUrl: string;
  /** Everything serve wrote to stderr so far. */
  stderr(): string;
  /** Its resident set size now, KiB (Linux /proc). */
  rssKiB(): number;
  /** SIGTERM, and wait for it to exit. */
  stop(): Promise<void>;
}

/** Starts the built serve with `args` added; resolves once it prints its URL. */
export function startBuiltServe(configDir: string, args: string[] = []): Promise<BuiltServe> {
  const child = spawn(process.execPath, ['out/main/cli.js', 'serve', '--config-dir', configDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL; stderr: ${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64})/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      const port = Number(match[1]);
      const token = match[2] ?? '';
      const wsPath = `/ws?token=${token}`;
      resolve({
        child,
        port,
        token,
        wsPath,
        wsUrl: `ws://127.0.0.1:${port}${wsPath}`,
        stderr: () => stderr,
        rssKiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN),
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${String(code)}; stderr: ${stderr}`)));
  });
}
