/**
 * Runs iproute2 `ss` for the kernel's per-socket details: TCP counters, queues, socket uid and
 * cgroup (`ss -tuine state all exclude time-wait`; TIME_WAIT sockets have none of them). Parsing
 * lives in core (tcp-info.ts). No root needed: sock_diag answers any user for every socket.
 *
 * `ss -e` exits 1 without a word when the machine has no cgroup v2 mount (iproute2 lib/cg_map.c):
 * then it runs without `-e` (counters and queues still come, joined to the table by endpoints; no
 * cgroups or uids) and tries `-e` again after {@link DETAILS_RETRY_MS}.
 */
import { execFile } from 'node:child_process';
import { release } from 'node:os';
import { SourceError } from '../core/sources';
import { kernelByteCounters, parseSsInfo, type TcpInfoRead, type TcpInfoSource } from '../core/tcp-info';
import type { RunCommand } from './portproxy';

/** The arguments with socket details (-e) and without. */
export const SS_ARGS = ['-tuine', 'state', 'all', 'exclude', 'time-wait'] as const;
export const SS_ARGS_NO_DETAILS = ['-tuin', 'state', 'all', 'exclude', 'time-wait'] as const;

/** How long to wait before trying `-e` again after it failed, ms. */
export const DETAILS_RETRY_MS = 5 * 60_000;

/** Time limit of one ss run, ms. */
const SS_TIMEOUT_MS = 10_000;

/** {@link RunCommand} with room for big tables (~700 bytes a TCP socket: 20 000 sockets ≈ 14 MB). */
export const runSs: RunCommand = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: timeoutMs, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout);
    });
  });

/** Test seams. */
export interface SsInfoDeps {
  platform?: NodeJS.Platform;
  run?: RunCommand;
  /** Kernel release, for which byte counters exist (default os.release()). */
  kernelRelease?: string;
  now?: () => number;
  /** The ss executable (default `ss` on PATH). */
  ssPath?: string;
}

function describe(error: unknown): { code: string; text: string } {
  const e = error as { code?: unknown; stderr?: unknown; message?: unknown; killed?: unknown };
  const stderr = typeof e?.stderr === 'string' ? e.stderr.trim() : '';
  const code = typeof e?.code === 'string' ? e.code : e?.killed === true ? 'ETIMEDOUT' : typeof e?.code === 'number' ? `exit ${e.code}` : '';
  const text = (stderr.split('\n')[0] ?? '') || (typeof e?.message === 'string' ? e.message.split('\n')[0] ?? '' : String(error));
  return { code, text: text.slice(0, 200) };
}

/** The failures no retry without `-e` can help: ss missing, ss hanging. */
function fatal(code: string): SourceError | null {
  if (code === 'ENOENT') {
    return new SourceError('Per-connection traffic needs the `ss` tool of iproute2, which is not installed (Debian/Ubuntu: apt install iproute2).', 'missing-tool');
  }
  if (code === 'ETIMEDOUT') return new SourceError(`ss did not answer within ${SS_TIMEOUT_MS / 1000} s.`, 'timeout');
  return null;
}

/** Creates the reader of kernel socket details for this OS. */
export function createSsInfoSource(deps: SsInfoDeps = {}): TcpInfoSource {
  const platform = deps.platform ?? process.platform;
  const run = deps.run ?? runSs;
  const now = deps.now ?? Date.now;
  const counters = kernelByteCounters(deps.kernelRelease ?? release());
  const ss = deps.ssPath ?? 'ss';
  let detailsFailedAt: number | null = null;

  const parse = (text: string, notices: string[]): TcpInfoRead => {
    const parsed = parseSsInfo(text, { counters });
    if (parsed.suspicious > 0) {
      notices.push(`${parsed.suspicious} socket record(s) from ss were dropped as suspicious (repeated inodes or info lines; a cgroup name with line breaks?).`);
    }
    if (!counters.ackedReceived) notices.push('This kernel (before Linux 4.1) keeps no per-socket byte counters: traffic shows RTT and queues only.');
    return { sockets: parsed.sockets, notices };
  };

  return {
    read: async (): Promise<TcpInfoRead> => {
      if (platform !== 'linux') {
        throw new SourceError('Per-connection traffic comes from Linux kernel counters; it is not available on this system.', 'missing-tool');
      }
      const notices: string[] = [];
      const tryDetails = detailsFailedAt === null || now() - detailsFailedAt >= DETAILS_RETRY_MS;
      if (tryDetails) {
        try {
          const text = await run(ss, SS_ARGS, SS_TIMEOUT_MS);
          detailsFailedAt = null;
          return parse(text, notices);
        } catch (error) {
          const { code, text } = describe(error);
          const stop = fatal(code);
          if (stop !== null) throw stop;
          detailsFailedAt = now();
          notices.push(`\`ss -e\` failed (${code || 'error'}${text ? `: ${text}` : ''}); traffic is read without socket cgroups and uids, so hidden owners cannot be named.`);
        }
      } else {
        notices.push('Socket cgroups and uids are unavailable (`ss -e` failed earlier): hidden owners cannot be named.');
      }
      try {
        return parse(await run(ss, SS_ARGS_NO_DETAILS, SS_TIMEOUT_MS), notices);
      } catch (error) {
        const { code, text } = describe(error);
        throw fatal(code) ?? new SourceError(`ss failed (${code || 'error'}${text ? `: ${text}` : ''}): per-connection traffic is unavailable.`, 'other');
      }
    },
  };
}
