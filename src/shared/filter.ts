/**
 * The filter grammar used by the table's filter box, the export and the CLI:
 *
 *   port:443 proc:firefox state:listen udp -state:time_wait "my app"
 *
 * Terms are ANDed. `key:value` terms: port (either end), lport, rport, proc (name, substring),
 * pid, state (prefix), proto, family (4|6), addr (either address, substring), host (remote host
 * name, substring), service (either service name), user, exposure (loopback|all|specific), change
 * (new|changed|closed). Values may list alternatives with commas (`port:80,443`), ports may be
 * ranges (`port:8000-8100`) and values may be quoted (`proc:"my app"`). Bare words: tcp, udp,
 * ipv4, ipv6, listening, established, exposed (a listener reachable beyond loopback), new, changed,
 * closed. Any other word is free text matched against addresses, process, service, host and state.
 * A leading `-` or `!` negates a term.
 *
 * Traffic and health (kernel counters, Linux): `rate>10k` (bytes per second, both directions
 * together), `bytes>=1M` (bytes sent and received so far), with `>`, `>=`, `<`, `<=` or `=` and no
 * spaces; sizes take k/M/G/T (×1000) or Ki/Mi/Gi/Ti (×1024), an optional `B`, and `/s` on rates.
 * A socket without counters (UDP, not yet measured) matches no comparison. `health:close-wait`
 * (syn-sent, accept-queue, ephemeral-ports, shadowed-listener, or `any`) keeps the rows a health
 * signal involves.
 */
import type { Connection, HealthKind, SocketState } from './model';
import { HEALTH_KINDS, SOCKET_STATES } from './model';
import { formatEndpoint, isIpLiteral } from './net';

/** One parsed condition. */
export type FilterTerm =
  | { kind: 'port'; which: 'any' | 'local' | 'remote'; ranges: Array<[number, number]>; negate: boolean }
  | { kind: 'pid'; pids: number[]; negate: boolean }
  | { kind: 'state'; states: SocketState[]; negate: boolean }
  | { kind: 'proto'; protocols: Array<'tcp' | 'udp'>; negate: boolean }
  | { kind: 'family'; families: Array<4 | 6>; negate: boolean }
  | { kind: 'text'; field: 'proc' | 'addr' | 'host' | 'service' | 'user' | 'any'; values: string[]; negate: boolean }
  | { kind: 'exposure'; values: Array<'loopback' | 'all-interfaces' | 'specific'>; negate: boolean }
  | { kind: 'exposed'; negate: boolean }
  | { kind: 'change'; values: Array<'new' | 'changed' | 'closed'>; negate: boolean }
  | { kind: 'measure'; measure: 'rate' | 'bytes'; op: Comparison; value: number; negate: boolean }
  | { kind: 'health'; kinds: HealthKind[] | 'any'; negate: boolean };

/** A comparison of a `rate`/`bytes` term. */
export type Comparison = '>' | '>=' | '<' | '<=' | '=';

/** A parsed filter: an empty list matches everything. */
export interface Filter {
  source: string;
  terms: FilterTerm[];
}

/**
 * Bounds of an expression, so one request cannot make every poll (and every export) crawl: a filter
 * is typed by a person, and these are far beyond what one types.
 */
export const FILTER_LIMITS = {
  /** Characters in the whole expression. */
  length: 1_000,
  /** Terms (words separated by spaces). */
  terms: 32,
  /** Values summed over all terms (`port:80,443` holds two). */
  values: 128,
} as const;

/** The result of parsing: never throws. */
export type ParsedFilter = { ok: true; filter: Filter } | { ok: false; error: string; position: number };

/** Keys of `key:value` terms, for help texts and error messages. */
export const FILTER_KEYS = [
  'port',
  'lport',
  'rport',
  'proc',
  'pid',
  'state',
  'proto',
  'family',
  'addr',
  'host',
  'service',
  'user',
  'exposure',
  'change',
  'health',
] as const;

const KEY_ALIASES: Record<string, (typeof FILTER_KEYS)[number]> = {
  process: 'proc',
  program: 'proc',
  ip: 'addr',
  address: 'addr',
  svc: 'service',
  protocol: 'proto',
  exp: 'exposure',
};

const STATE_ALIASES: Record<string, SocketState> = {
  listening: 'LISTEN',
  estab: 'ESTABLISHED',
  unconnected: 'UNCONN',
};

interface Token {
  text: string;
  position: number;
  quoted: boolean;
}

