/**
 * The contract suite against the REAL `portwatch serve` (the built CLI, the worker collector, the
 * real socket table): the browser's WebSocket client, authenticated as a page is (the token as a
 * WebSocket subprotocol), with a real `net` listener on 127.0.0.1 as the change the suite waits for.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { SocketLike } from '../../src/renderer/transport/ws-client';
import { createWebSocketApi } from '../../src/renderer/transport/ws-client';
import { runContractSuite } from '../support/contract-suite';
import { openLoopbackListener } from '../support/loopback';
import { startBuiltServe } from '../support/serve';

runContractSuite('WebSocket (built portwatch serve, real collector)', async () => {
  const serve = await startBuiltServe(['--config-dir', mkdtempSync(join(tmpdir(), 'pw-serve-contract-'))]);
  const { api, close } = createWebSocketApi(serve.wsUrl, {
    connect: (url) => new WebSocket(url, serve.wsProtocols) as unknown as SocketLike,
  });
  // A short poll so each real change shows within a fraction of a second; closed rows are kept
  // long enough to be seen as `closed` before they are removed.
  await api.setSettings({ pollIntervalMs: 500, closedRetentionMs: 5_000 });
  return {
    api,
    openListener: openLoopbackListener,
    dispose: async () => {
      close();
      await serve.stop();
    },
  };
});
