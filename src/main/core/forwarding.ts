/**
 * Port forwards of known forwarders, read from their command lines, and the annotation that puts
 * them on the socket table's rows.
 *
 * Parsers (each total: bad or unexpected input gives no forward, never an exception):
 * - `ssh` (and `autossh`): `-L [bind:]port:host:hostport`, `-R …` (the listener is on the server),
 *   `-D [bind:]port` (SOCKS), glued (`-L8080:…`, `-fNL …`), repeated, bracketed IPv6, `-o` options
 *   (including `-o LocalForward=…` / `RemoteForward` / `DynamicForward`).
 * - `socat ADDRESS ADDRESS` where one is a `TCP-LISTEN`/`TCP4-LISTEN`/`TCP6-LISTEN` (or UDP) address
 *   and the other a `TCP:`/`TCP-CONNECT:`/`UDP:`/`OPENSSL:`/`SOCKS4:`/`PROXY:`/`UNIX-CONNECT:` one.
 * - `docker-proxy -proto tcp -host-ip … -host-port … -container-ip … -container-port …`.
 * - `kubectl port-forward RESOURCE [--address a,b] [LOCAL:]REMOTE …`.
 * - The text Windows prints for `netsh interface portproxy show all` (see {@link parsePortproxyOutput}).
 *
 * Command lines arrive as argv joined with spaces (Linux) or as the raw Windows command line, so
 * tokens split on whitespace, with double quotes grouping (Windows paths with spaces).
 */
import type { Connection, ForwardInfo, Protocol } from '../../shared/model';
import { formatEndpoint, isIPv4, isIPv6, isLoopback, isWildcard, stripBrackets } from '../../shared/net';
import { isListener, isPeerless, listenersWithAccepted } from './services';

/** A forward kind (see {@link ForwardInfo}). */
export type ForwardKind = ForwardInfo['kind'];

/** One forward a command line asks for. */
export interface ForwardSpec {
  kind: ForwardKind;
  protocol: Protocol;
  /** The bind address as written; null = the forwarder's default. */
  bindAddress: string | null;
  /** null = chosen at run time (kubectl `:80`, `ssh -R 0:…`). */
  listenPort: number | null;
  /** null for a dynamic (SOCKS) forward. */
  targetHost: string | null;
  targetPort: number | null;
  /** The words of the command line that set it up, for example `ssh -L 8080:db:5432`. */
  via: string;
  /** ssh -R: the destination host, where the listener lives; null for forwards listening here. */
  remoteHost: string | null;
}

/** Longest `via` text kept (command lines can be huge). */
const MAX_VIA = 200;

function clip(text: string): string {
  return text.length <= MAX_VIA ? text : `${text.slice(0, MAX_VIA - 1)}…`;
}

