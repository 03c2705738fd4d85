/**
 * The data model every side of Portwatch exchanges: the collector, probes, export, the Electron
 * bridge, the WebSocket transport, the CLI and the renderer.
 *
 * Everything here is plain, structured-cloneable data: no classes, no functions, no Dates (times
 * are epoch milliseconds).
 */

/** Transport protocol of a socket. */
export type Protocol = 'tcp' | 'udp';

/** IP version of a socket. */
export type IpFamily = 4 | 6;

/**
 * Socket states, spelled the Linux kernel way with underscores. `UNCONN` is an unconnected UDP
 * socket (bound, no peer); `UNKNOWN` is a state word the OS printed that we could not map.
 */
export const SOCKET_STATES = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'BOUND',
  'UNCONN',
  'UNKNOWN',
] as const;

/** One of {@link SOCKET_STATES}. */
export type SocketState = (typeof SOCKET_STATES)[number];

/**
 * Whether the owning process of a socket is known.
 * - `visible`: `owners` lists it (them, for a shared socket).
 * - `hidden`: a process owns it but this user may not see which (another user's process).
 * - `none`: no process owns it (TIME_WAIT, orphaned kernel sockets).
 */
export type OwnerVisibility = 'visible' | 'hidden' | 'none';

/** A process holding a socket. */
export interface ProcessOwner {
  pid: number;
  /** Full process name (not the 15-character kernel comm nor netstat's truncated column). */
  name: string;
  path?: string;
  user?: string;
  commandLine?: string;
  /** Process start time, epoch ms; with `pid` it identifies a process across pid reuse. */
  startedAt?: number;
  /** True when the socket outlived this process (kept as the last known owner). */
  exited?: boolean;
}

/** IANA port classes. */
export type PortClass = 'well-known' | 'registered' | 'dynamic';

/** The IANA service on the service side of a socket. */
export interface ServiceInfo {
  /** IANA service name, for example `https`. */
  name: string;
  description: string;
  port: number;
  portClass: PortClass;
  /** Which end of the socket the service is: the local listener, or the remote peer we call. */
  side: 'local' | 'remote';
}

/** Where a listener can be reached from. */
export type Exposure = 'loopback' | 'all-interfaces' | 'specific';

/** A port forward or redirect this socket takes part in. */
export interface ForwardInfo {
  /** How it was found: a known forwarder's command line, a relay heuristic, or a NAT rule. */
  kind: 'ssh-local' | 'ssh-remote' | 'ssh-dynamic' | 'socat' | 'docker-proxy' | 'kubectl' | 'portproxy' | 'relay' | 'nat';
  listenAddress: string;
  listenPort: number;
  /** null for a dynamic (SOCKS) forward. */
  targetHost: string | null;
  targetPort: number | null;
  /** Human description, for example `ssh -L 8080:db:5432`. */
  via: string;
  /** The container the target address belongs to (docker-proxy), where its runtime's metadata is readable. */
  targetContainer?: string | null;
}

/**
 * One NAT redirect rule of this machine's packet filter (the `nat` table of nftables or iptables):
 * traffic to `matchAddress`:`matchPorts` is sent to `toAddress`:`toPorts` instead.
 */
export interface NatRule {
  /** `redirect`: to a port of this machine; `dnat`: to another address (a container, a host). */
  action: 'redirect' | 'dnat';
  /** null = any protocol. */
  protocol: Protocol | null;
  /** The chain, for example `PREROUTING` (traffic arriving) or `OUTPUT` (this machine's own). */
  chain: string;
  /** Incoming interface the rule is limited to (`eth0`, `! docker0`); null = any. */
  inInterface: string | null;
  /** Destination address (or network) matched; null = any. */
  matchAddress: string | null;
  /** Destination port(s) matched: `80`, `8000-8010`, `80,443`, `not 22`; null = any. */
  matchPorts: string | null;
  /** Where to for `dnat` (address, range or network); null for `redirect` (this machine). */
  toAddress: string | null;
  /** Port or range sent to; null = the same port. */
  toPorts: string | null;
  /** The rule as the tool printed it (shortened), so nothing we did not parse is lost. */
  text: string;
}

/** NAT rules as far as they could be read without privileges. */
export type NatRulesResult =
  | {
      readable: true;
      rules: NatRule[];
      /** The tool that answered, for example `nft` or `iptables-save`. */
      source: string;
    }
  | {
      readable: false;
      /** Why not, in words (permission denied, no tool installed, another OS). */
      reason: string;
    };

