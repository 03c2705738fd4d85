/**
 * The one module that imports systeminformation. Thin on purpose: raw calls in, plain data out.
 * Normalizing is core's job (src/main/core/normalize.ts); filling gaps is socket-source's.
 */
import si from 'systeminformation';
import type { SiConnectionRow } from '../core/normalize';

/** `si.networkConnections()`, copied into plain rows (its `pid` may be null at run time). */
export async function siNetworkConnections(): Promise<SiConnectionRow[]> {
  return toSiConnectionRows(await si.networkConnections());
}

/**
 * Copies systeminformation's connection rows into plain {@link SiConnectionRow}s. Separate so tests
 * can feed it what systeminformation's macOS/Windows code returned on captured command output.
 */
export function toSiConnectionRows(rows: readonly si.Systeminformation.NetworkConnectionsData[]): SiConnectionRow[] {
  return rows.map((r) => ({
    protocol: String(r.protocol ?? ''),
    localAddress: String(r.localAddress ?? ''),
    localPort: String(r.localPort ?? ''),
    peerAddress: String(r.peerAddress ?? ''),
    peerPort: String(r.peerPort ?? ''),
    state: String(r.state ?? ''),
    pid: typeof r.pid === 'number' && Number.isFinite(r.pid) ? r.pid : null,
    process: String(r.process ?? ''),
  }));
}

/** Byte counters of one interface as `si.networkStats()` reports them. */
export interface SiInterfaceStats {
  iface: string;
  rxBytes: number;
  txBytes: number;
}

/** `si.networkStats('*')`: counters of every interface (used where /proc/net/dev does not exist). */
export async function siNetworkStats(): Promise<SiInterfaceStats[]> {
  const rows = await si.networkStats('*');
  return rows.map((r) => ({ iface: String(r.iface), rxBytes: Number(r.rx_bytes) || 0, txBytes: Number(r.tx_bytes) || 0 }));
}

/** One process as `si.processes()` lists it. */
export interface SiProcess {
  pid: number;
  name: string;
  path: string;
  command: string;
  params: string;
  user: string;
  /** As systeminformation prints it (`YYYY-MM-DD hh:mm:ss`, local time); '' when unknown. */
  started: string;
}

/**
 * `si.processes()`: the full process list. Costly (~330 ms CPU on Linux): callers use it only on
 * macOS/Windows, only for pids they have not seen, and rate-limited.
 */
export async function siProcesses(): Promise<SiProcess[]> {
  const data = await si.processes();
  return data.list.map((p) => ({
    pid: p.pid,
    name: String(p.name ?? ''),
    path: String(p.path ?? ''),
    command: String(p.command ?? ''),
    params: String(p.params ?? ''),
    user: String(p.user ?? ''),
    started: String(p.started ?? ''),
  }));
}