/** Splits a command line into words: whitespace separates, double quotes group (and are removed). */
export function tokenize(commandLine: string): string[] {
  const out: string[] = [];
  let current = '';
  let inWord = false;
  let quoted = false;
  for (const ch of commandLine) {
    if (ch === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r')) {
      if (inWord) out.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(current);
  return out;
}

/** The program's base name, lower case, without `.exe`: `/usr/bin/ssh` → `ssh`. */
export function programName(argv0: string): string {
  const base = argv0.slice(Math.max(argv0.lastIndexOf('/'), argv0.lastIndexOf('\\')) + 1).toLowerCase();
  return base.endsWith('.exe') ? base.slice(0, -4) : base;
}

/** A whole number 0–65535 written in digits only, else null. */
function portOf(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n <= 65535 ? n : null;
}

/**
 * Splits an ssh forward spec into fields at `:` (or `/`, OpenSSH's alternative, when there is no
 * `:`), keeping `[v6]` literals whole (brackets removed). null when a bracket is left open.
 */
function sshFields(spec: string): string[] | null {
  const useSlash = !spec.includes(':') && !spec.startsWith('/');
  const sep = useSlash ? '/' : ':';
  const fields: string[] = [];
  let current = '';
  let bracket = false;
  for (const ch of spec) {
    if (ch === '[' && current === '' && !bracket) {
      bracket = true;
    } else if (ch === ']' && bracket) {
      bracket = false;
    } else if (ch === sep && !bracket) {
      fields.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (bracket) return null;
  fields.push(current);
  return fields;
}

/** ssh's bind address words: empty or `*` = every interface, else as written. */
function sshBind(text: string): string {
  return text === '' || text === '*' ? '*' : text;
}

/** Parses one `-L`/`-R` spec; null when it is not a TCP port forward (Unix sockets, garbage). */
function parseSshForward(flag: 'L' | 'R', spec: string, destination: string | null): ForwardSpec | null {
  const fields = sshFields(spec);
  if (fields === null) return null;
  const via = clip(`ssh -${flag} ${spec}`);
  const kind: ForwardKind = flag === 'L' ? 'ssh-local' : 'ssh-remote';
  const remoteHost = flag === 'R' ? destination : null;
  let bind: string | null = null;
  let port: number | null;
  let host: string | null = null;
  let hostPort: number | null = null;
  if (fields.length === 4) {
    bind = sshBind(fields[0] ?? '');
    port = portOf(fields[1]);
    host = fields[2] ?? '';
    hostPort = portOf(fields[3]);
    if (hostPort === null) return null;
  } else if (fields.length === 3) {
    port = portOf(fields[0]);
    host = fields[1] ?? '';
    hostPort = portOf(fields[2]);
    if (hostPort === null) return null;
  } else if (fields.length === 2) {
    // `port:/remote/socket` (-L) or, for -R, `bind:port` (a reverse SOCKS forward).
    const second = fields[1] ?? '';
    if (flag === 'R' && portOf(second) !== null) {
      return { kind: 'ssh-remote', protocol: 'tcp', bindAddress: sshBind(fields[0] ?? ''), listenPort: portOf(second), targetHost: null, targetPort: null, via, remoteHost };
    }
    port = portOf(fields[0]);
    if (!second.startsWith('/')) return null;
    host = second;
  } else if (fields.length === 1 && flag === 'R') {
    port = portOf(fields[0]);
    if (port === null) return null;
    return { kind: 'ssh-remote', protocol: 'tcp', bindAddress: null, listenPort: port, targetHost: null, targetPort: null, via, remoteHost };
  } else {
    return null;
  }
  if (port === null || host === '') return null;
  // -R 0:… lets the server pick the port; -L 0 is not allowed.
  if (port === 0 && flag === 'L') return null;
  return { kind, protocol: 'tcp', bindAddress: bind, listenPort: port === 0 ? null : port, targetHost: host, targetPort: hostPort, via, remoteHost };
}

function parseSshDynamic(spec: string): ForwardSpec | null {
  const fields = sshFields(spec);
  if (fields === null || fields.length > 2) return null;
  const port = portOf(fields[fields.length - 1]);
  if (port === null || port === 0) return null;
  return {
    kind: 'ssh-dynamic',
    protocol: 'tcp',
    bindAddress: fields.length === 2 ? sshBind(fields[0] ?? '') : null,
    listenPort: port,
    targetHost: null,
    targetPort: null,
    via: clip(`ssh -D ${spec}`),
    remoteHost: null,
  };
}

/** ssh options that take an argument (OpenSSH's getopt string). */
const SSH_ARG_OPTIONS = new Set('BbcDEeFIiJLlmOoPpQRSWw');

/** The host part of an ssh destination: `user@host`, `ssh://user@host:port` → `host`. */
function sshHost(destination: string): string {
  let d = destination;
  if (d.startsWith('ssh://')) {
    d = d.slice(6);
    const at = d.lastIndexOf('@');
    if (at >= 0) d = d.slice(at + 1);
    if (d.startsWith('[')) return d.slice(1, Math.max(1, d.indexOf(']')));
    const colon = d.indexOf(':');
    return colon >= 0 ? d.slice(0, colon) : d;
  }
  const at = d.lastIndexOf('@');
  return at >= 0 ? d.slice(at + 1) : d;
}

/** ssh / autossh arguments → forwards. OpenSSH takes options before and after the destination. */
function parseSsh(args: readonly string[], autossh: boolean): ForwardSpec[] {
  const raw: { flag: 'L' | 'R' | 'D'; spec: string }[] = [];
  let destination: string | null = null;
  let i = 0;
  if (autossh) {
    // autossh's own options come first: -M port[:echo_port], -f, -V.
    while (i < args.length && (args[i] === '-M' || args[i] === '-f' || args[i] === '-V' || /^-M\d/.test(args[i] ?? ''))) {
      i += args[i] === '-M' ? 2 : 1;
    }
  }
  const takeOption = (letter: string, value: string): void => {
    if (letter === 'L' || letter === 'R' || letter === 'D') {
      raw.push({ flag: letter, spec: value });
    } else if (letter === 'o') {
      const m = /^(LocalForward|RemoteForward|DynamicForward)\s*[= ]\s*(.*)$/i.exec(value);
      if (!m) return;
      const which = (m[1] ?? '').toLowerCase();
      const rest = (m[2] ?? '').trim();
      if (which === 'dynamicforward') {
        raw.push({ flag: 'D', spec: rest });
        return;
      }
      // `LocalForward [bind:]port host:hostport`: two words, which the joined argv may have split.
      let words = rest.split(/\s+/).filter((w) => w !== '');
      if (words.length === 1 && i + 1 < args.length && /:\d+$/.test(args[i + 1] ?? '')) {
        words = [words[0] ?? '', args[i + 1] ?? ''];
        i += 1;
      }
      if (words.length === 2) raw.push({ flag: which === 'localforward' ? 'L' : 'R', spec: `${words[0] ?? ''}:${words[1] ?? ''}` });
    }
  };
  for (; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      if (destination === null && i + 1 < args.length) destination = args[i + 1] ?? null;
      break;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j += 1) {
        const letter = arg[j] ?? '';
        if (!SSH_ARG_OPTIONS.has(letter)) continue;
        let value = arg.slice(j + 1);
        if (value === '') {
          if (i + 1 >= args.length) break;
          i += 1;
          value = args[i] ?? '';
        }
        takeOption(letter, value);
        break;
      }
      continue;
    }
    if (destination === null) {
      destination = arg;
      continue;
    }
    break; // the remote command starts here
  }
  const host = destination === null ? null : sshHost(destination);
  const out: ForwardSpec[] = [];
  for (const { flag, spec } of raw) {
    const parsed = flag === 'D' ? parseSshDynamic(spec) : parseSshForward(flag, spec, host);
    if (parsed) out.push(parsed);
  }
  return out;
}

/** socat options whose value may come as the next word. */
const SOCAT_ARG_OPTIONS = new Set(['-b', '-t', '-T', '-lf', '-lp', '-L', '-W', '-S', '-r', '-R']);

/** A socat address split into its type (upper case), colon parameters and comma options. */
interface SocatAddress {
  type: string;
  params: string[];
  options: Map<string, string>;
  text: string;
}

/** Splits `TYPE:p1:p2,opt=v,…` keeping `[v6]` literals whole. */
function parseSocatAddress(text: string): SocatAddress {
  const parts: string[] = [];
  let current = '';
  let bracket = 0;
  let optionsText = '';
  for (let k = 0; k < text.length; k += 1) {
    const ch = text[k] ?? '';
    if (ch === '[') bracket += 1;
    if (ch === ']') bracket = Math.max(0, bracket - 1);
    if (bracket === 0 && ch === ',') {
      optionsText = text.slice(k + 1);
      break;
    }
    if (bracket === 0 && ch === ':') {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  const options = new Map<string, string>();
  for (const opt of optionsText.split(',')) {
    if (opt === '') continue;
    const eq = opt.indexOf('=');
    options.set((eq < 0 ? opt : opt.slice(0, eq)).toLowerCase(), eq < 0 ? '' : opt.slice(eq + 1));
  }
  return { type: (parts[0] ?? '').toUpperCase(), params: parts.slice(1), options, text };
}

const SOCAT_LISTEN = /^(TCP|TCP4|TCP6|UDP|UDP4|UDP6|OPENSSL|SSL)-(LISTEN|L)$/;

/** The target of a socat connecting address, or null when it is not one we describe. */
function socatTarget(address: SocatAddress): { host: string; port: number | null } | null {
  const t = address.type;
  const p = address.params;
  if (/^(TCP|TCP4|TCP6|UDP|UDP4|UDP6)(-CONNECT|-SENDTO)?$/.test(t) || t === 'OPENSSL' || t === 'OPENSSL-CONNECT' || t === 'SSL') {
    if (p.length !== 2) return null;
    const port = portOf(p[1]);
    const host = stripBrackets(p[0] ?? '');
    return port === null || port === 0 || host === '' ? null : { host, port };
  }
  // SOCKS4/SOCKS4A:proxy:host:port and PROXY:proxy:host:port reach host:port through the proxy.
  if (t === 'SOCKS4' || t === 'SOCKS4A' || t === 'SOCKS5' || t === 'PROXY' || t === 'PROXY-CONNECT') {
    if (p.length !== 3) return null;
    const port = portOf(p[2]);
    const host = stripBrackets(p[1] ?? '');
    return port === null || port === 0 || host === '' ? null : { host, port };
  }
  if (t === 'UNIX-CONNECT' || t === 'UNIX-CLIENT' || t === 'UNIX') {
    const path = p.join(':');
    return path === '' ? null : { host: path, port: null };
  }
  return null;
}

function parseSocat(args: readonly string[]): ForwardSpec[] {
  const addresses: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg.startsWith('-') && arg.length > 1 && addresses.length === 0) {
      if (SOCAT_ARG_OPTIONS.has(arg)) i += 1;
      continue;
    }
    addresses.push(arg);
  }
  if (addresses.length !== 2) return [];
  const [a, b] = addresses.map(parseSocatAddress) as [SocatAddress, SocatAddress];
  const listen = SOCAT_LISTEN.test(a.type) ? a : SOCAT_LISTEN.test(b.type) ? b : null;
  if (listen === null) return [];
  const other = listen === a ? b : a;
  const port = portOf(listen.params[0]);
  if (port === null || port === 0 || listen.params.length !== 1) return [];
  const target = socatTarget(other);
  if (target === null) return [];
  const bind = listen.options.get('bind');
  return [
    {
      kind: 'socat',
      protocol: listen.type.startsWith('UDP') ? 'udp' : 'tcp',
      bindAddress: bind === undefined || bind === '' ? null : stripBrackets(bind),
      listenPort: port,
      targetHost: target.host,
      targetPort: target.port,
      via: clip(`socat ${listen.text} ${other.text}`),
      remoteHost: null,
    },
  ];
}

/** Go-style flags (`-name value`, `-name=value`, `--name …`) into a map; repeated names keep the last. */
function goFlags(args: readonly string[], boolean: ReadonlySet<string>): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('-')) continue;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    if (eq >= 0) {
      flags.set(body.slice(0, eq), body.slice(eq + 1));
    } else if (boolean.has(body)) {
      flags.set(body, 'true');
    } else if (i + 1 < args.length) {
      flags.set(body, args[i + 1] ?? '');
      i += 1;
    }
  }
  return flags;
}

