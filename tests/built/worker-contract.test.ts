/**
 * The contract suite over the collector worker's transport: the real service (settings file, probe
 * runner) on a real `CollectorHost` (the built worker bundle, the real socket table), served over
 * the RPC layer to a `PortwatchApi` client (joined in memory). Every request and event crosses two
 * RPC links: client ↔ service, and host ↔ worker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createNodeService } from '../../src/main/node/create-service';
import { servePortwatch } from '../../src/main/core/service';
import { systemClock } from '../../src/main/node/system-clock';
import { createPortwatchClient } from '../../src/shared/portwatch-rpc';
import { runContractSuite } from '../support/contract-suite';
import { openLoopbackListener } from '../support/loopback';
import { linkPair } from '../support/rpc-pair';

runContractSuite('collector worker (built worker bundle, real collector, RPC in memory)', async () => {
  const configDir = mkdtempSync(join(tmpdir(), 'pw-worker-contract-'));
  const { service } = await createNodeService({
    store: { configDir },
    workerPath: resolve('out/main/collector-worker.js'),
    capabilities: { transport: 'ipc', nativeSaveDialog: false, tray: false, platform: process.platform, version: 'test' },
    exporter: async () => ({ kind: 'cancelled' }),
  });
  const pair = linkPair(systemClock);
  servePortwatch(pair.server, service, { clock: systemClock });
  const client = createPortwatchClient({ clock: systemClock, peer: 'the service', timeoutMs: 20_000 });
  client.attach(pair.client);
  const api = client.api;
  // A short poll so each real change shows within a fraction of a second; closed rows are kept
  // long enough to be seen as `closed` before they are removed.
  await api.setSettings({ pollIntervalMs: 500, closedRetentionMs: 5_000 });
  return {
    api,
    openListener: openLoopbackListener,
    dispose: async () => {
      pair.drop('the test ended');
      await service.stop();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
});
