/**
 * The operating-system inputs of the collector, as interfaces. Adapters in src/main/node implement
 * them (systeminformation, /proc, ss); tests pass fakes. Core never touches the OS itself.
 */
import type { Connection, PollErrorKind } from '../../shared/model';

/** One read of the socket table. */
export interface SocketReadResult {
  /**
   * Normalized rows with keys (see `connectionKey`), owners and ownerVisibility filled. Collector
   * fields (firstSeen, lastSeen, change) are left unset: the collector owns them.
   */
  rows: Connection[];
  /** Which reader answered, for example `systeminformation` or `linux-proc`. */
  source: string;
  /** Non-fatal notices worth showing (a supplement that failed, a fallback taken). */
  notices: string[];
}

/** Reads the socket table. */
export interface SocketSource {
  readonly name: string;
  /** Rejects with a {@link SourceError} (or any Error) when the table cannot be read at all. */
  read(): Promise<SocketReadResult>;
}

/** A read failure with a kind the UI can act on and a message meant for the user. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly kind: PollErrorKind,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/** Byte counters of one network interface since boot (they may wrap or reset). */
export interface InterfaceCounters {
  name: string;
  rxBytes: number;
  txBytes: number;
}

/** Reads interface byte counters. */
export interface InterfaceStatsSource {
  read(): Promise<InterfaceCounters[]>;
}

/**
 * Reverse DNS, cached. `peek` never waits: it returns the cached name, null when the address is
 * known to have none, or undefined when unknown, starting a lookup in the background for a later
 * poll. A poll is never delayed by DNS.
 */
export interface HostNameResolver {
  peek(address: string): string | null | undefined;
}