class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    if (/\s/.test(source[i] ?? '')) {
      i += 1;
      continue;
    }
    const start = i;
    let text = '';
    let quoted = false;
    while (i < source.length && !/\s/.test(source[i] ?? '')) {
      const ch = source[i] ?? '';
      if (ch === '"') {
        const close = source.indexOf('"', i + 1);
        if (close < 0) throw new FilterSyntaxError(`unterminated quote at column ${i + 1}`, i);
        text += source.slice(i + 1, close);
        quoted = true;
        i = close + 1;
      } else {
        text += ch;
        i += 1;
      }
    }
    tokens.push({ text, position: start, quoted });
  }
  return tokens;
}

function parsePortRange(value: string, position: number): [number, number] {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  const low = match ? Number(match[1]) : NaN;
  const high = match?.[2] !== undefined ? Number(match[2]) : low;
  if (!match || low > 65535 || high > 65535 || low > high) {
    throw new FilterSyntaxError(`"${value}" is not a port (0–65535) or a range like 8000-8100`, position);
  }
  return [low, high];
}

function parseState(value: string, position: number): SocketState[] {
  const word = value.toUpperCase().replace(/-/g, '_');
  const alias = STATE_ALIASES[value.toLowerCase()];
  if (alias) return [alias];
  const exact = SOCKET_STATES.filter((s) => s === word);
  if (exact.length > 0) return exact;
  const prefixed = SOCKET_STATES.filter((s) => s.startsWith(word));
  if (word === '' || prefixed.length === 0) {
    throw new FilterSyntaxError(`"${value}" is not a socket state (${SOCKET_STATES.join(', ').toLowerCase()})`, position);
  }
  return prefixed;
}

function pickList<T extends string>(value: string, allowed: Record<string, T>, what: string, position: number): T {
  const found = allowed[value.toLowerCase()];
  if (found === undefined) {
    throw new FilterSyntaxError(`"${value}" is not ${what} (${Object.keys(allowed).join(', ')})`, position);
  }
  return found;
}

function keyTerm(key: (typeof FILTER_KEYS)[number], rawValues: string[], negate: boolean, position: number): FilterTerm {
  if (rawValues.length === 0 || rawValues.some((value) => value === '')) {
    throw new FilterSyntaxError(`${key}: needs a value`, position);
  }
  switch (key) {
    case 'port':
    case 'lport':
    case 'rport':
      return {
        kind: 'port',
        which: key === 'port' ? 'any' : key === 'lport' ? 'local' : 'remote',
        ranges: rawValues.map((value) => parsePortRange(value, position)),
        negate,
      };
    case 'pid':
      return {
        kind: 'pid',
        pids: rawValues.map((value) => {
          if (!/^\d{1,10}$/.test(value)) throw new FilterSyntaxError(`"${value}" is not a process id`, position);
          return Number(value);
        }),
        negate,
      };
    case 'state':
      return { kind: 'state', states: rawValues.flatMap((value) => parseState(value, position)), negate };
    case 'proto':
      return { kind: 'proto', protocols: rawValues.map((value) => pickList(value, { tcp: 'tcp', udp: 'udp' }, 'a protocol', position)), negate };
    case 'family':
      return {
        kind: 'family',
        families: rawValues.map((value) => (pickList(value, { '4': '4', '6': '6', ipv4: '4', ipv6: '6' }, 'an IP version', position) === '4' ? 4 : 6)),
        negate,
      };
    case 'exposure':
      return {
        kind: 'exposure',
        values: rawValues.map((value) =>
          pickList(value, { loopback: 'loopback', all: 'all-interfaces', 'all-interfaces': 'all-interfaces', specific: 'specific' }, 'an exposure', position),
        ),
        negate,
      };
    case 'change':
      return {
        kind: 'change',
        values: rawValues.map((value) => pickList(value, { new: 'new', changed: 'changed', closed: 'closed' }, 'a change', position)),
        negate,
      };
    case 'health':
      return { kind: 'health', kinds: parseHealthKinds(rawValues, position), negate };
    case 'proc':
    case 'addr':
    case 'host':
    case 'service':
    case 'user':
      return { kind: 'text', field: key, values: rawValues.map((value) => value.toLowerCase()), negate };
  }
}

function parseHealthKinds(values: string[], position: number): HealthKind[] | 'any' {
  const kinds: HealthKind[] = [];
  for (const value of values) {
    const word = value.toLowerCase().replace(/_/g, '-');
    if (word === 'any') return 'any';
    if (!(HEALTH_KINDS as readonly string[]).includes(word)) {
      throw new FilterSyntaxError(`"${value}" is not a health signal (${[...HEALTH_KINDS, 'any'].join(', ')})`, position);
    }
    kinds.push(word as HealthKind);
  }
  return kinds;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3, ti: 1024 ** 4 };

