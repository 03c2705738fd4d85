import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../../src/main/core/collector';
import { createSocketSource } from '../../../src/main/node/socket-source';
import { systemClock } from '../../../src/main/node/system-clock';
import type { Connection, ForwardInfo } from '../../../src/shared/model';
import { closeClient, openClient, startEchoServer, startFakeSsh, startNodeRelay, startSocat, waitUntil } from '../../support/forwarders';
import { onlyOn } from '../../support/platform';

// Real forwarders on loopback, read back through the socket source (and the collector, for the
// relay heuristic, which needs several polls).

const linuxOnly = onlyOn('linux', 'runs socat and a fake ssh, and reads owners from /proc');

let echo: Awaited<ReturnType<typeof startEchoServer>>;

beforeAll(async () => {
  echo = await startEchoServer();
});

afterAll(async () => {
  await echo?.close();
});

const rowsOf = async (kind: 'linux-proc' | 'systeminformation'): Promise<Connection[]> => (await createSocketSource({ kind }).read()).rows;

describe.skipIf(linuxOnly)('known forwarders in the socket table', () => {
  it.each(['linux-proc', 'systeminformation'] as const)('socat: the listener, the connection it accepted and its connection to the target carry the forward (%s)', async (kind) => {
    const socat = await startSocat(echo.port);
    const client = await openClient(socat.port);
    try {
      const expected: ForwardInfo = {
        kind: 'socat',
        listenAddress: '127.0.0.1',
        listenPort: socat.port,
        targetHost: '127.0.0.1',
        targetPort: echo.port,
        via: `socat TCP-LISTEN:${socat.port},bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:${echo.port}`,
      };
      // socat forks a child per connection, which connects out: wait until both ends are in the table.
      const rows = await waitUntil(async () => {
        const all = await rowsOf(kind);
        return all.some((r) => r.remotePort === echo.port && r.owners.some((o) => o.name === 'socat')) ? all : undefined;
      }, 'socat’s outbound connection', 80);
      const listener = rows.find((r) => r.localPort === socat.port && r.state === 'LISTEN');
      const accepted = rows.find((r) => r.localPort === socat.port && r.remotePort === client.localPort);
      const outbound = rows.find((r) => r.remotePort === echo.port && r.owners.some((o) => o.name === 'socat'));
      const backend = rows.find((r) => r.localPort === echo.port && r.remotePort === outbound?.localPort);
      expect(listener?.owners.map((o) => o.pid)).toEqual([socat.pid]);
      expect([listener?.forward, accepted?.forward, outbound?.forward]).toEqual([expected, expected, expected]);
      // The echo server's side is an ordinary connection of this test process.
      expect(backend?.forward ?? null).toBeNull();
    } finally {
      await closeClient(client);
      await socat.stop();
    }
  });

  it('a process whose command line reads `ssh -L` gets its listener marked ssh-local', async () => {
    const ssh = await startFakeSsh(echo.port);
    try {
      const rows = await rowsOf('linux-proc');
      const listener = rows.find((r) => r.localPort === ssh.port && r.state === 'LISTEN');
      expect(listener?.owners[0]?.commandLine).toBe(ssh.commandLine);
      expect(listener?.forward).toEqual({
        kind: 'ssh-local',
        listenAddress: '127.0.0.1',
        listenPort: ssh.port,
        targetHost: '127.0.0.1',
        targetPort: echo.port,
        via: `ssh -L 127.0.0.1:${ssh.port}:127.0.0.1:${echo.port}`,
      });
    } finally {
      await ssh.stop();
    }
  });
});

describe.skipIf(linuxOnly)('the relay heuristic on a real Node relay', () => {
  it('finds the relay after connections open and close in pairs, in the collector’s table', async () => {
    const relay = await startNodeRelay(echo.port);
    const collector = new Collector({
      clock: systemClock,
      source: createSocketSource({ kind: 'linux-proc' }),
      hostname: 'test',
      settings: { pollIntervalMs: 1000, closedRetentionMs: 0, reverseDns: false },
    });
    /** ESTABLISHED outbound connections of the relay to the echo server, right now. */
    const outboundCount = async (): Promise<number> =>
      (await rowsOf('linux-proc')).filter((r) => r.remotePort === echo.port && r.state === 'ESTABLISHED' && r.owners.some((o) => o.pid === relay.pid)).length;
    const settleAt = (n: number): Promise<true> => waitUntil(async () => ((await outboundCount()) === n ? true : undefined), `${n} relayed connections`);
    try {
      const first = await openClient(relay.port);
      await settleAt(1);
      await collector.tick(); // baseline: one pair
      const second = await openClient(relay.port);
      await settleAt(2);
      await collector.tick(); // paired opening
      await closeClient(first);
      await settleAt(1);
      await collector.tick(); // paired closing: a relay now
      const rows = collector.snapshot().rows.filter((r) => r.change !== 'closed');
      const expected: ForwardInfo = {
        kind: 'relay',
        listenAddress: '127.0.0.1',
        listenPort: relay.port,
        targetHost: '127.0.0.1',
        targetPort: echo.port,
        via: `node pairs each connection with one to 127.0.0.1:${echo.port}`,
      };
      const listener = rows.find((r) => r.localPort === relay.port && r.state === 'LISTEN');
      const accepted = rows.find((r) => r.localPort === relay.port && r.remotePort === second.localPort);
      const outbound = rows.find((r) => r.remotePort === echo.port && r.state === 'ESTABLISHED' && r.owners.some((o) => o.pid === relay.pid));
      expect([listener?.forward, accepted?.forward, outbound?.forward]).toEqual([expected, expected, expected]);
      await closeClient(second);
    } finally {
      await relay.stop();
    }
  });
});