function parseDockerProxy(args: readonly string[]): ForwardSpec[] {
  const flags = goFlags(args, new Set(['use-listen-fd', 'h', 'help']));
  const proto = (flags.get('proto') ?? 'tcp').toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp') return [];
  const hostPort = portOf(flags.get('host-port'));
  const containerIp = stripBrackets(flags.get('container-ip') ?? '');
  const containerPort = portOf(flags.get('container-port'));
  if (hostPort === null || hostPort === 0 || containerPort === null || containerPort === 0 || containerIp === '') return [];
  const hostIp = stripBrackets(flags.get('host-ip') ?? '');
  return [
    {
      kind: 'docker-proxy',
      protocol: proto,
      bindAddress: hostIp === '' ? null : hostIp,
      listenPort: hostPort,
      targetHost: containerIp,
      targetPort: containerPort,
      via: clip(`docker-proxy -proto ${proto} -host-ip ${hostIp || '*'} -host-port ${hostPort} -container-ip ${containerIp} -container-port ${containerPort}`),
      remoteHost: null,
    },
  ];
}

/** kubectl flags that take a value (global ones and port-forward's). */
const KUBECTL_ARG_FLAGS = new Set([
  '-n',
  '--namespace',
  '--address',
  '--pod-running-timeout',
  '--context',
  '--kubeconfig',
  '--cluster',
  '--user',
  '-s',
  '--server',
  '--token',
  '--as',
  '--as-group',
  '--as-uid',
  '--request-timeout',
  '-v',
  '--v',
  '--certificate-authority',
  '--client-certificate',
  '--client-key',
  '--tls-server-name',
  '--cache-dir',
  '--username',
  '--password',
  '--profile',
  '--profile-output',
  '--log-flush-frequency',
  '--vmodule',
]);

