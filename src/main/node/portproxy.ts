/**
 * Windows port proxy rules (`netsh interface portproxy show all`), read at most every
 * {@link PORTPROXY_REFRESH_MS}: the rules change rarely and netsh costs a process start.
 */
import { execFile } from 'node:child_process';
import { parsePortproxyOutput, type PortproxyRule } from '../core/forwarding';

/** How long one read of the rules is reused, ms. */
export const PORTPROXY_REFRESH_MS = 30_000;

/** Time limit of one netsh run, ms. */
const NETSH_TIMEOUT_MS = 3_000;

/** Reads the port proxy rules, cached. */
export interface PortproxyReader {
  /** The rules; [] when netsh is missing or fails (a forward we cannot see is not an error). */
  rules(): Promise<PortproxyRule[]>;
}

/** Runs a command and gives its stdout; rejects on failure or time-out. */
export type RunCommand = (file: string, args: readonly string[], timeoutMs: number) => Promise<string>;

/** {@link RunCommand} with child_process.execFile (no shell). */
export const runCommand: RunCommand = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: timeoutMs, windowsHide: true, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout);
    });
  });

/** A cached reader of `netsh interface portproxy show all`. */
export function createPortproxyReader(run: RunCommand = runCommand, now: () => number = Date.now): PortproxyReader {
  let cached: { at: number; rules: PortproxyRule[] } | null = null;
  let pending: Promise<PortproxyRule[]> | null = null;
  return {
    rules: async (): Promise<PortproxyRule[]> => {
      if (cached !== null && now() - cached.at < PORTPROXY_REFRESH_MS) return cached.rules;
      pending ??= run('netsh', ['interface', 'portproxy', 'show', 'all'], NETSH_TIMEOUT_MS)
        .then(parsePortproxyOutput, () => [])
        .then((rules) => {
          cached = { at: now(), rules };
          pending = null;
          return rules;
        });
      return pending;
    },
  };
}
