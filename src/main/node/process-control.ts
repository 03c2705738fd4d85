/**
 * Ending a process from the table: only processes of the user Portwatch runs as, only the process
 * the user saw (its start time must match, so a recycled pid is never hit), never Portwatch itself
 * or init. The result comes back in words.
 */
import { readFileSync } from 'node:fs';
import type { EndProcessRequest, EndProcessResult } from '../../shared/model';
import type { ProcessInfoProvider } from './process-info';
import { parseStatusUid } from './process-info';

/** What {@link createProcessControl} needs; injectable for tests. */
export interface ProcessControlDeps {
  info: ProcessInfoProvider;
  /** Our real uid; undefined on Windows. */
  uid?: number;
  /** The uid owning a pid, or null when unknown (non-Linux). */
  uidOf?: (pid: number) => number | null;
  kill?: (pid: number, signal: NodeJS.Signals | 0) => void;
  sleep?: (ms: number) => Promise<void>;
}

function linuxUidOf(pid: number): number | null {
  try {
    return parseStatusUid(readFileSync(`/proc/${pid}/status`, 'latin1'));
  } catch {
    return null;
  }
}

function alive(kill: NonNullable<ProcessControlDeps['kill']>, pid: number): boolean {
  try {
    kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, we just may not signal it.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the `endProcess` handler. */
export function createProcessControl(deps: ProcessControlDeps): (request: EndProcessRequest) => Promise<EndProcessResult> {
  const uid = deps.uid ?? process.getuid?.();
  const uidOf = deps.uidOf ?? (process.platform === 'linux' ? linuxUidOf : () => null);
  const kill = deps.kill ?? ((pid: number, signal: NodeJS.Signals | 0) => process.kill(pid, signal));
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  return async ({ pid, startedAt }) => {
    if (pid === process.pid) return { ok: false, message: 'Portwatch will not end itself.' };
    if (pid <= 1) return { ok: false, message: `Process ${pid} is the system's init process; Portwatch will not end it.` };
    const details = (await deps.info.lookup([pid])).get(pid);
    if (!details) return { ok: false, message: `Process ${pid} is no longer running.` };
    const name = `${details.name} (${pid})`;
    if (startedAt !== undefined && details.startedAt !== undefined && Math.abs(details.startedAt - startedAt) > 1000) {
      return { ok: false, message: `Process ${pid} is not the one shown: the pid now belongs to ${details.name}, started later. Nothing was done.` };
    }
    const owner = uidOf(pid);
    if (uid !== undefined && owner !== null && owner !== uid) {
      return { ok: false, message: `${name} belongs to ${details.user ?? `user ${owner}`}; Portwatch only ends processes of its own user.` };
    }
    try {
      kill(pid, 'SIGTERM');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') return { ok: true, message: `${name} had already exited.` };
      if (code === 'EPERM') return { ok: false, message: `Permission denied: ${name} belongs to another user.` };
      return { ok: false, message: `Could not end ${name}: ${(error as Error).message}` };
    }
    for (let waited = 0; waited < 3000; waited += 100) {
      await sleep(100);
      if (!alive(kill, pid)) return { ok: true, message: `Ended ${name}.` };
    }
    return { ok: false, message: `Asked ${name} to end (SIGTERM), but it is still running after 3 s.` };
  };
}
