/**
 * Address and endpoint helpers shared by every layer: recognising IPv4/IPv6 literals and host
 * names, formatting `address:port` the way users read it (`[::1]:443`), and splitting it back.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** True for a dotted-quad IPv4 literal (no leading zeros, each part 0–255). */
export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/** True for an IPv6 literal without brackets (with an optional `%zone`, and embedded IPv4). */
export function isIPv6(text: string): boolean {
  const [addr, zone, ...rest] = text.split('%');
  if (addr === undefined || rest.length > 0 || zone === '') return false;
  if (zone !== undefined && !/^[\w.-]+$/.test(zone)) return false;
  let body = addr;
  let extraGroups = 0;
  const lastColon = body.lastIndexOf(':');
  if (lastColon >= 0 && body.slice(lastColon + 1).includes('.')) {
    if (!isIPv4(body.slice(lastColon + 1))) return false;
    body = body.slice(0, lastColon + 1) + '0';
    extraGroups = 1;
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string): string[] | null => {
    if (part === '') return [];
    const items = part.split(':');
    return items.every((g) => /^[0-9a-f]{1,4}$/i.test(g)) ? items : null;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === null || tail === null) return false;
  const count = head.length + tail.length + extraGroups;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** True for an IP literal of either family; IPv6 may be bracketed. */
export function isIpLiteral(text: string): boolean {
  return isIPv4(text) || isIPv6(stripBrackets(text));
}

/** True for a DNS host name (RFC 1123 labels, total ≤ 253, optional trailing dot). */
export function isHostName(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  // An all-numeric last label would be a malformed IPv4 address, not a name.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return false;
  return labels.every((label) => HOST_LABEL.test(label));
}

/** Removes the brackets around an IPv6 literal, if any. */
export function stripBrackets(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}

/** Formats `address:port`, bracketing IPv6 addresses; a null port prints `*`. */
export function formatEndpoint(address: string | null, port: number | null): string {
  const host = address === null ? '*' : address.includes(':') ? `[${address}]` : address;
  return `${host}:${port === null ? '*' : String(port)}`;
}

/** True for a valid TCP/UDP port number a user may target (1–65535). */
export function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** `host:port` split into its parts, or an error in words. */
export type ParsedHostPort = { ok: true; host: string; port: number | null } | { ok: false; error: string };

/**
 * Splits `host:port`, `[v6]:port`, a bare host or a bare IPv6 literal. The port is optional unless
 * `requirePort`; the host must be a host name or an IP literal.
 */
export function parseHostPort(text: string, requirePort = false): ParsedHostPort {
  const input = text.trim();
  if (input === '') return { ok: false, error: 'is empty' };
  let host: string;
  let portText: string | null = null;
  if (input.startsWith('[')) {
    const close = input.indexOf(']');
    if (close < 0) return { ok: false, error: `"${input}" has an opening "[" without a closing "]"` };
    host = input.slice(1, close);
    const rest = input.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return { ok: false, error: `"${input}" has text after "]" that is not ":port"` };
      portText = rest.slice(1);
    }
    if (!isIPv6(host)) return { ok: false, error: `"${host}" is not an IPv6 address` };
  } else if (isIPv6(input)) {
    host = input;
  } else {
    const colon = input.lastIndexOf(':');
    if (colon >= 0) {
      host = input.slice(0, colon);
      portText = input.slice(colon + 1);
    } else {
      host = input;
    }
    if (!isIPv4(host) && !isHostName(host)) {
      return { ok: false, error: `"${host}" is not a host name or an IP address` };
    }
  }
  if (portText === null) {
    return requirePort ? { ok: false, error: `"${input}" has no port (write host:port)` } : { ok: true, host, port: null };
  }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!isPort(port)) return { ok: false, error: `port "${portText}" is not a number from 1 to 65535` };
  return { ok: true, host, port };
}

/** True for a loopback address (127.0.0.0/8, ::1, and v4-mapped loopback). */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  return a.startsWith('127.') || a === '::1' || a.startsWith('::ffff:127.') || a === 'localhost';
}

/** True for a wildcard (any-address) bind. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '*' || address === '::ffff:0.0.0.0';
}
