/**
 * Reverse DNS of remote addresses, as a {@link HostNameResolver}: `peek` answers from a cache at
 * once and starts lookups in the background, a few at a time, so a poll never waits on DNS.
 * Lookups send DNS traffic: the caller turns the feature off by not using a resolver at all.
 */
import { lookupService } from 'node:dns';
import type { HostNameResolver } from '../core/sources';

/** Resolves one address to a host name, or null when it has none. */
export type ReverseLookup = (address: string) => Promise<string | null>;

/** Options of {@link createReverseDnsResolver}; every one has a default. */
export interface ReverseDnsOptions {
  /** How long a found name stays fresh, ms (default 10 min). */
  ttlMs?: number;
  /** How long "no name" (or a failed lookup) is remembered, ms (default 2 min). */
  negativeTtlMs?: number;
  /** Lookups running at once (default 2: getnameinfo runs on libuv's 4-thread pool, shared with fs). */
  maxInFlight?: number;
  /** Addresses waiting for a lookup slot; beyond this, peeks are dropped and retried on a later poll. */
  maxQueued?: number;
  /** Cache size; the oldest entries go first (default 10 000). */
  maxEntries?: number;
  /** A lookup taking longer counts as "no name" (default 5 s). */
  timeoutMs?: number;
  /** The lookup itself (default: getnameinfo through `dns.lookupService`, which reads /etc/hosts too). */
  lookup?: ReverseLookup;
  /** Clock, ms. */
  now?: () => number;
}

/** A resolver with a view of its state, for status displays and tests. */
export interface ReverseDnsResolver extends HostNameResolver {
  /** Lookups running now. */
  inFlight(): number;
  /** Addresses waiting for a slot. */
  queued(): number;
  /** Cached addresses (names and negatives). */
  size(): number;
}

/** getnameinfo via `dns.lookupService`: a numeric answer (the address itself) means no name. */
export const systemReverseLookup: ReverseLookup = (address) =>
  new Promise((resolve) => {
    lookupService(address, 0, (error, hostname) => {
      if (error || !hostname || hostname === address) resolve(null);
      else resolve(hostname);
    });
  });

interface Entry {
  name: string | null;
  expires: number;
}

/** The address DNS should be asked about: v4-mapped IPv6 is asked as IPv4, zones are dropped. */
export function lookupAddress(address: string): string {
  const lower = address.toLowerCase();
  const plain = lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
  return plain.replace(/%.*$/, '');
}

/** Creates a cached, bounded, never-waiting reverse DNS resolver. */
export function createReverseDnsResolver(options: ReverseDnsOptions = {}): ReverseDnsResolver {
  const ttlMs = options.ttlMs ?? 600_000;
  const negativeTtlMs = options.negativeTtlMs ?? 120_000;
  const maxInFlight = Math.max(1, options.maxInFlight ?? 2);
  const maxQueued = options.maxQueued ?? 1000;
  const maxEntries = options.maxEntries ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const lookup = options.lookup ?? systemReverseLookup;
  const now = options.now ?? Date.now;

  const cache = new Map<string, Entry>();
  const pending = new Set<string>(); // queued or running
  const queue: string[] = [];
  let running = 0;

  const store = (address: string, name: string | null): void => {
    cache.delete(address); // re-insert: Map order is our age order
    cache.set(address, { name, expires: now() + (name === null ? negativeTtlMs : ttlMs) });
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
  };

  const pump = (): void => {
    while (running < maxInFlight && queue.length > 0) {
      const address = queue.shift() as string;
      running++;
      let settled = false;
      const finish = (name: string | null): void => {
        if (settled) return;
        settled = true;
        store(address, name);
      };
      // The timeout answers early, but the slot stays taken until the lookup really ends, so the
      // bound on threads in use holds even for lookups that hang.
      const timer = setTimeout(() => finish(null), timeoutMs);
      timer.unref?.();
      lookup(lookupAddress(address))
        .then(
          (name) => finish(name),
          () => finish(null),
        )
        .finally(() => {
          clearTimeout(timer);
          running--;
          pending.delete(address);
          pump();
        });
    }
  };

  const request = (address: string): void => {
    if (pending.has(address) || queue.length >= maxQueued) return;
    pending.add(address);
    queue.push(address);
    pump();
  };

  return {
    peek: (address) => {
      const entry = cache.get(address);
      if (entry === undefined) {
        request(address);
        return undefined;
      }
      // Stale: answer with what we know and refresh in the background.
      if (entry.expires <= now()) request(address);
      return entry.name;
    },
    inFlight: () => running,
    queued: () => queue.length,
    size: () => cache.size,
  };
}
