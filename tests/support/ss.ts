/** Parses `ss -tuanp` output: the ground truth the socket table is compared with. */
import { execFileSync } from 'node:child_process';

/** One socket as ss prints it, in the contract's spellings. */
export interface SsRow {
  protocol: 'tcp' | 'udp';
  state: string;
  localAddress: string;
  localPort: number;
  /** null = `*` (no peer). */
  remoteAddress: string | null;
  remotePort: number | null;
  owners: { name: string; pid: number }[];
}

/** ss state words → the kernel spellings the contract uses (an independent table on purpose). */
const STATES: Record<string, string> = {
  ESTAB: 'ESTABLISHED',
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RECV',
  'FIN-WAIT-1': 'FIN_WAIT1',
  'FIN-WAIT-2': 'FIN_WAIT2',
  'TIME-WAIT': 'TIME_WAIT',
  UNCONN: 'UNCONN',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
};

function endpoint(text: string): { address: string; port: number | null } {
  const colon = text.lastIndexOf(':');
  let address = text.slice(0, colon);
  const port = text.slice(colon + 1);
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  // `127.0.0.53%lo`: the device a socket is bound to, which /proc does not show.
  address = address.replace(/%.*$/, '');
  // ss prints `*` for the dual-stack IPv6 wildcard.
  if (address === '*') address = '::';
  return { address, port: port === '*' ? null : Number(port) };
}

/** Parses the text of `ss -tuanp`. */
export function parseSs(text: string): SsRow[] {
  const rows: SsRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const [netid, stateWord, , , local, peer, ...rest] = f as [string, string, string, string, string, string, ...string[]];
    const l = endpoint(local);
    const p = endpoint(peer);
    const peerless = p.port === null || p.port === 0;
    const owners = [...rest.join(' ').matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)/g)].map((m) => ({ name: m[1] ?? '', pid: Number(m[2]) }));
    rows.push({
      protocol: netid === 'udp' ? 'udp' : 'tcp',
      state: STATES[stateWord] ?? stateWord,
      localAddress: l.address,
      localPort: l.port ?? 0,
      remoteAddress: peerless ? null : p.address,
      remotePort: peerless ? null : p.port,
      owners,
    });
  }
  return rows;
}

/** Runs `ss -tuanp` now. */
export function runSs(): SsRow[] {
  return parseSs(execFileSync('ss', ['-tuanp'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }));
}

/** One comparable line per socket: endpoints, state and owner pids (not names: ss cuts them). */
export function ssLine(r: { protocol: string; state: string; localAddress: string; localPort: number; remoteAddress: string | null; remotePort: number | null; owners: { pid: number }[] }): string {
  const pids = r.owners.map((o) => o.pid).sort((a, b) => a - b).join(',');
  return `${r.protocol} ${r.state} ${r.localAddress} ${r.localPort} ${r.remoteAddress ?? '*'} ${r.remotePort ?? '*'} [${pids}]`;
}