function parseKubectl(args: readonly string[]): ForwardSpec[] {
  const positional: string[] = [];
  let namespace: string | null = null;
  let addresses: string[] = ['localhost'];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg.startsWith('-') && arg.length > 1) {
      let name = arg;
      let value: string | null = null;
      const eq = arg.indexOf('=');
      if (eq >= 0) {
        name = arg.slice(0, eq);
        value = arg.slice(eq + 1);
      } else if (KUBECTL_ARG_FLAGS.has(arg) && i + 1 < args.length) {
        value = args[i + 1] ?? '';
        i += 1;
      }
      if ((name === '-n' || name === '--namespace') && value !== null) namespace = value;
      if (name === '--address' && value !== null) addresses = value.split(',').filter((a) => a !== '');
      continue;
    }
    positional.push(arg);
  }
  if (positional[0] !== 'port-forward' || positional.length < 3) return [];
  const resource = positional[1] ?? '';
  const target = namespace === null ? resource : `${namespace}/${resource}`;
  const out: ForwardSpec[] = [];
  for (const mapping of positional.slice(2)) {
    const colon = mapping.indexOf(':');
    const localText = colon < 0 ? mapping : mapping.slice(0, colon);
    const remoteText = colon < 0 ? mapping : mapping.slice(colon + 1);
    const remote = portOf(remoteText);
    const local = localText === '' ? 0 : portOf(localText);
    if (remote === null || remote === 0 || local === null || mapping.split(':').length > 2) continue;
    for (const address of addresses.length > 0 ? addresses : ['localhost']) {
      out.push({
        kind: 'kubectl',
        protocol: 'tcp',
        bindAddress: address,
        listenPort: local === 0 ? null : local,
        targetHost: target,
        targetPort: remote,
        via: clip(`kubectl port-forward ${resource} ${mapping}`),
        remoteHost: null,
      });
    }
  }
  return out;
}

