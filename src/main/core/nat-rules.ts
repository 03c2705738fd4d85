/**
 * NAT redirect rules from the packet filter's own listings, parsed without privileges of our own:
 * - `nft -j list ruleset` (JSON): rules holding a `redirect` or `dnat` statement;
 * - `iptables-save -t nat` / `iptables -t nat -S` (the same `-A CHAIN …` lines): `-j REDIRECT
 *   --to-ports …` and `-j DNAT --to-destination …`.
 * And the words for a result that could not be read (see {@link natResultFrom}). Total functions:
 * malformed input gives fewer rules, never an exception.
 */
import type { NatRule, NatRulesResult, Protocol } from '../../shared/model';

/** Longest rule text kept. */
const MAX_TEXT = 300;

function clip(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}

function protocolOf(text: string | null | undefined): Protocol | null {
  const p = (text ?? '').toLowerCase();
  return p === 'tcp' || p === '6' ? 'tcp' : p === 'udp' || p === '17' ? 'udp' : null;
}

/** iptables port ranges are written `a:b`; we show `a-b` like nft does. */
function portText(text: string): string {
  return text.replace(/:/g, '-');
}

/** Splits a `--to-destination` value: `10.0.0.5:8443`, `[2001:db8::1]:80`, `10.0.0.5`, `10.0.0.5-10.0.0.9:80-90`. */
function splitDestination(value: string): { address: string | null; ports: string | null } {
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close < 0) return { address: value, ports: null };
    const rest = value.slice(close + 1);
    return { address: value.slice(1, close), ports: rest.startsWith(':') && rest.length > 1 ? rest.slice(1) : null };
  }
  // More than one colon and no brackets: a bare IPv6 address.
  if ((value.match(/:/g) ?? []).length > 1) return { address: value, ports: null };
  const colon = value.indexOf(':');
  if (colon < 0) return { address: value === '' ? null : value, ports: null };
  return { address: value.slice(0, colon) === '' ? null : value.slice(0, colon), ports: value.slice(colon + 1) || null };
}

/**
 * Parses iptables rules in `-A CHAIN …` form (`iptables-save` output, with `*nat`/`:CHAIN`/`COMMIT`
 * lines skipped, or `iptables -S`). Only DNAT and REDIRECT targets are rules we show.
 */
export function parseIptablesRules(text: string): NatRule[] {
  if (typeof text !== 'string') return [];
  const rules: NatRule[] = [];
  let table = 'nat';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      table = line.slice(1);
      continue;
    }
    if (table !== 'nat' || !line.startsWith('-A ')) continue;
    const words = line.split(/\s+/);
    const chain = words[1] ?? '';
    let protocol: Protocol | null = null;
    let inInterface: string | null = null;
    let matchAddress: string | null = null;
    let matchPorts: string | null = null;
    let target: string | null = null;
    let toAddress: string | null = null;
    let toPorts: string | null = null;
    let negate = false;
    for (let i = 2; i < words.length; i += 1) {
      const w = words[i] ?? '';
      const next = words[i + 1];
      if (w === '!') {
        negate = true;
        continue;
      }
      const negated = negate;
      const not = negated ? '! ' : '';
      negate = false;
      if (next === undefined) continue;
      switch (w) {
        case '-p':
        case '--protocol':
          protocol = negated ? null : protocolOf(next);
          i += 1;
          break;
        case '-i':
        case '--in-interface':
          inInterface = `${not}${next}`;
          i += 1;
          break;
        case '-d':
        case '--destination':
          matchAddress = `${not}${next}`;
          i += 1;
          break;
        case '--dport':
        case '--destination-port':
        case '--dports':
        case '--destination-ports':
          matchPorts = `${negated ? 'not ' : ''}${portText(next)}`;
          i += 1;
          break;
        case '-j':
        case '--jump':
          target = next.toUpperCase();
          i += 1;
          break;
        case '--to-ports':
          toPorts = next;
          i += 1;
          break;
        case '--to-destination':
        case '--to': {
          const d = splitDestination(next);
          toAddress = d.address;
          toPorts = d.ports;
          i += 1;
          break;
        }
        default:
          break;
      }
    }
    if (target !== 'REDIRECT' && target !== 'DNAT') continue;
    if (target === 'DNAT' && toAddress === null && toPorts === null) continue;
    rules.push({
      action: target === 'REDIRECT' ? 'redirect' : 'dnat',
      protocol,
      chain,
      inInterface,
      matchAddress,
      matchPorts,
      toAddress: target === 'REDIRECT' ? null : toAddress,
      toPorts,
      text: clip(line),
    });
  }
  return rules;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An nft JSON value (`80`, `"10.0.0.5"`, `{set:[…]}`, `{range:[a,b]}`, `{prefix:{addr,len}}`) as text. */
function nftValue(value: unknown): string | null {
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  if (Array.isArray(value)) return value.map(nftValue).filter((v) => v !== null).join(',');
  if (!isRecord(value)) return null;
  if ('set' in value) return nftValue(value.set);
  if (Array.isArray(value.range) && value.range.length === 2) return `${nftValue(value.range[0]) ?? ''}-${nftValue(value.range[1]) ?? ''}`;
  if (isRecord(value.prefix)) return `${nftValue(value.prefix.addr) ?? ''}/${nftValue(value.prefix.len) ?? ''}`;
  return null;
}