/** `rate>10k`, `bytes<=1.5MiB`, `rate>=2M/s`: a traffic comparison, or null when the token is not one. */
function measureTerm(text: string, negate: boolean, position: number): FilterTerm | null {
  const m = /^(rate|bytes)(>=|<=|>|<|=)(.*)$/i.exec(text);
  if (!m) return null;
  const measure = (m[1] as string).toLowerCase() as 'rate' | 'bytes';
  const op = m[2] as Comparison;
  const amount = /^(\d{1,15}(?:\.\d{1,6})?)([kmgt]i?)?b?(\/s)?$/i.exec(m[3] as string);
  if (!amount || (amount[3] !== undefined && measure === 'bytes')) {
    throw new FilterSyntaxError(
      measure === 'rate'
        ? `"${m[3] as string}" is not a rate (bytes per second like 500, 10k, 1.5M or 2MiB/s)`
        : `"${m[3] as string}" is not a byte count (like 500, 10k, 1.5M or 2GiB)`,
      position,
    );
  }
  const unit = SIZE_UNITS[(amount[2] ?? '').toLowerCase()] ?? 1;
  return { kind: 'measure', measure, op, value: Number(amount[1]) * unit, negate };
}

const BARE_WORDS: Record<string, (negate: boolean) => FilterTerm> = {
  tcp: (negate) => ({ kind: 'proto', protocols: ['tcp'], negate }),
  udp: (negate) => ({ kind: 'proto', protocols: ['udp'], negate }),
  ipv4: (negate) => ({ kind: 'family', families: [4], negate }),
  ipv6: (negate) => ({ kind: 'family', families: [6], negate }),
  listening: (negate) => ({ kind: 'state', states: ['LISTEN'], negate }),
  listen: (negate) => ({ kind: 'state', states: ['LISTEN'], negate }),
  established: (negate) => ({ kind: 'state', states: ['ESTABLISHED'], negate }),
  exposed: (negate) => ({ kind: 'exposed', negate }),
  new: (negate) => ({ kind: 'change', values: ['new'], negate }),
  changed: (negate) => ({ kind: 'change', values: ['changed'], negate }),
  closed: (negate) => ({ kind: 'change', values: ['closed'], negate }),
};

function parseToken(token: Token): FilterTerm {
  let text = token.text;
  let negate = false;
  if (!token.quoted && (text.startsWith('-') || text.startsWith('!')) && text.length > 1) {
    negate = true;
    text = text.slice(1);
  }
  const measured = token.quoted ? null : measureTerm(text, negate, token.position);
  if (measured !== null) return measured;
  const colon = text.indexOf(':');
  const keyWord = colon > 0 ? text.slice(0, colon).toLowerCase() : '';
  if (colon > 0 && /^[a-z]+$/.test(keyWord)) {
    const key = (FILTER_KEYS as readonly string[]).includes(keyWord)
      ? (keyWord as (typeof FILTER_KEYS)[number])
      : KEY_ALIASES[keyWord];
    if (key !== undefined) return keyTerm(key, text.slice(colon + 1).split(','), negate, token.position);
    // `fe80::1` or `host:8080` are addresses typed as free text, not unknown keys.
    if (!isIpLiteral(text) && !/^[\w.-]+:\d+$/.test(text)) {
      throw new FilterSyntaxError(`unknown filter key "${keyWord}:" (use ${FILTER_KEYS.map((k) => `${k}:`).join(' ')})`, token.position);
    }
  }
  const bare = token.quoted ? undefined : BARE_WORDS[text.toLowerCase()];
  if (bare) return bare(negate);
  return { kind: 'text', field: 'any', values: [text.toLowerCase()], negate };
}

/** Parses a filter expression. Returns an error in words (with its column) instead of throwing. */
export function parseFilter(source: string): ParsedFilter {
  if (source.length > FILTER_LIMITS.length) {
    return { ok: false, error: `the filter is too long: ${source.length} characters (at most ${FILTER_LIMITS.length})`, position: FILTER_LIMITS.length };
  }
  try {
    const tokens = tokenize(source).filter((token) => token.text !== '');
    if (tokens.length > FILTER_LIMITS.terms) {
      const first = tokens[FILTER_LIMITS.terms]?.position ?? 0;
      throw new FilterSyntaxError(
        `the filter has ${tokens.length} terms (at most ${FILTER_LIMITS.terms}); list alternatives in one term instead, e.g. port:80,443`,
        first,
      );
    }
    const terms = tokens.map(parseToken);
    const values = terms.reduce((sum, term) => sum + termValueCount(term), 0);
    if (values > FILTER_LIMITS.values) {
      throw new FilterSyntaxError(`the filter lists ${values} values (at most ${FILTER_LIMITS.values})`, 0);
    }
    return { ok: true, filter: { source, terms } };
  } catch (error) {
    if (error instanceof FilterSyntaxError) return { ok: false, error: error.message, position: error.position };
    return { ok: false, error: error instanceof Error ? error.message : String(error), position: 0 };
  }
}

