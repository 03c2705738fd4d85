/**
 * Interface byte counters: /proc/net/dev on Linux (one file read, no child process), elsewhere
 * `si.networkStats('*')` (which starts processes and blocks ~35 ms a call, see facts.md).
 */
import { readFile } from 'node:fs/promises';
import type { InterfaceCounters, InterfaceStatsSource } from '../core/sources';
import { SourceError } from '../core/sources';
import { siNetworkStats } from './si-source';

/**
 * Parses /proc/net/dev text: two header lines, then `name: rx_bytes … (8 rx fields) tx_bytes …`.
 * Lines that do not parse are skipped.
 */
export function parseProcNetDev(text: string): InterfaceCounters[] {
  const out: InterfaceCounters[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    const rxBytes = fields[0];
    const txBytes = fields[8];
    if (name === '' || rxBytes === undefined || txBytes === undefined || !Number.isFinite(rxBytes) || !Number.isFinite(txBytes)) continue;
    out.push({ name, rxBytes, txBytes });
  }
  return out;
}

/** Creates the interface counter source for this OS. */
export function createInterfaceStatsSource(platform: NodeJS.Platform = process.platform, procNetDev = '/proc/net/dev'): InterfaceStatsSource {
  if (platform === 'linux') {
    return {
      read: async () => {
        let text: string;
        try {
          text = await readFile(procNetDev, 'latin1');
        } catch (error) {
          const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
          throw new SourceError(`Cannot read interface counters from ${procNetDev} (${code || String(error)}).`, code === 'EACCES' ? 'permission' : 'other');
        }
        return parseProcNetDev(text);
      },
    };
  }
  return {
    read: async () => {
      try {
        const rows = await siNetworkStats();
        return rows.map((r) => ({ name: r.iface, rxBytes: r.rxBytes, txBytes: r.txBytes }));
      } catch (error) {
        throw new SourceError(`Cannot read interface counters: ${error instanceof Error ? error.message : String(error)}.`, 'other');
      }
    },
  };
}
