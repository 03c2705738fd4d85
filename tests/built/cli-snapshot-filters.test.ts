/** The built `portwatch snapshot`: shorthands and `--diff` through out/main/cli.js on real loopback sockets. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { describe, expect, it } from 'vitest';

const CLI = 'out/main/cli.js';

/** Runs the built CLI; `onErr` sees stderr as it arrives. */
function run(args: string[], onErr?: (text: string) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    onErr?.(stderr);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

async function listen(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const portOf = (server: Server): number => (server.address() as { port: number }).port;

describe('built `portwatch snapshot` shorthands and --diff', () => {
  it('--diff 1 --listening --state listen prints the listener opened and the one closed during the wait', async () => {
    const closing = await listen();
    const closingPort = portOf(closing);
    let opened: Server | null = null;
    let acting: Promise<void> | null = null;
    const result = await run(['snapshot', '--diff', '1', '--format', 'csv', '--columns', 'local_port,state', '--listening', '--state', 'listen', '--filter', 'lport:1024-65535'], (err) => {
      if (acting === null && err.includes('waiting 1 s')) {
        acting = (async (): Promise<void> => {
          opened = await listen();
          await new Promise<void>((resolve) => closing.close(() => resolve()));
        })();
      }
    });
    await acting;
    const openedPort = opened === null ? -1 : portOf(opened);
    (opened as Server | null)?.close();
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\r\n');
    expect(lines[0]).toBe('diff,diff_fields,local_port,state');
    expect(lines).toContain(`opened,,${openedPort},LISTEN`);
    expect(lines).toContain(`closed,,${closingPort},LISTEN`);
    expect(result.stderr).toMatch(/waiting 1 s\nportwatch snapshot: [1-9]\d* opened, [1-9]\d* closed, \d+ changed, \d+ unchanged\n$/);
  });

  it('a bad shorthand exits 2 with one line naming the flag', async () => {
    const result = await run(['snapshot', '--port', '99999']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'portwatch snapshot: --port needs a port (0–65535) or a range like 8000-8100, not "99999" (try: portwatch snapshot --help)\n',
    });
  });
});
