import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/shared/model';
import { closedPort, hostPort, tcpServer } from '../support/probe-servers';
import type { Running } from '../support/probe-servers';

const CLI = 'out/main/cli.js';

// Async: the loopback server answers from this process's event loop while the CLI runs.
function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

let open: Running;
let open6: Running;
let closed: number;

beforeAll(async () => {
  open = await tcpServer('127.0.0.1');
  open6 = await tcpServer('::1');
  closed = await closedPort('127.0.0.1');
});

afterAll(async () => {
  await Promise.all([open.close(), open6.close()]);
});

describe('built CLI: portwatch probe', () => {
  it('exits 0 for an open port on 127.0.0.1 and on ::1', async () => {
    const v4 = await run(['probe', 'tcp', `127.0.0.1:${open.port}`]);
    expect(v4.code).toBe(0);
    expect(v4.stdout).toContain(`tcp 127.0.0.1:${open.port}: up, open: port open`);
    const v6 = await run(['probe', 'tcp', hostPort('::1', open6.port), '--json']);
    expect(v6.code).toBe(0);
    expect((JSON.parse(v6.stdout) as ProbeResult).outcome).toBe('open');
  });

  it('exits 1 with the outcome in words for a closed port', async () => {
    const result = await run(['probe', 'tcp', `127.0.0.1:${closed}`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`tcp 127.0.0.1:${closed}: down, refused: connection refused: nothing listens on 127.0.0.1:${closed} (ECONNREFUSED)\n`);
  });

  it('exits 2 for bad arguments', async () => {
    const result = await run(['probe', 'tcp', 'nowhere']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('portwatch probe: "nowhere" has no port (write host:port) (try: portwatch probe --help)\n');
  });

  it('is listed in --help', async () => {
    const result = await run(['--help']);
    expect(result.stdout).toContain('probe      probe a TCP port, a DNS name, an HTTP(S) URL or a TLS endpoint once');
  });
});
