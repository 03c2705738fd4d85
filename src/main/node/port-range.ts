/**
 * The ephemeral port range (net.ipv4.ip_local_port_range), for the port-pressure health signal.
 * Read at most every {@link PORT_RANGE_REFRESH_MS}: it changes only when an administrator sets it.
 */
import { readFileSync } from 'node:fs';
import { parsePortRange, type PortRange } from '../core/health';

/** How long one read is reused, ms. */
export const PORT_RANGE_REFRESH_MS = 60_000;

/** Creates a cached reader; null where the file is missing or unreadable (not Linux). */
export function createPortRangeReader(file = '/proc/sys/net/ipv4/ip_local_port_range', now: () => number = Date.now): () => PortRange | null {
  let cached: { at: number; range: PortRange | null } | null = null;
  return () => {
    const t = now();
    if (cached !== null && t - cached.at < PORT_RANGE_REFRESH_MS && t >= cached.at) return cached.range;
    let range: PortRange | null = null;
    try {
      range = parsePortRange(readFileSync(file, 'latin1'));
    } catch {
      range = null;
    }
    cached = { at: t, range };
    return range;
  };
}

/** The range of this machine (cached). */
export const readPortRange: () => PortRange | null = createPortRangeReader();