/**
 * The forwards a process's command line sets up; [] for anything that is not a known forwarder
 * or does not parse. Never throws.
 */
export function parseForwarderCommandLine(commandLine: string): ForwardSpec[] {
  if (typeof commandLine !== 'string' || commandLine.length === 0 || commandLine.length > 65_536) return [];
  const words = tokenize(commandLine);
  const program = programName(words[0] ?? '');
  const args = words.slice(1);
  switch (program) {
    case 'ssh':
      return parseSsh(args, false);
    case 'autossh':
      return parseSsh(args, true);
    case 'socat':
    case 'socat1':
    case 'socat2':
      return parseSocat(args);
    case 'docker-proxy':
      return parseDockerProxy(args);
    case 'kubectl':
    case 'oc':
      return parseKubectl(args);
    default:
      return [];
  }
}

/** One rule of `netsh interface portproxy show all`. */
export interface PortproxyRule {
  /** `v4tov4`, `v4tov6`, `v6tov4` or `v6tov6` (from the section heading; `v4tov4` when unknown). */
  mode: string;
  listenAddress: string;
  listenPort: number;
  connectAddress: string;
  connectPort: number;
}

/**
 * Parses the output of `netsh interface portproxy show all`: section headings such as
 * `Listen on ipv4:             Connect to ipv4:`, a column header, a dashed line, then rows of
 * `address port address port`. Headings are localized, so rows are recognised by shape alone.
 */
