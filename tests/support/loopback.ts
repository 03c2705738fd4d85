/** A TCP listener on 127.0.0.1 at a free port, for tests that need a real socket in the table. */
import { createServer } from 'node:net';
import type { Server } from 'node:net';

/** An open loopback listener and how to close it. */
export interface LoopbackListener {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Opens a listener on 127.0.0.1 at a port the OS picks. */
export async function openLoopbackListener(): Promise<LoopbackListener> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { server, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