/**
 * Kernel TCP counters of one socket and the rates between two polls (Linux tcp_info, read without
 * root through iproute2 `ss`). UDP keeps no such counters: its rows carry `traffic: null`.
 */
export interface TrafficInfo {
  /** Bytes the peer acknowledged (SYN and FIN count one each); null on a kernel without the counter. */
  bytesSent: number | null;
  bytesReceived: number | null;
  /** Bytes per second since the previous poll; null when unknowable (first sample, a gap, a counter reset). */
  sendRate: number | null;
  recvRate: number | null;
  /** Smoothed round-trip time and its variation, ms; null before the first measurement. */
  rttMs: number | null;
  rttVarMs: number | null;
  /** Segments retransmitted over the socket's life. */
  retransmits: number;
  /** Bytes not yet acknowledged by the peer; for a listener, its backlog. */
  sendQueue: number;
  /** Bytes not yet read by the program; for a listener, connections waiting to be accepted. */
  recvQueue: number;
}

/**
 * Who owns a socket whose process we may not see, as far as the kernel tells any user: the cgroup
 * the socket was made in (a systemd unit, a container), else its owner uid. Labelled with where
 * it came from, e.g. `unit nginx.service (from cgroup)`.
 */
export interface OwnerHint {
  /** What the UI shows, with its source in words. */
  label: string;
  /** cgroup: the socket's cgroup path; container-metadata: plus the runtime's own files; socket-uid: only the uid. */
  source: 'cgroup' | 'container-metadata' | 'socket-uid';
  /** high: names the unit or container; medium: a session or slice; low: only the user. */
  confidence: 'high' | 'medium' | 'low';
  unit?: string;
  container?: { runtime: string; id: string; name: string | null };
  uid?: number | null;
  user?: string | null;
  cgroup?: string | null;
}

/** Socket health signal kinds (see HealthSignal). */
export const HEALTH_KINDS = ['close-wait', 'syn-sent', 'accept-queue', 'ephemeral-ports', 'shadowed-listener'] as const;

/** One of {@link HEALTH_KINDS}. */
export type HealthKind = (typeof HEALTH_KINDS)[number];

/** A problem the socket table shows, with what it means in plain words. */
export interface HealthSignal {
  /** Stable while the problem lasts, e.g. `close-wait:pid:1234`. */
  id: string;
  kind: HealthKind;
  severity: 'warning' | 'critical';
  title: string;
  /** What it means and what to do, in plain words. */
  explanation: string;
  /** Keys of the rows involved (capped). */
  rowKeys: string[];
  processes: Array<{ pid: number | null; name: string }>;
  /** The measured value and the threshold it crossed (count, ms or ratio, per kind). */
  value: number;
  threshold: number;
  firstSeen: number;
  lastSeen: number;
}

/** Thresholds of the health signals (Settings.health). */
export interface HealthSettings {
  /** CLOSE_WAIT sockets in one process before it reads as not closing them. */
  closeWaitPerProcess: number;
  /** How long a connection may stay in SYN_SENT, ms. */
  synSentAfterMs: number;
  /** Accept queue length / backlog at which a listener reads as not accepting (1 = at the backlog). */
  acceptQueueRatio: number;
  /** Share of the ephemeral port range in use (toward one destination) that reads as pressure. */
  ephemeralPortsRatio: number;
  /** Desktop notifications for new signals (rate-limited). */
  notify: boolean;
}

/** Traffic summed over a group of sockets (a process, a port). */
export interface TrafficTotals {
  /** Sums over the sockets with known rates; null when none has one. */
  sendRate: number | null;
  recvRate: number | null;
  bytesSent: number | null;
  bytesReceived: number | null;
  /** TCP sockets whose counters are known. */
  measured: number;
  /** Sockets without counters (UDP, not sampled yet). */
  unmeasured: number;
}

/** Traffic of one process. */
export interface ProcessTraffic extends TrafficTotals {
  pid: number | null;
  name: string;
}

/** Traffic of the connections on one port. */
export interface PortTraffic extends TrafficTotals {
  protocol: Protocol;
  port: number;
  /** local: connections a listener of this machine serves; remote: this machine as a client of that port. */
  side: 'local' | 'remote';
}

/** How a row moved in the last poll, for the table's colours (TCPView: green, yellow, red). */
export type RowChange = 'new' | 'changed' | 'closed' | null;

