/**
 * The built CLI's snapshot carries kernel traffic counters, read without root: a 5 MB / 1 MB
 * transfer between two processes, snapshotted by `portwatch snapshot` as this user and as user
 * nobody (with the peers running as nobody, so nobody may see who they are).
 */
import { execFile, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection, SnapshotDocument } from '../../src/shared/model';
import { startTransfer, type Transfer } from '../support/socket-peers.mjs';

const CLI = 'out/main/cli.js';
const MB = 1024 * 1024;
const DROP = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
const canDropPrivileges = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;

function snapshot(prefix: string[] = []): Promise<{ code: number; doc: SnapshotDocument; stderr: string }> {
  const [cmd, ...rest] = [...prefix, process.execPath, CLI, 'snapshot', '--format', 'json'];
  return new Promise((resolve, reject) => {
    execFile(cmd ?? '', rest, { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      try {
        resolve({ code: error ? Number(error.code ?? 1) : 0, doc: JSON.parse(stdout) as SnapshotDocument, stderr });
      } catch (e) {
        reject(e instanceof Error ? new Error(`${e.message}; stderr: ${stderr}`) : e);
      }
    });
  });
}

function near(actual: number | null | undefined, expected: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected) / expected).toBeLessThanOrEqual(0.05);
}

/** Bytes summed over the rows a process owns. */
function perProcess(rows: Connection[], pid: number): { sent: number; received: number } {
  let sent = 0;
  let received = 0;
  for (const r of rows) {
    if (!r.owners.some((o) => o.pid === pid)) continue;
    sent += r.traffic?.bytesSent ?? 0;
    received += r.traffic?.bytesReceived ?? 0;
  }
  return { sent, received };
}

let transfer: Transfer | null = null;
afterEach(async () => {
  await transfer?.stop();
  transfer = null;
});

async function check(prefix: string[], peers: { uid?: number; gid?: number }): Promise<void> {
  transfer = await startTransfer({ clientToServer: 5 * MB, serverToClient: 1 * MB, ...peers });
  const { code, doc, stderr } = await snapshot(prefix);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const t = transfer;
  const client = doc.rows.find((r) => r.localPort === t.clientPort && r.remotePort === t.port);
  const server = doc.rows.find((r) => r.localPort === t.port && r.remotePort === t.clientPort);
  expect(client?.owners.map((o) => o.pid)).toEqual([t.clientPid]);
  expect(server?.owners.map((o) => o.pid)).toEqual([t.serverPid]);
  near(client?.traffic?.bytesSent, 5 * MB);
  near(client?.traffic?.bytesReceived, 1 * MB);
  near(server?.traffic?.bytesSent, 1 * MB);
  near(server?.traffic?.bytesReceived, 5 * MB);
  // One read: counters, but no rate yet (unknown, not zero).
  expect(client?.traffic?.sendRate).toBeNull();
  const c = perProcess(doc.rows, t.clientPid);
  const s = perProcess(doc.rows, t.serverPid);
  near(c.sent, 5 * MB);
  near(c.received, 1 * MB);
  near(s.sent, 1 * MB);
  near(s.received, 5 * MB);
  for (const r of doc.rows.filter((x) => x.protocol === 'udp')) expect(r.traffic).toBeNull();
}

describe.runIf(process.platform === 'linux')('built `portwatch snapshot`: traffic of a 5 MB / 1 MB loopback transfer', () => {
  it('as this user', async () => {
    await check([], {});
  });

  it.runIf(canDropPrivileges)('as user nobody (no root), the peers running as nobody too', async () => {
    await check(DROP, { uid: 65534, gid: 65534 });
  });

  it.runIf(canDropPrivileges)('as user nobody, root-owned peers: counters still read, owners hidden but named by uid', async () => {
    transfer = await startTransfer({ clientToServer: 5 * MB, serverToClient: 1 * MB });
    const { doc } = await snapshot(DROP);
    const t = transfer;
    const client = doc.rows.find((r) => r.localPort === t.clientPort && r.remotePort === t.port);
    expect(client?.ownerVisibility).toBe('hidden');
    near(client?.traffic?.bytesSent, 5 * MB);
    expect(client?.ownerHint).toMatchObject({ source: 'socket-uid', label: 'user root (from socket owner)' });
  });
});
