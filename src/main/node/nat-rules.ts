/**
 * Reads NAT redirect rules with the packet filter's own tools, each under a time limit, without
 * asking for privileges: `nft -j list ruleset`, then `iptables-save -t nat`, then
 * `iptables -t nat -S`. Parsing and the wording of failures live in core (nat-rules.ts). The
 * result is reused for {@link NAT_REFRESH_MS}: the UI may ask on every visit to the Ports view.
 */
import type { NatRule, NatRulesResult } from '../../shared/model';
import { natResultFrom, type NatAttempt } from '../core/nat-rules';
import { createPortproxyReader, runCommand, type PortproxyReader, type RunCommand } from './portproxy';

/** How long one result is reused, ms. */
export const NAT_REFRESH_MS = 10_000;

/** Time limit of one tool run, ms. */
const TOOL_TIMEOUT_MS = 3_000;

/** The tools tried on Linux, in order. */
const LINUX_TOOLS: readonly { tool: string; file: string; args: readonly string[] }[] = [
  { tool: 'nft', file: 'nft', args: ['-j', 'list', 'ruleset'] },
  { tool: 'iptables-save', file: 'iptables-save', args: ['-t', 'nat'] },
  { tool: 'iptables', file: 'iptables', args: ['-t', 'nat', '-S'] },
];

/** Sorts a failed run into missing tool / permission / timeout / other. */
export function classifyFailure(tool: string, error: unknown): NatAttempt {
  const e = error as { code?: unknown; killed?: boolean; signal?: unknown; stderr?: unknown; message?: unknown };
  const stderr = typeof e?.stderr === 'string' ? e.stderr : '';
  const message = (stderr.trim() || (typeof e?.message === 'string' ? e.message : String(error))).split('\n')[0] ?? '';
  if (e?.code === 'ENOENT') return { tool, outcome: 'missing', message: `${tool} is not installed` };
  if (e?.killed === true || e?.signal === 'SIGTERM' || e?.code === 'ETIMEDOUT') return { tool, outcome: 'timeout', message: `${tool} did not answer in time` };
  if (e?.code === 'EACCES' || /permission denied|operation not permitted|must be root|are you root/i.test(message)) return { tool, outcome: 'permission', message };
  return { tool, outcome: 'failed', message: message.slice(0, 200) };
}

/** Reads the rules, cached. */
export interface NatRulesReader {
  read(): Promise<NatRulesResult>;
}

/** Test seams. */
export interface NatRulesDeps {
  platform?: NodeJS.Platform;
  run?: RunCommand;
  now?: () => number;
  portproxy?: PortproxyReader;
}

/** Windows keeps its port redirections in netsh portproxy: shown as `dnat` rules. */
async function windowsRules(portproxy: PortproxyReader): Promise<NatRulesResult> {
  const rules: NatRule[] = (await portproxy.rules()).map((r) => ({
    action: 'dnat',
    protocol: 'tcp',
    chain: `portproxy ${r.mode}`,
    inInterface: null,
    matchAddress: r.listenAddress,
    matchPorts: String(r.listenPort),
    toAddress: r.connectAddress,
    toPorts: String(r.connectPort),
    text: `netsh interface portproxy ${r.mode} listenaddress=${r.listenAddress} listenport=${r.listenPort} connectaddress=${r.connectAddress} connectport=${r.connectPort}`,
  }));
  return { readable: true, rules, source: 'netsh interface portproxy' };
}

/** Creates the reader for this OS. */
export function createNatRulesReader(deps: NatRulesDeps = {}): NatRulesReader {
  const platform = deps.platform ?? process.platform;
  const run = deps.run ?? runCommand;
  const now = deps.now ?? Date.now;
  let cached: { at: number; result: NatRulesResult } | null = null;
  let pending: Promise<NatRulesResult> | null = null;

  const readOnce = async (): Promise<NatRulesResult> => {
    if (platform === 'win32') return windowsRules(deps.portproxy ?? createPortproxyReader(run));
    if (platform !== 'linux') {
      return {
        readable: false,
        reason:
          platform === 'darwin'
            ? 'On macOS redirections live in pf, whose rules only an administrator may read (pfctl -s nat); Portwatch does not ask for those rights.'
            : `Reading NAT rules is not supported on ${platform}.`,
      };
    }
    const attempts: NatAttempt[] = [];
    for (const { tool, file, args } of LINUX_TOOLS) {
      try {
        const output = await run(file, args, TOOL_TIMEOUT_MS);
        attempts.push({ tool, outcome: 'ok', output });
        const result = natResultFrom(attempts);
        if (result.readable) return result;
      } catch (error) {
        attempts.push(classifyFailure(tool, error));
      }
    }
    return natResultFrom(attempts);
  };

  return {
    read: (): Promise<NatRulesResult> => {
      if (cached !== null && now() - cached.at < NAT_REFRESH_MS) return Promise.resolve(cached.result);
      pending ??= readOnce()
        .catch((error: unknown): NatRulesResult => ({ readable: false, reason: `NAT rules could not be read: ${error instanceof Error ? error.message : String(error)}` }))
        .then((result) => {
          cached = { at: now(), result };
          pending = null;
          return result;
        });
      return pending;
    },
  };
}
