/**
 * What `portwatch serve` does with an error nothing else caught. The server's request paths catch
 * their own failures; this is the last resort, so one bad request still never ends the process:
 * - an unhandled rejection is logged and serving goes on (a promise that failed left no half-done
 *   synchronous work behind);
 * - an uncaught exception of a single connection or stream (EPIPE, ECONNRESET, EMFILE, …) is logged
 *   and serving goes on: it concerns one socket;
 * - any other uncaught exception is logged and the server stops cleanly with exit code 1: the
 *   process's state may be inconsistent and a supervisor restart is the safe answer.
 * Log lines are rate-limited, so a flood of failures cannot fill a disk through stderr.
 */

import { rateLimited } from './rate-limited';

/** Error codes that concern one connection or stream, not the process. */
const CONNECTION_ERROR_CODES = new Set([
  'EPIPE',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EMFILE',
  'ENFILE',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_HTTP_HEADERS_SENT',
]);

/** The part of `process` the policy listens on (an EventEmitter in tests). */
export interface ProcessEvents {
  on(event: 'unhandledRejection' | 'uncaughtException', listener: (reason: unknown) => void): unknown;
  off(event: 'unhandledRejection' | 'uncaughtException', listener: (reason: unknown) => void): unknown;
}

/** Options of {@link installCrashPolicy}. */
export interface CrashPolicyOptions {
  /** Where to log (stderr). */
  write(line: string): void;
  /** Called once for an error after which the process must not go on serving. */
  fatal(error: unknown): void;
  /** Log lines per minute before the rest are counted and summarized (default 20). */
  linesPerMinute?: number;
  now?: () => number;
}

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.stack?.split('\n').slice(0, 3).join(' | ') ?? reason.message;
  return String(reason);
}

/** True for an error that concerns one connection or stream. */
export function isConnectionError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('HPE_'));
}

/** Installs the policy on `target`; returns how to remove it. */
export function installCrashPolicy(target: ProcessEvents, options: CrashPolicyOptions): () => void {
  let fatalSeen = false;
  const write = rateLimited(options.write, {
    perMinute: options.linesPerMinute,
    summary: (dropped) => `portwatch serve: ${dropped} more internal errors were not logged\n`,
    now: options.now,
  });

  const onRejection = (reason: unknown): void => {
    write(`portwatch serve: internal error (still serving): unhandled rejection: ${describe(reason)}\n`);
  };
  const onException = (error: unknown): void => {
    if (isConnectionError(error)) {
      write(`portwatch serve: internal error on one connection (still serving): ${describe(error)}\n`);
      return;
    }
    // Always said, even past the rate limit: this one stops the server.
    options.write(`portwatch serve: internal error, stopping: ${describe(error)}\n`);
    if (!fatalSeen) {
      fatalSeen = true;
      options.fatal(error);
    }
  };
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return () => {
    target.off('unhandledRejection', onRejection);
    target.off('uncaughtException', onException);
  };
}