/** One socket. */
export interface Connection {
  /** Stable identity across polls; never contains the pid. See `connectionKey`. */
  key: string;
  protocol: Protocol;
  family: IpFamily;
  localAddress: string;
  localPort: number;
  /** null = wildcard (a listener or an unconnected UDP socket). */
  remoteAddress: string | null;
  /** null = wildcard. */
  remotePort: number | null;
  state: SocketState;
  /** Kernel socket inode where the OS gives it. */
  inode?: number;
  owners: ProcessOwner[];
  ownerVisibility: OwnerVisibility;
  service?: ServiceInfo | null;
  /** Reverse-DNS name of the remote address, once resolved. */
  remoteHost?: string | null;
  /** Listeners (and unconnected UDP) only. */
  exposure?: Exposure | null;
  forward?: ForwardInfo | null;
  /** Kernel counters (Linux); null = none for this socket (UDP, TIME_WAIT); absent = not collected. */
  traffic?: TrafficInfo | null;
  /** Who owns it when the process is hidden (cgroup, uid). */
  ownerHint?: OwnerHint | null;
  /** Health signals this row is part of. */
  health?: HealthKind[];
  firstSeen?: number;
  lastSeen?: number;
  change?: RowChange;
}

/** Why a poll failed, in a word the UI can act on. */
export type PollErrorKind = 'missing-tool' | 'permission' | 'timeout' | 'other';

/** The outcome of the latest poll of the socket table. */
export interface PollStatus {
  ok: boolean;
  /** The failure in words a user understands; null when ok. */
  error: string | null;
  errorKind: PollErrorKind | null;
  /** Wall time of the poll, ms. */
  durationMs: number;
  /** When the poll finished, epoch ms. */
  polledAt: number;
  /** Effective interval between polls, ms (after any back-off). */
  intervalMs: number;
  paused: boolean;
  /** Which socket source answered, for example `systeminformation` or `linux-proc`. */
  source: string;
  /** Non-fatal notices (a corrupt settings file moved aside, a back-off in force, …). */
  notices: string[];
}

/** Connections and listeners on one local port. */
export interface PortAggregate {
  protocol: Protocol;
  port: number;
  service: ServiceInfo | null;
  exposure: Exposure | null;
  listeners: number;
  /** Connected sockets on this local port (what the listener serves). */
  connections: number;
  processes: string[];
}

/** Sockets held by one process. */
export interface ProcessAggregate {
  /** null groups sockets with no visible owner. */
  pid: number | null;
  name: string;
  total: number;
  listening: number;
  established: number;
  udp: number;
}

/** Connections to one remote address. */
export interface RemoteHostAggregate {
  address: string;
  host: string | null;
  connections: number;
}

/** Per-tick aggregates of the table. */
export interface Aggregates {
  byPort: PortAggregate[];
  byProcess: ProcessAggregate[];
  byRemoteHost: RemoteHostAggregate[];
  byState: Partial<Record<SocketState, number>>;
  /** Traffic per process and per local port, busiest first (when traffic is collected). */
  trafficByProcess?: ProcessTraffic[];
  trafficByPort?: PortTraffic[];
}

/** Live counters for the tray and status bar. */
export interface Counters {
  total: number;
  established: number;
  listening: number;
  udp: number;
  newLastMinute: number;
  closedLastMinute: number;
}

/** The whole table at one poll. */
export interface Snapshot {
  seq: number;
  capturedAt: number;
  hostname: string;
  status: PollStatus;
  rows: Connection[];
  aggregates: Aggregates;
  counters: Counters;
  /** Socket health signals in force. */
  health?: HealthSignal[];
}

/**
 * What changed since the previous seq. `changed` carries whole rows (rows marked closed stay in the
 * table until their retention ends, then their keys come in `removedKeys`).
 */
export interface SnapshotDelta {
  seq: number;
  capturedAt: number;
  added: Connection[];
  changed: Connection[];
  removedKeys: string[];
  aggregates: Aggregates;
  counters: Counters;
  status: PollStatus;
  /** Socket health signals in force (the whole list: it is short). */
  health?: HealthSignal[];
}

/** Probe kinds. */
export type ProbeKind = 'tcp' | 'dns' | 'http' | 'tls';

