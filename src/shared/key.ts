/** The stable identity of a socket across polls. */
import type { Connection } from './model';

/** The fields the key is made of. */
export type KeyFields = Pick<Connection, 'protocol' | 'family' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort' | 'inode'>;

/**
 * Protocol, family, local and remote endpoints — never the pid: a connection entering TIME_WAIT
 * loses its owner and must read as changed, not closed-and-new.
 *
 * The inode only takes part for sockets without a peer (listeners, unconnected UDP), where it tells
 * apart SO_REUSEPORT listeners and several UDP sockets on one address. A connected socket's 4-tuple
 * is already unique, and its inode drops to 0 when it enters TIME_WAIT, so using it there would
 * break the identity we need.
 */
export function connectionKey(c: KeyFields): string {
  const peerless = c.remoteAddress === null || c.remotePort === null;
  const inode = peerless && c.inode !== undefined && c.inode !== 0 ? `#${c.inode}` : '';
  return `${c.protocol}${c.family} ${c.localAddress} ${c.localPort} ${c.remoteAddress ?? '*'} ${c.remotePort ?? '*'}${inode}`;
}