export function parsePortproxyOutput(text: string): PortproxyRule[] {
  if (typeof text !== 'string') return [];
  const rules: PortproxyRule[] = [];
  let mode = 'v4tov4';
  for (const line of text.split(/\r?\n/)) {
    const heading = /ipv([46]).*ipv([46])/i.exec(line);
    if (heading) {
      mode = `v${heading[1] ?? '4'}tov${heading[2] ?? '4'}`;
      continue;
    }
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 4) continue;
    const [listenAddress = '', listenText, connectAddress = '', connectText] = fields;
    const listenPort = portOf(listenText);
    const connectPort = portOf(connectText);
    if (listenPort === null || connectPort === null || listenPort === 0 || connectPort === 0) continue;
    const addressLike = (a: string): boolean => a === '*' || isIPv4(a) || isIPv6(a) || /^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(a);
    if (!addressLike(listenAddress) || !addressLike(connectAddress) || /^-+$/.test(listenAddress)) continue;
    rules.push({ mode, listenAddress, listenPort, connectAddress, connectPort });
  }
  return rules;
}

/** A bounded memo of parsed command lines (a table repeats the same few thousand). */
export class ForwardParseCache {
  private readonly map = new Map<string, ForwardSpec[]>();

  constructor(private readonly limit = 1024) {}

  /** The parse of `commandLine`, computed once. */
  get(commandLine: string): ForwardSpec[] {
    let found = this.map.get(commandLine);
    if (found === undefined) {
      found = parseForwarderCommandLine(commandLine);
      if (this.map.size >= this.limit) {
        const oldest = this.map.keys().next();
        if (oldest.done !== true) this.map.delete(oldest.value);
      }
      this.map.set(commandLine, found);
    }
    return found;
  }

  /** Number of command lines held. */
  get size(): number {
    return this.map.size;
  }
}

/** What {@link annotateForwards} uses besides the rows. */
export interface ForwardContext {
  /** Windows port proxy rules (`netsh interface portproxy show all`). */
  portproxy?: readonly PortproxyRule[];
  /** Parse memo kept across reads; a fresh one per call when absent. */
  cache?: ForwardParseCache;
}

/** Does a forwarder's bind address fit the address a listener really has? */
function bindFits(bind: string | null, address: string): boolean {
  if (bind === null) return true;
  const b = bind.toLowerCase();
  // ssh `*:port` and `0.0.0.0` forms bind every family's wildcard (or a subset): any address fits.
  if (b === '*' || b === '' || isWildcard(b)) return true;
  if (b === 'localhost') return isLoopback(address) || isWildcard(address);
  if (!isIPv4(b) && !isIPv6(b)) return true; // a host name we cannot resolve here
  const a = address.toLowerCase();
  return a === b || a === `::ffff:${b}` || b === `::ffff:${a}` || isWildcard(a);
}

