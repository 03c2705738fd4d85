/**
 * The contract suite against the REAL `portwatch serve` (the built CLI, the worker collector, the
 * real socket table): the browser's WebSocket client, with a real `net` listener on 127.0.0.1 as
 * the change the suite waits for.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { SocketLike } from '../../src/renderer/transport/ws-client';
import { createWebSocketApi } from '../../src/renderer/transport/ws-client';
import { runContractSuite } from '../support/contract-suite';

/** Starts the built serve on a free loopback port; resolves with its URL parts. */
function startServe(configDir: string): Promise<{ child: ChildProcess; port: number; token: string }> {
  const child = spawn(process.execPath, ['out/main/cli.js', 'serve', '--config-dir', configDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL; stderr: ${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64})/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), token: match[2] ?? '' });
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${String(code)}; stderr: ${stderr}`)));
  });
}

runContractSuite('WebSocket (built portwatch serve, real collector)', async () => {
  const { child, port, token } = await startServe(mkdtempSync(join(tmpdir(), 'pw-serve-contract-')));
  const { api, close } = createWebSocketApi(`ws://127.0.0.1:${port}/ws?token=${token}`, {
    connect: (url) => new WebSocket(url) as unknown as SocketLike,
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
      close();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
});
