/**
 * Small encodings the journal stores, kept pure so the recorder, the writer and the queries agree:
 * a session's state log, owner identities, and the session → table row conversion for "as of".
 */
import type { Connection, ProcessOwner, SocketState } from '../../shared/model';
import { SOCKET_STATES } from '../../shared/model';
import type { JournalOwner, JournalSession, JournalStateSpan } from '../../shared/journal';

/**
 * A session's states as one short text: the first state, then `;STATE@offset` for each change, the
 * offset in ms from the session's opening (`ESTABLISHED;TIME_WAIT@5230`). Appending is one string
 * concatenation in an UPDATE, and a typical session stores one or two words.
 */
export function appendState(log: string, state: SocketState, openedAt: number, at: number): string {
  return log === '' ? state : `${log};${state}@${Math.max(0, at - openedAt)}`;
}

/** The last state of an encoded log. */
export function lastState(log: string): SocketState {
  const i = log.lastIndexOf(';');
  const part = i < 0 ? log : log.slice(i + 1);
  const at = part.indexOf('@');
  return toState(at < 0 ? part : part.slice(0, at));
}

/** Decodes a state log; unknown words read as `UNKNOWN` rather than failing a whole query. */
export function decodeStates(log: string, openedAt: number): JournalStateSpan[] {
  if (log === '') return [];
  return log.split(';').map((part, index) => {
    const at = part.indexOf('@');
    if (index === 0 || at < 0) return { state: toState(at < 0 ? part : part.slice(0, at)), at: openedAt };
    const offset = Number(part.slice(at + 1));
    return { state: toState(part.slice(0, at)), at: openedAt + (Number.isFinite(offset) ? offset : 0) };
  });
}

const STATE_SET: ReadonlySet<string> = new Set(SOCKET_STATES);

function toState(word: string): SocketState {
  return STATE_SET.has(word) ? (word as SocketState) : 'UNKNOWN';
}

/** The state a session was in at `at` (its first state before it opened). */
export function stateAt(states: readonly JournalStateSpan[], at: number): SocketState {
  let state: SocketState = states[0]?.state ?? 'UNKNOWN';
  for (const span of states) {
    if (span.at > at) break;
    state = span.state;
  }
  return state;
}

/** Owners as the journal keeps them (no command line, no start time). */
export function journalOwners(owners: readonly ProcessOwner[]): JournalOwner[] {
  return owners.map((owner) => ({ pid: owner.pid, name: owner.name, path: owner.path ?? null, user: owner.user ?? null }));
}

/** The identity of a process across runs: name, path and user (pids are reused and change per run). */
export function ownerIdent(owner: Pick<JournalOwner, 'name' | 'path' | 'user'>): string {
  return JSON.stringify([owner.name, owner.path, owner.user]);
}

/** True for a socket without a peer: a listener or an unconnected UDP socket. */
export function isListenerRow(row: Pick<Connection, 'remoteAddress' | 'remotePort' | 'state'>): boolean {
  return row.state === 'LISTEN' || row.remoteAddress === null || row.remotePort === null;
}

/**
 * A session as a table row at moment `at` (for the "as of" view): the state it was in then, its
 * owners as recorded, first seen = when the session opened.
 */
export function sessionAsConnection(session: JournalSession, key: string, at: number): Connection {
  const row: Connection = {
    key,
    protocol: session.protocol,
    family: session.family,
    localAddress: session.localAddress,
    localPort: session.localPort,
    remoteAddress: session.remoteAddress,
    remotePort: session.remotePort,
    state: stateAt(session.states, at),
    owners: session.owners.map((owner) => ({ pid: owner.pid, name: owner.name, ...(owner.path !== null ? { path: owner.path } : {}), ...(owner.user !== null ? { user: owner.user } : {}) })),
    ownerVisibility: session.ownerVisibility,
    service: session.service,
    remoteHost: session.remoteHost,
    exposure: session.exposure,
    forward: session.forward,
    firstSeen: session.openedAt,
    lastSeen: session.closedAt ?? at,
    change: session.closedAt !== null && session.closedAt <= at ? 'closed' : null,
  };
  return row;
}