/** Does a row's remote end look like the forward's target? */
function targetFits(spec: Pick<ForwardSpec, 'targetHost' | 'targetPort'>, row: Connection): boolean {
  if (spec.targetPort === null || row.remotePort !== spec.targetPort || row.remoteAddress === null) return false;
  const host = (spec.targetHost ?? '').toLowerCase();
  const remote = row.remoteAddress.toLowerCase();
  if (isIPv4(host) || isIPv6(host)) return remote === host || remote === `::ffff:${host}`;
  if (host === 'localhost') return isLoopback(remote);
  return true; // a name: the port alone must do
}

function sharesPid(a: Connection, b: Connection): boolean {
  return a.owners.some((o) => b.owners.some((p) => p.pid === o.pid));
}

/** The ForwardInfo a spec gives a listener at `address:port`. */
function infoFor(spec: ForwardSpec, address: string, port: number): ForwardInfo {
  return { kind: spec.kind, listenAddress: address, listenPort: port, targetHost: spec.targetHost, targetPort: spec.targetPort, via: spec.via };
}

/** The ForwardInfo of an ssh -R forward, described on the ssh process's own connections. */
function remoteInfo(spec: ForwardSpec, row: Connection): ForwardInfo {
  const where = spec.remoteHost ?? row.remoteHost ?? row.remoteAddress ?? 'remote';
  return { kind: 'ssh-remote', listenAddress: where, listenPort: spec.listenPort ?? 0, targetHost: spec.targetHost, targetPort: spec.targetPort, via: spec.via };
}

/** Picks the spec for a listener: an exact port beats a run-time port; the bind must fit. */
function specForListener(specs: readonly ForwardSpec[], row: Connection, taken: ReadonlyMap<ForwardSpec, number>): ForwardSpec | null {
  let loose: ForwardSpec | null = null;
  for (const spec of specs) {
    if (spec.remoteHost !== null || spec.kind === 'ssh-remote' || spec.protocol !== row.protocol) continue;
    if (!bindFits(spec.bindAddress, row.localAddress)) continue;
    if (spec.listenPort === row.localPort) return spec;
    // A run-time port goes to one port only (kubectl `:80` binds it on 127.0.0.1 and ::1 alike).
    const takenPort = taken.get(spec);
    if (spec.listenPort === null && loose === null && (takenPort === undefined || takenPort === row.localPort)) loose = spec;
  }
  return loose;
}

/** The Windows port proxy rule a listener serves, if any. */
function portproxyFor(rules: readonly PortproxyRule[], row: Connection): PortproxyRule | null {
  if (row.protocol !== 'tcp') return null;
  for (const rule of rules) {
    if (rule.listenPort !== row.localPort) continue;
    const a = rule.listenAddress.toLowerCase();
    if (a === '*' || isWildcard(a) || a === row.localAddress.toLowerCase() || isWildcard(row.localAddress) || (a === 'localhost' && isLoopback(row.localAddress))) return rule;
  }
  return null;
}

/**
 * Sets `forward` on the rows that take part in a known forward, in place:
 * - the listener (its real address and port → the target);
 * - the connections that listener accepted (so the table can show "→ target" on them);
 * - the forwarder's own outbound connections to the target (the other end of the forward);
 * - for `ssh -R`, the ssh process's outbound connections (the listener is on the server).
 * Rows already carrying a forward keep it. Returns how many rows were annotated.
 */
