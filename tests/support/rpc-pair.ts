/**
 * Two RPC links joined in memory, for tests of the layer without a transport: frames are
 * structured-cloned (as a MessagePort or IPC would) and delivered on the next microtask. A test can
 * say how many bytes the server's side has "queued" to the client, and can cut the wire one way
 * (a peer that stops answering) or both (a dropped connection).
 */
import type { Clock } from '../../src/shared/clock';
import type { Frame } from '../../src/shared/rpc/frames';
import { RpcLink } from '../../src/shared/rpc/link';
import type { HeartbeatOptions } from '../../src/shared/rpc/link';

/** The pair and its controls. */
export interface LinkPair {
  client: RpcLink;
  server: RpcLink;
  /** Frames the client sent, in order (after cloning). */
  toServer: Frame[];
  /** Frames the server sent, in order. */
  toClient: Frame[];
  /** What the server's link reports as queued to the client, bytes. */
  serverBuffered: number;
  /** Frames stop reaching the client (the server still sends; the client hears nothing). */
  muteServer: boolean;
  /** Frames stop reaching the server. */
  muteClient: boolean;
  /** The connection drops: both sides learn it. */
  drop(reason: string): void;
}

/** Joins two links; see the module comment. */
export function linkPair(clock: Clock, heartbeat: { client?: HeartbeatOptions | null; server?: HeartbeatOptions | null } = {}): LinkPair {
  const deliver = (to: () => RpcLink, frame: Frame): void => {
    const copy = structuredClone(frame);
    void Promise.resolve().then(() => to().receive(copy));
  };
  const pair: LinkPair = {
    toServer: [],
    toClient: [],
    serverBuffered: 0,
    muteServer: false,
    muteClient: false,
    client: undefined as unknown as RpcLink,
    server: undefined as unknown as RpcLink,
    drop: (reason) => {
      pair.client.lost(reason);
      pair.server.lost(reason);
    },
  };
  pair.client = new RpcLink(
    {
      send: (frame) => {
        pair.toServer.push(structuredClone(frame));
        if (!pair.muteClient) deliver(() => pair.server, frame);
      },
      buffered: () => 0,
      close: (reason) => void Promise.resolve().then(() => pair.server.lost(`the client closed: ${reason}`)),
    },
    { clock, heartbeat: heartbeat.client ?? null, peer: 'the server' },
  );
  pair.server = new RpcLink(
    {
      send: (frame) => {
        pair.toClient.push(structuredClone(frame));
        if (!pair.muteServer) deliver(() => pair.client, frame);
      },
      buffered: () => pair.serverBuffered,
      close: (reason) => void Promise.resolve().then(() => pair.client.lost(`the server closed: ${reason}`)),
    },
    { clock, heartbeat: heartbeat.server ?? null, peer: 'the client' },
  );
  return pair;
}
