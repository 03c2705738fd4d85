/**
 * The relay heuristic: recognises a process that forwards a port without being a forwarder we
 * know by name (a hand-written proxy, a Node/Python relay, a tunnel agent).
 *
 * The rule, over successive polls (one {@link RelayTracker.observe} call per poll):
 * 1. A candidate is (listener L, target T): a TCP listener and an endpoint T that the same process
 *    holds ESTABLISHED outbound connections to (connections L did not accept). It starts when L
 *    has at least one ESTABLISHED accepted connection and the process at least one to T; that
 *    poll is its baseline.
 * 2. Each later poll counts, for L's accepted connections and the process's connections to T, how
 *    many opened and how many closed since the last balanced poll. A poll is *balanced* when both
 *    sides opened the same number, closed the same number, and hold the same number now (1:1).
 * 3. A balanced poll after some opening or closing is one *paired event*. An unbalanced poll is
 *    allowed once in a row (the relay accepts, then connects: one poll may fall between); a second
 *    unbalanced poll in a row forgets the candidate's events and takes this poll as a new baseline.
 * 4. L relays to T once {@link RelayOptions.minEvents} (default 2) paired events have been seen
 *    with no reset in between; it stops being one at the next reset.
 *
 * Why this avoids ordinary servers: a web server holds a pool of database connections that does
 * not open and close with its clients, so a client arriving or leaving unbalances the pair for
 * good (two polls) and resets it; even a pool that happens to equal the client count produces no
 * paired event while it stays still. What it cannot tell apart: a server that opens exactly one
 * back-end connection per client and closes it with the client behaves as a relay at the socket
 * level, and is reported as one.
 *
 * Rows carrying a forward already (a known forwarder) are left alone. Pure: no clock, no I/O.
 */
import type { Connection, ForwardInfo } from '../../shared/model';
import { formatEndpoint } from '../../shared/net';
import { isPeerless, listenersWithAccepted } from './services';

/** Options of a {@link RelayTracker}. */
export interface RelayOptions {
  /** Paired events needed before a listener counts as a relay (default 2). */
  minEvents?: number;
  /** Unbalanced polls in a row that are forgiven (default 1). */
  skewPolls?: number;
  /** Most candidates tracked at once (default 1024); more are ignored until some end. */
  maxCandidates?: number;
}

interface Candidate {
  pid: number;
  accepted: Set<string>;
  outbound: Set<string>;
  openedA: number;
  closedA: number;
  openedT: number;
  closedT: number;
  events: number;
  unbalanced: number;
  relay: boolean;
}

/** The tracker's view of one candidate, for tests and diagnostics. */
export interface RelayCandidateState {
  listenerKey: string;
  target: string;
  events: number;
  relay: boolean;
}

function established(row: Connection): boolean {
  return row.protocol === 'tcp' && row.state === 'ESTABLISHED' && row.change !== 'closed';
}

function countDiff(before: ReadonlySet<string>, after: ReadonlySet<string>): { opened: number; closed: number } {
  let opened = 0;
  let closed = 0;
  for (const k of after) if (!before.has(k)) opened += 1;
  for (const k of before) if (!after.has(k)) closed += 1;
  return { opened, closed };
}

/** Tracks relay candidates across polls; see the module comment for the rule. */
export class RelayTracker {
  private readonly minEvents: number;
  private readonly skewPolls: number;
  private readonly maxCandidates: number;
  /** listener key → target endpoint → candidate. */
  private readonly candidates = new Map<string, Map<string, Candidate>>();
  private count = 0;

  constructor(options: RelayOptions = {}) {
    this.minEvents = Math.max(1, options.minEvents ?? 2);
    this.skewPolls = Math.max(0, options.skewPolls ?? 1);
    this.maxCandidates = Math.max(1, options.maxCandidates ?? 1024);
  }