export function annotateForwards(rows: Connection[], context: ForwardContext = {}): number {
  const cache = context.cache ?? new ForwardParseCache();
  const portproxy = context.portproxy ?? [];
  let count = 0;
  // Specs per pid, parsed once per command line.
  const specsOf = new Map<number, ForwardSpec[]>();
  const pidSpecs = (row: Connection): ForwardSpec[] => {
    const out: ForwardSpec[] = [];
    for (const owner of row.owners) {
      let specs = specsOf.get(owner.pid);
      if (specs === undefined) {
        specs = owner.commandLine ? cache.get(owner.commandLine) : [];
        specsOf.set(owner.pid, specs);
      }
      out.push(...specs);
    }
    return out;
  };
  // Quick exit: most tables hold no forwarder at all.
  let any = portproxy.length > 0;
  if (!any) {
    for (const row of rows) {
      if (row.owners.length > 0 && pidSpecs(row).length > 0) {
        any = true;
        break;
      }
    }
  }
  if (!any) return 0;

  const listenerForward = new Map<Connection, ForwardInfo>();
  const taken = new Map<ForwardSpec, number>();
  for (const row of rows) {
    if (row.forward || !isListener(row)) continue;
    const specs = pidSpecs(row);
    const spec = specs.length > 0 ? specForListener(specs, row, taken) : null;
    let info: ForwardInfo | null = null;
    if (spec !== null) {
      taken.set(spec, row.localPort);
      info = infoFor(spec, row.localAddress, row.localPort);
    } else {
      const rule = portproxyFor(portproxy, row);
      if (rule !== null) {
        const proxySpec: ForwardSpec = {
          kind: 'portproxy',
          protocol: 'tcp',
          bindAddress: rule.listenAddress,
          listenPort: rule.listenPort,
          targetHost: rule.connectAddress,
          targetPort: rule.connectPort,
          via: `netsh portproxy ${rule.mode} ${formatEndpoint(rule.listenAddress, rule.listenPort)} ${formatEndpoint(rule.connectAddress, rule.connectPort)}`,
          remoteHost: null,
        };
        info = infoFor(proxySpec, row.localAddress, row.localPort);
        // The proxy's own connections to the target are its other end (see below): give its
        // process the rule as a spec (a copy: the memo's arrays are shared).
        for (const owner of row.owners) specsOf.set(owner.pid, [...(specsOf.get(owner.pid) ?? []), proxySpec]);
      }
    }
    if (info === null) continue;
    row.forward = info;
    listenerForward.set(row, info);
    count += 1;
  }
  const groups = listenersWithAccepted(rows);
  const accepted = new Set<Connection>();
  for (const group of groups) {
    for (const row of group.accepted) accepted.add(row);
    const info = listenerForward.get(group.listener);
    if (info === undefined) continue;
    for (const row of group.accepted) {
      if (row.forward) continue;
      row.forward = info;
      count += 1;
    }
  }
  // The other end: the forwarder's own connections out (not accepted ones, not listeners).
  for (const row of rows) {
    if (row.forward || row.owners.length === 0 || isPeerless(row) || isListener(row) || accepted.has(row)) continue;
    const specs = pidSpecs(row);
    if (specs.length === 0) continue;
    const direct = specs.find((spec) => spec.kind !== 'ssh-remote' && targetFits(spec, row));
    if (direct !== undefined) {
      // Describe it like the listener it serves, when that listener is in the table.
      // (socat's forked children hold the connections but not the listener: match by `via` too.)
      let info: ForwardInfo | undefined;
      for (const [listener, candidate] of listenerForward) {
        if (candidate.via !== direct.via) continue;
        info = candidate;
        if (sharesPid(listener, row)) break;
      }
      row.forward = info ?? infoFor(direct, direct.bindAddress ?? '*', direct.listenPort ?? 0);
      count += 1;
      continue;
    }
    const remotes = specs.filter((spec) => spec.kind === 'ssh-remote');
    if (remotes.length > 0) {
      const spec = remotes.find((s) => targetFits(s, row)) ?? (remotes[0] as ForwardSpec);
      row.forward = remoteInfo(spec, row);
      count += 1;
    }
  }
  return count;
}
