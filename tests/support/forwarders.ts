/**
 * Real port forwarders on loopback for the forwarding tests: an echo server to forward to, socat,
 * a small Node relay in a child process, and a child whose command line reads like `ssh -L` (it
 * listens itself; nothing connects anywhere). Every address is 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';

const HOST = '127.0.0.1';

/** Polls `check` every 25 ms until it returns a value (not undefined), at most `tries` times. */
export async function waitUntil<T>(check: () => T | undefined | Promise<T | undefined>, what: string, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i += 1) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A loopback echo server. */
export async function startEchoServer(): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen({ host: HOST, port: 0 }, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A free loopback port right now (the OS picks it; released before returning). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen({ host: HOST, port: 0 }, resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** True once something accepts connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** A running child forwarder. */
export interface Forwarder {
  port: number;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

/** `socat TCP-LISTEN:<p>,bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:<target>`; retries on a port race. */
export async function startSocat(targetPort: number): Promise<Forwarder & { commandLine: string }> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const args = [`TCP-LISTEN:${port},bind=${HOST},reuseaddr,fork`, `TCP:${HOST}:${targetPort}`];
    const child = spawn('socat', args, { stdio: 'ignore' });
    const exited = new Promise<false>((resolve) => child.once('exit', () => resolve(false)));
    child.once('error', () => undefined);
    const up = await Promise.race([waitUntil(async () => ((await accepts(port)) ? true : undefined), 'socat to listen', 80).catch(() => false), exited]);
    if (up === true && child.pid !== undefined) return { port, pid: child.pid, child, stop: stopper(child), commandLine: `socat ${args.join(' ')}` };
    await stopper(child)();
  }
  throw new Error('socat did not start listening in 3 attempts');
}

/** Source of the Node relay: every accepted socket is piped to a new connection to the target. */
const RELAY_SOURCE = `
const net = require('node:net');
const target = Number(process.argv[1]);
const server = net.createServer((inbound) => {
  const outbound = net.connect({ host: '127.0.0.1', port: target });
  inbound.pipe(outbound).pipe(inbound);
  const end = () => { inbound.destroy(); outbound.destroy(); };
  inbound.on('error', end); outbound.on('error', end);
  inbound.on('close', end); outbound.on('close', end);
});
server.listen({ host: '127.0.0.1', port: 0 }, () => process.stdout.write(server.address().port + '\\n'));
`;

/** Reads the first line the child prints (its port). */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) resolve(text.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`the child exited (${String(code)}) before printing its port`)));
  });
}

/** A Node relay (a child process) to `targetPort`. */
export async function startNodeRelay(targetPort: number): Promise<Forwarder> {
  const child = spawn(process.execPath, ['-e', RELAY_SOURCE, String(targetPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = Number(await firstLine(child));
  if (child.pid === undefined || !Number.isInteger(port)) throw new Error('the relay did not start');
  return { port, pid: child.pid, child, stop: stopper(child) };
}

/**
 * A child whose /proc/<pid>/cmdline reads `ssh -N -L 127.0.0.1:<p>:127.0.0.1:<target> localhost`
 * (process.title rewrites argv; the padding argument makes room) and which listens on <p> itself.
 * It is not ssh and connects nowhere.
 */
export async function startFakeSsh(targetPort: number): Promise<Forwarder & { commandLine: string }> {
  const source = `
const net = require('node:net');
const server = net.createServer((s) => s.destroy());
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  const port = server.address().port;
  process.title = 'ssh -N -L 127.0.0.1:' + port + ':127.0.0.1:' + process.argv[1] + ' localhost';
  process.stdout.write(port + '\\n');
});
`;
  const child = spawn(process.execPath, ['-e', source, String(targetPort), 'x'.repeat(200)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = Number(await firstLine(child));
  if (child.pid === undefined || !Number.isInteger(port)) throw new Error('the fake ssh did not start');
  return { port, pid: child.pid, child, stop: stopper(child), commandLine: `ssh -N -L ${HOST}:${port}:${HOST}:${targetPort} localhost` };
}

/** Connects to the port and waits for an echo, so the whole chain is up. */
export async function openClient(port: number): Promise<Socket> {
  const socket = connect({ host: HOST, port });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => socket.write('ping'));
    socket.once('data', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

/** Closes a client and waits until it is gone. */
export function closeClient(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once('close', () => resolve());
    socket.end();
  });
}
