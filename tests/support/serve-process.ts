/**
 * The built `portwatch serve` as a child process, for browser tests against the real server. The
 * URL to open is the one serve printed (whatever carries its token: a query or a fragment), never
 * one built here.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** A running serve. */
export interface ServeProcess {
  /** The URL serve printed, with its access token. */
  url: string;
  /** The port it listens on. */
  port: number;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `portwatch serve` on 127.0.0.1 (`port` 0: a free one) with its settings in `configDir`. */
export function startServe(configDir: string, port = 0): Promise<ServeProcess> {
  const child = spawn(process.execPath, [resolve('out/main/cli.js'), 'serve', '--port', String(port), '--config-dir', configDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise<ServeProcess>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve printed no URL within 30 s: ${output}`)), 30_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:(\d+)\/[?#]?[^\s]*token=[0-9a-f]+/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', read);
      child.stderr?.off('data', read);
      child.stdout?.on('data', (more: Buffer) => (output += more.toString()));
      child.stderr?.on('data', (more: Buffer) => (output += more.toString()));
      done({
        url: match[0],
        port: Number(match[1]),
        child,
        output: () => output,
        stop: () =>
          new Promise<void>((stopped) => {
            if (child.exitCode !== null || child.signalCode !== null) return stopped();
            child.once('exit', () => stopped());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${String(code)}: ${output}`));
    });
  });
}
