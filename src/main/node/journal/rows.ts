/**
 * Reading `sessions` rows back into {@link JournalSession}s (and table rows), with the small
 * dictionaries (processes, texts) cached per reader, so a long streaming query does two map
 * look-ups per row instead of two joins.
 */
import type { ForwardInfo, IpFamily, OwnerVisibility, Protocol, ServiceInfo, Exposure } from '../../../shared/model';
import type { JournalOwner, JournalSession } from '../../../shared/journal';
import { connectionKey } from '../../../shared/key';
import { decodeStates } from '../../core/journal-codec';
import type { Db } from './database';

/** The columns every session query selects, in the order {@link SessionDecoder.decode} reads them. */
export const SESSION_COLUMNS =
  'id, opened_at, closed_at, opened_before, closed_unseen, listener, protocol, family, local_address, local_port, remote_address, remote_port, inode, states, process_id, pid, owners, visibility, service_id, exposure, forward_id, remote_host, bytes_sent, bytes_received';

/** A raw row of {@link SESSION_COLUMNS}. */
export type RawSession = [
  number,
  number,
  number | null,
  number,
  number,
  number,
  string,
  number,
  string,
  number,
  string | null,
  number | null,
  number | null,
  string,
  number | null,
  number | null,
  string | null,
  string,
  number | null,
  string | null,
  number | null,
  string | null,
  number | null,
  number | null,
];

interface ProcessRow {
  name: string;
  path: string | null;
  user: string | null;
}

/** Decodes raw session rows; one per query (its caches hold the dictionaries it met). */
export class SessionDecoder {
  private readonly processes = new Map<number, ProcessRow | null>();
  private readonly texts = new Map<number, unknown>();
  private readonly processStmt;
  private readonly textStmt;

  constructor(db: Db) {
    this.processStmt = db.prepare('SELECT name, path, user FROM processes WHERE id = ?').raw();
    this.textStmt = db.prepare('SELECT text FROM texts WHERE id = ?').raw();
  }

  private process(id: number): ProcessRow | null {
    let row = this.processes.get(id);
    if (row === undefined) {
      const raw = this.processStmt.get(id) as [string, string | null, string | null] | undefined;
      row = raw === undefined ? null : { name: raw[0], path: raw[1], user: raw[2] };
      this.processes.set(id, row);
    }
    return row;
  }

  private text<T>(id: number | null): T | null {
    if (id === null) return null;
    let value = this.texts.get(id);
    if (value === undefined) {
      const raw = this.textStmt.get(id) as [string] | undefined;
      try {
        value = raw === undefined ? null : (JSON.parse(raw[0]) as unknown);
      } catch {
        value = null;
      }
      this.texts.set(id, value);
    }
    return value as T | null;
  }

  /** One raw row as a session. */
  decode(r: RawSession): JournalSession {
    const [id, openedAt, closedAt, openedBefore, closedUnseen, listener, protocol, family, localAddress, localPort, remoteAddress, remotePort] = r;
    const [, , , , , , , , , , , , , states, processId, pid, ownersJson, visibility, serviceId, exposure, forwardId, remoteHost, bytesSent, bytesReceived] = r;
    let owners: JournalOwner[] = [];
    if (ownersJson !== null) {
      owners = parseOwners(ownersJson);
    } else if (processId !== null) {
      const p = this.process(processId);
      if (p !== null) owners = [{ pid: pid ?? 0, name: p.name, path: p.path, user: p.user }];
    }
    return {
      id,
      protocol: protocol as Protocol,
      family: family as IpFamily,
      localAddress,
      localPort,
      remoteAddress,
      remotePort,
      listener: listener === 1,
      openedAt,
      openedBefore: openedBefore === 1,
      closedAt,
      closedUnseen: closedUnseen === 1,
      states: decodeStates(states, openedAt),
      owners,
      ownerVisibility: visibility as OwnerVisibility,
      service: this.text<ServiceInfo>(serviceId),
      exposure: exposure as Exposure | null,
      forward: this.text<ForwardInfo>(forwardId),
      remoteHost,
      bytesSent,
      bytesReceived,
    };
  }

  /** The connection key the collector gives this session's socket (inode only for peerless ones). */
  static key(r: RawSession): string {
    return connectionKey({ protocol: r[6] as Protocol, family: r[7] as IpFamily, localAddress: r[8], localPort: r[9], remoteAddress: r[10], remotePort: r[11], inode: r[12] ?? undefined });
  }
}

function parseOwners(json: string): JournalOwner[] {
  try {
    const parsed = JSON.parse(json) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((o: unknown): JournalOwner[] => {
      if (typeof o !== 'object' || o === null) return [];
      const x = o as Record<string, unknown>;
      if (typeof x.name !== 'string') return [];
      return [{ pid: typeof x.pid === 'number' ? x.pid : 0, name: x.name, path: typeof x.path === 'string' ? x.path : null, user: typeof x.user === 'string' ? x.user : null }];
    });
  } catch {
    return [];
  }
}
