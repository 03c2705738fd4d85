/** Types of tests/support/socket-peers.mjs. */

/** Two processes joined by one loopback TCP connection that moved known byte counts. */
export interface Transfer {
  port: number;
  clientPort: number;
  serverPid: number;
  clientPid: number;
  received: { byServer: number; byClient: number };
  /** The client sends `bytes` more; resolves when the server has them all. */
  more(bytes: number): Promise<{ received: number }>;
  stop(): Promise<void>;
}

export function startTransfer(options: { clientToServer: number; serverToClient: number; host?: '127.0.0.1' | '::1'; uid?: number; gid?: number }): Promise<Transfer>;

export function startCloseWaitServer(options: { connections: number; host?: '127.0.0.1' | '::1' }): Promise<{ port: number; pid: number; clientPorts: number[]; stop(): Promise<void> }>;

export function startStoppedListener(options: { backlog: number; host?: '127.0.0.1' | '::1' }): Promise<{ port: number; pid: number; stop(): Promise<void> }>;

export function startListener(options: { host: '127.0.0.1' | '::1'; port?: number; backlog?: number }): Promise<{ port: number; pid: number; stop(): Promise<void> }>;