function termValueCount(term: FilterTerm): number {
  switch (term.kind) {
    case 'port':
      return term.ranges.length;
    case 'pid':
      return term.pids.length;
    case 'state':
      return term.states.length;
    case 'proto':
      return term.protocols.length;
    case 'family':
      return term.families.length;
    case 'text':
    case 'exposure':
    case 'change':
      return term.values.length;
    case 'exposed':
    case 'measure':
      return 1;
    case 'health':
      return term.kinds === 'any' ? 1 : term.kinds.length;
  }
}

function inRanges(port: number | null, ranges: Array<[number, number]>): boolean {
  return port !== null && ranges.some(([low, high]) => port >= low && port <= high);
}

function fieldTexts(c: Connection, field: TextField): string[] {
  const names = c.owners.map((o) => o.name);
  const addrs = [c.localAddress, c.remoteAddress ?? '', formatEndpoint(c.localAddress, c.localPort), formatEndpoint(c.remoteAddress, c.remotePort)];
  switch (field) {
    case 'proc':
      return names;
    case 'addr':
      return addrs;
    case 'host':
      return [c.remoteHost ?? ''];
    case 'service':
      return [c.service?.name ?? ''];
    case 'user':
      return c.owners.map((o) => o.user ?? '');
    case 'any':
      return [...names, ...addrs, c.remoteHost ?? '', c.service?.name ?? '', c.state, c.forward?.via ?? ''];
  }
}

type TextField = 'proc' | 'addr' | 'host' | 'service' | 'user' | 'any';

/** Lower-cased texts of one row, built once per field however many terms read them. */
type Haystacks = Partial<Record<TextField, string[]>>;

function haystack(c: Connection, field: TextField, cache: Haystacks): string[] {
  let texts = cache[field];
  if (texts === undefined) {
    texts = fieldTexts(c, field).map((s) => s.toLowerCase());
    cache[field] = texts;
  }
  return texts;
}

function termMatches(term: FilterTerm, c: Connection, cache: Haystacks): boolean {
  switch (term.kind) {
    case 'port':
      return (
        (term.which !== 'remote' && inRanges(c.localPort, term.ranges)) ||
        (term.which !== 'local' && inRanges(c.remotePort, term.ranges))
      );
    case 'pid':
      return c.owners.some((o) => term.pids.includes(o.pid));
    case 'state':
      return term.states.includes(c.state);
    case 'proto':
      return term.protocols.includes(c.protocol);
    case 'family':
      return term.families.includes(c.family);
    case 'exposure':
      return c.exposure != null && term.values.includes(c.exposure);
    case 'exposed':
      return (c.state === 'LISTEN' || c.state === 'UNCONN') && c.exposure != null && c.exposure !== 'loopback';
    case 'change':
      return c.change != null && term.values.includes(c.change);
    case 'text': {
      const texts = haystack(c, term.field, cache);
      return term.values.some((value) => texts.some((s) => s.includes(value)));
    }
    case 'measure': {
      const amount = measureOf(c, term.measure);
      return amount !== null && compare(amount, term.op, term.value);
    }
    case 'health':
      return c.health !== undefined && c.health.length > 0 && (term.kinds === 'any' || c.health.some((k) => (term.kinds as HealthKind[]).includes(k)));
  }
}

/** Both directions together; null when neither is known (UDP, not measured yet). */
function measureOf(c: Connection, measure: 'rate' | 'bytes'): number | null {
  const t = c.traffic;
  if (t == null) return null;
  const [a, b] = measure === 'rate' ? [t.sendRate, t.recvRate] : [t.bytesSent, t.bytesReceived];
  if (a === null && b === null) return null;
  return (a ?? 0) + (b ?? 0);
}

function compare(amount: number, op: Comparison, value: number): boolean {
  switch (op) {
    case '>':
      return amount > value;
    case '>=':
      return amount >= value;
    case '<':
      return amount < value;
    case '<=':
      return amount <= value;
    case '=':
      return amount === value;
  }
}

/** True when the connection satisfies every term. */
export function matchesFilter(filter: Filter, c: Connection): boolean {
  const cache: Haystacks = {};
  return filter.terms.every((term) => termMatches(term, c, cache) !== term.negate);
}

/** Parses and filters in one step; a bad expression yields its error and no rows. */
export function filterRows(source: string, rows: readonly Connection[]): { ok: true; rows: Connection[] } | { ok: false; error: string } {
  const parsed = parseFilter(source);
  if (!parsed.ok) return parsed;
  return { ok: true, rows: rows.filter((row) => matchesFilter(parsed.filter, row)) };
}