  /**
   * Takes one poll's rows, updates the candidates and sets `forward` (kind `relay`) in place on
   * each relaying listener, the connections it accepted and the outbound connections to its target.
   * Returns how many rows it annotated.
   */
  observe(rows: Connection[]): number {
    const groups = listenersWithAccepted(rows);
    const acceptedRows = new Set<Connection>();
    for (const group of groups) for (const row of group.accepted) acceptedRows.add(row);
    // Outbound ESTABLISHED TCP connections per pid, by remote endpoint.
    const outbound = new Map<number, Map<string, Connection[]>>();
    for (const row of rows) {
      if (!established(row) || isPeerless(row) || acceptedRows.has(row) || row.forward) continue;
      for (const owner of row.owners) {
        let byTarget = outbound.get(owner.pid);
        if (byTarget === undefined) outbound.set(owner.pid, (byTarget = new Map()));
        const target = formatEndpoint(row.remoteAddress, row.remotePort);
        const list = byTarget.get(target);
        if (list) list.push(row);
        else byTarget.set(target, [row]);
      }
    }
    const live = new Set<string>();
    let annotated = 0;
    for (const group of groups) {
      const listener = group.listener;
      if (listener.protocol !== 'tcp' || listener.state !== 'LISTEN' || listener.forward) continue;
      const pid = listener.owners[0]?.pid;
      if (pid === undefined) continue;
      const id = `${pid}|${listener.key}`;
      const accepted = group.accepted.filter(established);
      const acceptedKeys = new Set(accepted.map((r) => r.key));
      const byTarget = outbound.get(pid);
      let known = this.candidates.get(id);
      if (known === undefined && (acceptedKeys.size === 0 || byTarget === undefined)) continue;
      live.add(id);
      if (known === undefined) {
        known = new Map();
        this.candidates.set(id, known);
      }
      const targets = new Set<string>([...known.keys(), ...(acceptedKeys.size > 0 && byTarget ? byTarget.keys() : [])]);
      let best: { target: string; candidate: Candidate } | null = null;
      for (const target of targets) {
        const outKeys = new Set((byTarget?.get(target) ?? []).map((r) => r.key));
        let candidate = known.get(target);
        if (candidate === undefined) {
          if (this.count >= this.maxCandidates || acceptedKeys.size === 0 || outKeys.size === 0) continue;
          candidate = { pid, accepted: acceptedKeys, outbound: outKeys, openedA: 0, closedA: 0, openedT: 0, closedT: 0, events: 0, unbalanced: 0, relay: false };
          known.set(target, candidate);
          this.count += 1;
          continue;
        }
        this.step(candidate, acceptedKeys, outKeys);
        if (!candidate.relay && candidate.events === 0 && acceptedKeys.size === 0 && outKeys.size === 0) {
          known.delete(target); // nothing left to follow
          this.count -= 1;
          continue;
        }
        if (candidate.relay && (best === null || candidate.events > best.candidate.events)) best = { target, candidate };
      }
      if (known.size === 0) {
        this.candidates.delete(id);
        live.delete(id);
      }
      if (best === null) continue;
      const info = this.infoFor(listener, best.target);
      listener.forward = info;
      annotated += 1;
      for (const row of [...accepted, ...(byTarget?.get(best.target) ?? [])]) {
        if (row.forward) continue;
        row.forward = info;
        annotated += 1;
      }
    }
    // Listeners gone (or no longer candidates this poll): forget them.
    for (const [id, known] of this.candidates) {
      if (live.has(id)) continue;
      this.count -= known.size;
      this.candidates.delete(id);
    }
    return annotated;
  }

  /** The candidates now, for tests and diagnostics. */
  state(): RelayCandidateState[] {
    const out: RelayCandidateState[] = [];
    for (const [id, known] of this.candidates) {
      const listenerKey = id.slice(id.indexOf('|') + 1);
      for (const [target, c] of known) out.push({ listenerKey, target, events: c.events, relay: c.relay });
    }
    return out;
  }

  private step(c: Candidate, accepted: Set<string>, outbound: Set<string>): void {
    const a = countDiff(c.accepted, accepted);
    const t = countDiff(c.outbound, outbound);
    c.accepted = accepted;
    c.outbound = outbound;
    c.openedA += a.opened;
    c.closedA += a.closed;
    c.openedT += t.opened;
    c.closedT += t.closed;
    const balanced = c.openedA === c.openedT && c.closedA === c.closedT && accepted.size === outbound.size;
    if (balanced) {
      if (c.openedA + c.closedA > 0) c.events += 1;
      c.openedA = c.closedA = c.openedT = c.closedT = 0;
      c.unbalanced = 0;
      if (c.events >= this.minEvents) c.relay = true;
      return;
    }
    c.unbalanced += 1;
    if (c.unbalanced > this.skewPolls) {
      // Not moving together: start over from this poll.
      c.events = 0;
      c.relay = false;
      c.unbalanced = 0;
      c.openedA = c.closedA = c.openedT = c.closedT = 0;
    }
  }

  private infoFor(listener: Connection, target: string): ForwardInfo {
    const colon = target.lastIndexOf(':');
    const host = target.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    const port = Number(target.slice(colon + 1));
    const name = listener.owners[0]?.name ?? 'a process';
    return {
      kind: 'relay',
      listenAddress: listener.localAddress,
      listenPort: listener.localPort,
      targetHost: host,
      targetPort: Number.isInteger(port) ? port : null,
      via: `${name} pairs each connection with one to ${target}`,
    };
  }
}