/** Fields every probe has. */
export interface ProbeBase {
  id: string;
  /** Display name. */
  label: string;
  intervalMs: number;
  timeoutMs: number;
  enabled: boolean;
  /** Consecutive failures before the probe reads down. */
  downAfter: number;
  /** Consecutive successes before it reads up again. */
  upAfter: number;
}

/** TCP connect: is the port open, and how long does the handshake take. */
export interface TcpProbeSpec extends ProbeBase {
  kind: 'tcp';
  host: string;
  port: number;
}

/** DNS resolution of a name (A, AAAA or both: two queries, never ANY). */
export interface DnsProbeSpec extends ProbeBase {
  kind: 'dns';
  name: string;
  recordType: 'A' | 'AAAA' | 'both';
  /** Resolver as `host` or `host:port` (`[v6]:port`); null = the system's. */
  server: string | null;
}

/** HTTP(S) request; redirects are reported, not followed. */
export interface HttpProbeSpec extends ProbeBase {
  kind: 'http';
  url: string;
  expectStatusMin: number;
  expectStatusMax: number;
  bodyContains: string | null;
  acceptInvalidCert: boolean;
}

/** TLS handshake and certificate check. */
export interface TlsProbeSpec extends ProbeBase {
  kind: 'tls';
  host: string;
  port: number;
  /** Server name to send; null = the host when it is a name. */
  sni: string | null;
  /**
   * The SHA-256 fingerprint of the one certificate to trust (of the whole DER certificate, as
   * `openssl x509 -fingerprint -sha256` and browsers show it; not of its public key / SPKI), as 32
   * upper-case hex bytes joined by colons. When set, a presented certificate with this fingerprint
   * is up even if self-signed or issued for another name; any other certificate is a failure.
   * Absent or null: the usual chain and name checks.
   */
  pinnedSha256?: string | null;
}

/** A probe definition. */
export type ProbeSpec = TcpProbeSpec | DnsProbeSpec | HttpProbeSpec | TlsProbeSpec;

/** What a probe run found, in one word. */
export type ProbeOutcome =
  | 'open'
  | 'refused'
  | 'timeout'
  | 'unreachable'
  | 'dns-error'
  | 'resolved'
  | 'http-ok'
  | 'http-status'
  | 'redirect'
  | 'body-mismatch'
  | 'tls-ok'
  | 'tls-invalid'
  | 'error';

/** Health of a probe after hysteresis. */
export type ProbeHealth = 'up' | 'down' | 'unknown';

/** Timings of an HTTP probe, ms; null where the phase did not happen (no DNS for an IP, no TLS). */
export interface HttpTimings {
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  firstByteMs: number | null;
  totalMs: number;
}

/** TLS certificate facts. */
export interface TlsDetails {
  protocol: string | null;
  subject: string | null;
  issuer: string | null;
  validTo: number | null;
  daysToExpiry: number | null;
  selfSigned: boolean;
  authorized: boolean;
  authorizationError: string | null;
  /** SHA-256 fingerprint of the presented certificate (colon-separated hex), to pin it. */
  fingerprintSha256: string | null;
}

/** One run of a probe. */
export interface ProbeResult {
  probeId: string;
  /** The probe's label at this run: a notice can name the probe before the client knows the list. */
  label?: string;
  kind: ProbeKind;
  at: number;
  outcome: ProbeOutcome;
  ok: boolean;
  /** The headline latency (connect, resolution, total or handshake time), ms. */
  latencyMs: number | null;
  /** The outcome in words. */
  message: string;
  health: ProbeHealth;
  /** Set when this run flipped the health. */
  transition: 'up' | 'down' | null;
  answers?: string[];
  status?: number;
  location?: string | null;
  timings?: HttpTimings;
  tls?: TlsDetails;
}

/** One point of a probe's history, for charts. */
export interface ProbeHistoryPoint {
  at: number;
  ok: boolean;
  outcome: ProbeOutcome;
  latencyMs: number | null;
}

/** A probe with its live state. */
export interface ProbeState {
  spec: ProbeSpec;
  health: ProbeHealth;
  lastResult: ProbeResult | null;
  history: ProbeHistoryPoint[];
}