/** A short text of an nft rule, nft-style, from what we understood of it. */
function nftRuleText(rule: NatRule, family: string, table: string): string {
  const parts = [`${family} ${table} ${rule.chain}:`];
  if (rule.inInterface) parts.push(`iifname ${rule.inInterface}`);
  if (rule.matchAddress) parts.push(`daddr ${rule.matchAddress}`);
  if (rule.protocol || rule.matchPorts) parts.push(`${rule.protocol ?? 'th'} dport ${rule.matchPorts ?? 'any'}`);
  if (rule.action === 'redirect') parts.push(`redirect${rule.toPorts ? ` to :${rule.toPorts}` : ''}`);
  else parts.push(`dnat to ${rule.toAddress ?? ''}${rule.toPorts ? `:${rule.toPorts}` : ''}`);
  return clip(parts.join(' '));
}

/** Parses `nft -j list ruleset` output. Not JSON (or not nft's shape) gives an error in words. */
export function parseNftJson(text: string): { ok: true; rules: NatRule[] } | { ok: false; error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: 'nft printed something that is not JSON' };
  }
  if (!isRecord(data) || !Array.isArray(data.nftables)) return { ok: false, error: 'nft printed JSON without an "nftables" list' };
  const rules: NatRule[] = [];
  for (const item of data.nftables) {
    if (!isRecord(item) || !isRecord(item.rule)) continue;
    const r = item.rule;
    if (!Array.isArray(r.expr)) continue;
    const rule: NatRule = {
      action: 'redirect',
      protocol: null,
      chain: typeof r.chain === 'string' ? r.chain : '',
      inInterface: null,
      matchAddress: null,
      matchPorts: null,
      toAddress: null,
      toPorts: null,
      text: '',
    };
    let found = false;
    for (const expr of r.expr) {
      if (!isRecord(expr)) continue;
      if (isRecord(expr.match)) {
        const m = expr.match;
        const negate = m.op === '!=';
        const right = nftValue(m.right);
        if (right === null || !isRecord(m.left)) continue;
        const left = m.left;
        if (isRecord(left.payload)) {
          const field = left.payload.field;
          const proto = typeof left.payload.protocol === 'string' ? left.payload.protocol : '';
          if (field === 'dport') {
            rule.matchPorts = `${negate ? 'not ' : ''}${right}`;
            if (proto === 'tcp' || proto === 'udp') rule.protocol = proto;
          } else if (field === 'daddr') {
            rule.matchAddress = `${negate ? '! ' : ''}${right}`;
          }
        } else if (isRecord(left.meta)) {
          const key = left.meta.key;
          if (key === 'l4proto' && !negate) rule.protocol = protocolOf(right);
          if (key === 'iifname' || key === 'iif') rule.inInterface = `${negate ? '! ' : ''}${right}`;
        }
      } else if (isRecord(expr.redirect) || expr.redirect === null) {
        found = true;
        rule.action = 'redirect';
        rule.toPorts = isRecord(expr.redirect) ? nftValue(expr.redirect.port) : null;
      } else if (isRecord(expr.dnat)) {
        found = true;
        rule.action = 'dnat';
        rule.toAddress = nftValue(expr.dnat.addr);
        rule.toPorts = nftValue(expr.dnat.port);
      }
    }
    if (!found) continue;
    rule.text = nftRuleText(rule, typeof r.family === 'string' ? r.family : '', typeof r.table === 'string' ? r.table : '');
    rules.push(rule);
  }
  return { ok: true, rules };
}

/** How one attempt to list the rules went (the Node adapter runs the tools; this decides). */
export type NatAttempt =
  | { tool: string; outcome: 'ok'; output: string }
  | { tool: string; outcome: 'missing' | 'permission' | 'timeout' | 'failed'; message: string };

/** The parse of a successful attempt, or an error when its output made no sense. */
function parseAttempt(tool: string, output: string): { ok: true; rules: NatRule[] } | { ok: false; error: string } {
  if (tool === 'nft') return parseNftJson(output);
  return { ok: true, rules: parseIptablesRules(output) };
}

/**
 * The result for the user from the attempts made, in order of preference: the first that worked,
 * else the reason, worded for the most telling failure (permission beats missing tools).
 */
export function natResultFrom(attempts: readonly NatAttempt[]): NatRulesResult {
  const problems: string[] = [];
  for (const attempt of attempts) {
    if (attempt.outcome === 'ok') {
      const parsed = parseAttempt(attempt.tool, attempt.output);
      if (parsed.ok) return { readable: true, rules: parsed.rules, source: attempt.tool };
      problems.push(`${attempt.tool}: ${parsed.error}`);
    }
  }
  if (attempts.length === 0) return { readable: false, reason: 'No way to read NAT rules is known on this system.' };
  const denied = attempts.filter((a) => a.outcome === 'permission');
  if (denied.length > 0) {
    return {
      readable: false,
      reason: `Permission denied: reading the packet filter's NAT rules (${denied.map((a) => a.tool).join(', ')}) needs administrator rights, and Portwatch runs without them.`,
    };
  }
  if (attempts.every((a) => a.outcome === 'missing')) {
    return { readable: false, reason: `Neither ${attempts.map((a) => a.tool).join(' nor ')} is installed, so NAT rules cannot be read.` };
  }
  for (const a of attempts) {
    if (a.outcome === 'timeout') problems.push(`${a.tool} did not answer in time`);
    if (a.outcome === 'failed') problems.push(`${a.tool}: ${a.message}`);
  }
  return { readable: false, reason: `NAT rules could not be read (${problems.join('; ')}).` };
}
