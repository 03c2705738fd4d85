/**
 * What the connection journal answers: socket sessions kept across restarts, "talked to" lists,
 * first-seen events and per-minute counts. Plain data (epoch ms, no Dates), like model.ts, so the
 * same shapes can cross the bridge to the UI later.
 */
import type { Connection, Exposure, ForwardInfo, InterfaceRate, OwnerVisibility, Protocol, ServiceInfo, SocketState } from './model';

/** An owner as the journal keeps it: no command line (it may hold secrets and it is long). */
export interface JournalOwner {
  pid: number;
  name: string;
  path: string | null;
  user: string | null;
}

/** One state a session went through, and when the journal first saw it. */
export interface JournalStateSpan {
  state: SocketState;
  at: number;
}

/**
 * One socket session: one lifetime of a connection key, from the poll that first saw it to the
 * poll that no longer did. A listener's session is its lifecycle.
 */
export interface JournalSession extends Pick<Connection, 'protocol' | 'family' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'> {
  id: number;
  /** True for a listener or an unconnected UDP socket (no peer). */
  listener: boolean;
  openedAt: number;
  /** The socket was already open when the journal first saw it: it opened at or before `openedAt`. */
  openedBefore: boolean;
  /** null while open (as far as the journal knows: see `JournalCoverage`). */
  closedAt: number | null;
  /** It closed while the journal was not watching: at or after `closedAt`, before the next run. */
  closedUnseen: boolean;
  /** States in order, each with the time it was first seen. */
  states: JournalStateSpan[];
  owners: JournalOwner[];
  ownerVisibility: OwnerVisibility;
  service: ServiceInfo | null;
  exposure: Exposure | null;
  forward: ForwardInfo | null;
  remoteHost: string | null;
  /** Traffic totals; null until the collector provides them. */
  bytesSent: number | null;
  bytesReceived: number | null;
}

/** A stretch of time the journal was recording (one run of the collector, or until a pause). */
export interface JournalRun {
  from: number;
  to: number;
}

/** Whether a moment lies inside a recorded run. */
export interface JournalCoverage {
  at: number;
  /** True when a run covers `at`: the rows are what the journal saw then. */
  recorded: boolean;
  /** The run covering `at`, or else the last run ending before it (null = none). */
  run: JournalRun | null;
}

/** A remote address a process talked to, over a range. */
export interface TalkedTo {
  process: string;
  path: string | null;
  user: string | null;
  remoteAddress: string;
  /** The last reverse-DNS name seen for it. */
  remoteHost: string | null;
  /** Sessions opened to it in the range. */
  sessions: number;
  firstSeen: number;
  lastSeen: number;
  known: boolean;
}

/** Something seen for the first time (within the journal's retention). */
export type JournalEvent =
  | {
      kind: 'first-contact';
      at: number;
      process: string;
      remoteAddress: string;
      remoteHost: string | null;
      known: boolean;
    }
  | {
      kind: 'new-listener';
      at: number;
      protocol: Protocol;
      port: number;
      localAddress: string;
      process: string | null;
      exposure: Exposure | null;
      /** The listener was already open when the journal first saw it. */
      openedBefore: boolean;
      known: boolean;
    };

/** Interface throughput over a minute (mean of the polls' rates; null when unknown). */
export type JournalInterfaceRate = InterfaceRate;

/** Counts of one minute, or of a bucket of minutes when downsampled (means per poll). */
export interface JournalMinute {
  /** Start of the first minute of the bucket, epoch ms. */
  at: number;
  /** Minutes merged into this point (1 unless downsampled). */
  minutes: number;
  polls: number;
  failedPolls: number;
  /** Sessions opened and closed in the bucket (not counting sockets open at the start of a run). */
  opened: number;
  closed: number;
  /** Mean number of sockets per state over the bucket's successful polls. */
  byState: Partial<Record<SocketState, number>>;
  interfaces: JournalInterfaceRate[];
}

/** What "known" can mark: a listening port, or a process talking to a remote address. */
export type KnownKind = 'listener' | 'contact';

/** One known item. */
export interface KnownItem {
  kind: KnownKind;
  /** `tcp/8080` for a listener, `<process>→<address>` for a contact. */
  value: string;
  markedAt: number;
}

/** The journal file and what it holds. */
export interface JournalInfo {
  file: string;
  sizeBytes: number;
  sessions: number;
  oldest: number | null;
  newest: number | null;
  runs: JournalRun[];
}

/** The known key of a listener: `tcp/8080`. */
export function listenerKnownValue(protocol: Protocol, port: number): string {
  return `${protocol}/${port}`;
}

/** The known key of a contact: `firefox→93.184.216.34`. */
export function contactKnownValue(process: string, remoteAddress: string): string {
  return `${process}→${remoteAddress}`;
}

/** A stretch of time, epoch ms, both ends included. */
export interface JournalRange {
  from: number;
  to: number;
}

/** What to keep of a query (all given conditions must hold). */
export interface JournalFilter {
  /** Process name contains this (case-insensitive). */
  process?: string;
  /** Local or remote port. */
  port?: number;
  /** Remote address or reverse-DNS name contains this (case-insensitive). */
  remote?: string;
}

/** One process's history over a range (the "history per process" view). */
export interface ProcessHistory {
  process: string;
  range: JournalRange;
  /** Whom it talked to (hourly counters: the range is widened to whole hours). */
  talkedTo: TalkedTo[];
  /** The ports it listened on (listener lifecycles). */
  listeners: JournalSession[];
  /** Connections opened in the range. */
  connections: number;
}
