/**
 * The contract suite against the REAL `portwatch serve` (the built CLI, the worker collector, the
 * real socket table): the browser's WebSocket client, authenticated by the token subprotocol as the
 * page is, with a real `net` listener on 127.0.0.1 as the change the suite waits for.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { SocketLike } from '../../src/renderer/transport/ws-client';
import { createWebSocketApi } from '../../src/renderer/transport/ws-client';
import { serveWsProtocols } from '../../src/shared/serve-auth';
import { runContractSuite } from '../support/contract-suite';
import { startBuiltServe } from '../support/serve';

/** A socket that never opens: handed out after dispose so the client stops reconnecting. */
const inert = (): SocketLike => ({ readyState: 3, send: () => undefined, close: () => undefined, onopen: null, onclose: null, onerror: null, onmessage: null });

runContractSuite('WebSocket (built portwatch serve, real collector)', async () => {
  const serve = await startBuiltServe(['--config-dir', mkdtempSync(join(tmpdir(), 'pw-serve-contract-'))]);
  let disposed = false;
  const sockets: WebSocket[] = [];
  const api = createWebSocketApi(`ws://127.0.0.1:${serve.port}/ws`, {
    connect: (url) => {
      if (disposed) return inert();
      const ws = new WebSocket(url, serveWsProtocols(serve.token));
      sockets.push(ws);
      return ws as unknown as SocketLike;
    },
  });
  // A short poll so each real change shows within a fraction of a second; closed rows are kept
  // long enough to be seen as `closed` before they are removed.
  await api.setSettings({ pollIntervalMs: 500, closedRetentionMs: 5_000 });
  return {
    api,
    openListener: async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return {
        port: (server.address() as { port: number }).port,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    },
    dispose: async () => {
      disposed = true;
      for (const ws of sockets) ws.close();
      await serve.stop();
    },
  };
});