/** User settings. */
export interface Settings {
  /** Poll interval, 500–60 000 ms. */
  pollIntervalMs: number;
  /** How long closed rows stay visible, ms. */
  closedRetentionMs: number;
  theme: 'system' | 'light' | 'dark';
  closeToTray: boolean;
  /** Reverse DNS of remote addresses (sends DNS traffic). */
  reverseDns: boolean;
  /** Socket source: auto picks the fastest complete one for this OS. */
  socketSource: 'auto' | 'systeminformation' | 'linux-proc';
  notifications: {
    probeDown: boolean;
    probeUp: boolean;
    newListener: boolean;
    newlyExposed: boolean;
  };
  /** Per-connection traffic from kernel counters (Linux; default on there). */
  trafficEnabled?: boolean;
  /** Socket health thresholds; defaults in DEFAULT_HEALTH_SETTINGS. */
  health?: HealthSettings;
  /** Record the connection journal (an SQLite file in the data folder); false pauses it. */
  journalEnabled: boolean;
  /** Days of journal history kept, 1–365. */
  journalRetentionDays: number;
  /** Size cap of the journal, MB (0 = no cap); the oldest sessions go first. */
  journalMaxMb: number;
}

/** Which stretch of history to read. */
export interface HistoryWindow {
  /** How far back from now, ms (60 000 … 3 600 000). */
  durationMs: number;
  /** Downsample to at most this many points (optional). */
  maxPoints?: number;
}

/** Throughput of one interface over one sample. */
export interface InterfaceRate {
  name: string;
  /** null when the rate cannot be known (first sample, counter reset). */
  rxBytesPerSec: number | null;
  txBytesPerSec: number | null;
}

/** One history sample; `ok: false` is an explicit gap carrying its error, never zeros. */
export interface HistorySample {
  at: number;
  ok: boolean;
  error: string | null;
  byState: Partial<Record<SocketState, number>>;
  /** Connection counts of the top local ports, keyed `tcp/443`. */
  topPorts: Record<string, number>;
  /** Connection counts of the top processes, keyed by name. */
  topProcesses: Record<string, number>;
  interfaces: InterfaceRate[];
}

/** History returned by `getHistory`. */
export interface History {
  from: number;
  to: number;
  samples: HistorySample[];
}

/** Export formats. */
export type ExportFormat = 'csv' | 'json' | 'ndjson';

/** CSV columns, in the default order. */
export const EXPORT_COLUMNS = [
  'captured_at',
  'protocol',
  'ip_version',
  'local_address',
  'local_port',
  'local_service',
  'remote_address',
  'remote_port',
  'remote_host',
  'remote_service',
  'state',
  'pid',
  'process_name',
  'process_path',
  'command_line',
  'user',
  'first_seen',
  'last_seen',
  'change',
  'exposure',
  'forward',
  'bytes_sent',
  'bytes_received',
  'send_rate',
  'recv_rate',
  'rtt_ms',
  'retransmits',
  'health',
  'owner_hint',
] as const;

/** One of {@link EXPORT_COLUMNS}. */
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];

/** What to export. */
export interface ExportRequest {
  format: ExportFormat;
  /** CSV columns in order; default all of {@link EXPORT_COLUMNS}. */
  columns?: ExportColumn[];
  separator?: ',' | ';' | '\t';
  bom?: boolean;
  /** Filter expression in the filter grammar; rows not matching are left out. */
  filter?: string;
}

/** Where an export went. */
export type ExportResult =
  | { kind: 'saved'; path: string }
  | { kind: 'cancelled' }
  | { kind: 'download'; url: string };

/** Ask to end a process (own-user processes only). */
export interface EndProcessRequest {
  pid: number;
  /** Start time as reported in the table, to refuse a recycled pid. */
  startedAt?: number;
}

/** The result of ending a process, in words. */
export interface EndProcessResult {
  ok: boolean;
  message: string;
}

/** What the transport behind the API can do. */
export interface Capabilities {
  transport: 'ipc' | 'websocket' | 'fake';
  nativeSaveDialog: boolean;
  tray: boolean;
  platform: string;
  version: string;
}

/**
 * A snapshot as saved to JSON (`portwatch snapshot --format json`, the desktop and browser JSON
 * export) and read back by `portwatch diff`. NDJSON carries the same: one header line holding
 * everything but `rows`, then one row per line.
 */
export interface SnapshotDocument {
  format: 'portwatch-snapshot';
  formatVersion: 1;
  portwatchVersion: string;
  hostname: string;
  /** Epoch ms. */
  capturedAt: number;
  /** The same instant, ISO 8601 UTC, for people and spreadsheets. */
  capturedAtIso: string;
  status: PollStatus;
  rows: Connection[];
}
