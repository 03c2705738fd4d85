import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, SnapshotDocument } from '../../src/shared/model';
import { closeClient, openClient, startEchoServer, startFakeSsh, startNodeRelay, startSocat, waitUntil } from '../support/forwarders';
import { onlyOn } from '../support/platform';

// Real forwarders on loopback, seen through the built `portwatch snapshot --format json`.

const CLI = 'out/main/cli.js';
const linuxOnly = onlyOn('linux', 'runs socat and a fake ssh, and reads owners from /proc');

function snapshot(extra: string[] = []): Promise<SnapshotDocument> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'snapshot', '--format', 'json', ...extra], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`portwatch snapshot failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as SnapshotDocument);
    });
  });
}

let echo: Awaited<ReturnType<typeof startEchoServer>>;

beforeAll(async () => {
  echo = await startEchoServer();
});

afterAll(async () => {
  await echo?.close();
});

/** The forward of the listener on `port`, of the connection it accepted from `clientPort`, and of the forwarder's outbound one. */
function ends(rows: Connection[], port: number, clientPort: number | undefined, ownerPid: (r: Connection) => boolean): unknown[] {
  return [
    rows.find((r) => r.localPort === port && r.state === 'LISTEN')?.forward,
    rows.find((r) => r.localPort === port && r.remotePort === clientPort)?.forward,
    rows.find((r) => r.remotePort === echo.port && r.state === 'ESTABLISHED' && ownerPid(r))?.forward,
  ];
}

describe.skipIf(linuxOnly)('built `portwatch snapshot` shows port forwards', () => {
  it('socat forwarding one loopback port to a loopback server, with both ends', async () => {
    const socat = await startSocat(echo.port);
    const client = await openClient(socat.port);
    try {
      const doc = await waitUntil(async () => {
        const d = await snapshot();
        return d.rows.some((r) => r.remotePort === echo.port && r.owners.some((o) => o.name === 'socat')) ? d : undefined;
      }, 'socat’s outbound connection in the snapshot', 20);
      const expected = {
        kind: 'socat',
        listenAddress: '127.0.0.1',
        listenPort: socat.port,
        targetHost: '127.0.0.1',
        targetPort: echo.port,
        via: `socat TCP-LISTEN:${socat.port},bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:${echo.port}`,
      };
      expect(ends(doc.rows, socat.port, client.localPort, (r) => r.owners.some((o) => o.name === 'socat'))).toEqual([expected, expected, expected]);
    } finally {
      await closeClient(client);
      await socat.stop();
    }
  });

  it('the forward column of the CSV export reads listen -> target (tool)', async () => {
    const ssh = await startFakeSsh(echo.port);
    try {
      const out = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, [CLI, 'snapshot', '--format', 'csv', '--columns', 'local_port,state,forward', '--port', String(ssh.port)], { encoding: 'utf8', timeout: 60_000 }, (error, stdout) =>
          error ? reject(error) : resolve(stdout),
        );
      });
      expect(out).toBe(`local_port,state,forward\r\n${ssh.port},LISTEN,127.0.0.1:${ssh.port} -> 127.0.0.1:${echo.port} (ssh -L)\r\n`);
    } finally {
      await ssh.stop();
    }
  });

  it('a Node relay, recognised while `--relays` watches connections open and close through it', async () => {
    const relay = await startNodeRelay(echo.port);
    const clients = [await openClient(relay.port)];
    let stop = false;
    // Open and close connections through the relay while the CLI watches (one change every 400 ms).
    const traffic = (async (): Promise<void> => {
      for (let i = 0; i < 12 && !stop; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 400));
        if (stop) break;
        if (i % 2 === 0) clients.push(await openClient(relay.port));
        else await closeClient(clients.shift() as NonNullable<(typeof clients)[number]>);
      }
    })();
    try {
      const doc = await snapshot(['--relays', '4']);
      stop = true;
      await traffic;
      const expected = {
        kind: 'relay',
        listenAddress: '127.0.0.1',
        listenPort: relay.port,
        targetHost: '127.0.0.1',
        targetPort: echo.port,
        via: `node pairs each connection with one to 127.0.0.1:${echo.port}`,
      };
      const accepted = doc.rows.filter((r) => r.localPort === relay.port && r.state === 'ESTABLISHED');
      expect(accepted.length).toBeGreaterThan(0);
      expect(ends(doc.rows, relay.port, accepted[0]?.remotePort ?? undefined, (r) => r.owners.some((o) => o.pid === relay.pid))).toEqual([expected, expected, expected]);
      expect(accepted.every((r) => r.forward?.kind === 'relay')).toBe(true);
    } finally {
      stop = true;
      await traffic;
      for (const c of clients) await closeClient(c);
      await relay.stop();
    }
  });

  it('without --relays, one read cannot call the Node relay one', async () => {
    const relay = await startNodeRelay(echo.port);
    const client = await openClient(relay.port);
    try {
      const doc = await snapshot();
      expect(doc.rows.find((r) => r.localPort === relay.port && r.state === 'LISTEN')?.forward ?? null).toBeNull();
    } finally {
      await closeClient(client);
      await relay.stop();
    }
  });
});
