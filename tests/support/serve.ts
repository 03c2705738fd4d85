/**
 * `portwatch serve` in tests: the real server on loopback over the fake service, and the clients a
 * browser, a script or a hostile local program would be (raw HTTP, WebSocket with or without the
 * token's subprotocols).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { startServeServer } from '../../src/cli/serve/server';
import type { RequestLogEntry, ServeHandle, ServeOptions } from '../../src/cli/serve/server';
import { serveWsProtocols } from '../../src/shared/serve-auth';
import { createFakeApi } from './fake-api';
import { serviceFromApi } from './service-from-api';

/** A tiny renderer folder: an index page and one asset. */
export async function rendererFixture(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pw-serve-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><html><head><title>Portwatch</title></head><body></body></html>');
  await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)');
  return dir;
}

/** A server over the fake service, its control, and every request it received. */
export interface FakeServe {
  server: ServeHandle;
  control: ReturnType<typeof createFakeApi>['control'];
  requests: RequestLogEntry[];
  logged: string[];
}

/**
 * Starts the real server over the fake service; `exportSnapshot` answers with a download ticket as
 * `portwatch serve` does. `rendererDir` defaults to {@link rendererFixture}.
 */
export async function startFakeServe(options: Partial<ServeOptions> = {}): Promise<FakeServe> {
  const { api, control } = createFakeApi();
  const service = serviceFromApi(api);
  const requests: RequestLogEntry[] = [];
  const logged: string[] = [];
  let handle: ServeHandle | null = null;
  service.handlers.exportSnapshot = async (req) => {
    if (handle === null) throw new Error('not started');
    return { kind: 'download', url: handle.exportTicketPath(req) };
  };
  handle = await startServeServer({
    service,
    rendererDir: options.rendererDir ?? (await rendererFixture()),
    exportProducer: async () => ({
      chunks: ['protocol,local_port\r\n', ...control.rows().map((r) => `${r.protocol},${r.localPort}\r\n`)],
      fileName: 'portwatch-test.csv',
      contentType: 'text/csv; charset=utf-8',
    }),
    maxRequestsPerSecond: 50,
    onRequest: (entry) => requests.push(entry),
    log: (line) => logged.push(line),
    ...options,
  });
  return { server: handle, control, requests, logged };
}

/** An HTTP answer. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET (or `method`) `path` on the server with the right Host unless `headers` says otherwise. */
export function httpGet(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      // A body cut off half-way (the server destroyed the stream) is a failure, not an answer.
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('aborted')));
    });
    req.on('error', fail);
    req.end();
  });
}

/**
 * Sends raw bytes (a request the http module would refuse to build) and resolves with the status
 * code of the answer, or 0 when the server closed without one.
 */
export function rawStatus(port: number, text: string | Buffer): Promise<number> {
  return new Promise((done, fail) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : fail(error)));
    socket.on('close', () => done(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('connect', () => socket.end(text));
  });
}

/** Opens a WebSocket to `/ws`; `token` null offers no token; resolves once open, rejects with the HTTP status. */
export function openWs(port: number, token: string | null, headers: Record<string, string> = {}, protocols?: string[]): Promise<WebSocket> {
  return new Promise((done, fail) => {
    const offered = protocols ?? (token === null ? [] : serveWsProtocols(token));
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, offered, { headers });
    ws.once('open', () => done(ws));
    ws.once('unexpected-response', (_req, res) => {
      fail(new Error(`HTTP ${res.statusCode}`));
      res.resume();
      ws.terminate();
    });
    ws.once('error', fail);
  });
}

/** The next JSON frame a WebSocket receives. */
export function nextMessage(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((done) => ws.once('message', (data) => done(JSON.parse(String(data)) as Record<string, unknown>)));
}

/** A `portwatch serve` started from the built CLI, with what it printed. */
export interface BuiltServe {
  child: ChildProcess;
  url: URL;
  port: number;
  token: string;
  /** ws:// URL of its WebSocket (the credential travels in {@link BuiltServe.wsProtocols}). */
  wsUrl: string;
  /** The subprotocols that carry the credential: `new WebSocket(wsUrl, wsProtocols)`. */
  wsProtocols: string[];
  /** The same as a raw handshake header. */
  wsHeaders: Record<string, string>;
  stderr(): string;
  /** Its resident set size now, KiB (Linux /proc). */
  rssKiB(): number;
  stop(): Promise<void>;
}

/** The URL serve prints: the token in the fragment. */
export const SERVE_URL_PATTERN = /http:\/\/127\.0\.0\.1:(\d+)\/#token=([0-9a-f]{64})/;

/**
 * Starts the built `portwatch serve` and waits for the URL it prints; `fdLimit` runs it under
 * `ulimit -n` (POSIX sh), as a machine with few descriptors would.
 */
export function startBuiltServe(args: string[], fdLimit?: number): Promise<BuiltServe> {
  const command = [process.execPath, resolve('out/main/cli.js'), 'serve', ...args];
  const child =
    fdLimit === undefined
      ? spawn(command[0] ?? '', command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', `ulimit -n ${fdLimit} && exec "$@"`, 'sh', ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve printed no URL; stderr: ${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = SERVE_URL_PATTERN.exec(stdout);
      if (match) {
        clearTimeout(timer);
        const port = Number(match[1]);
        const token = match[2] ?? '';
        done({
          child,
          url: new URL(match[0]),
          port,
          token,
          wsUrl: `ws://127.0.0.1:${port}/ws`,
          wsProtocols: serveWsProtocols(token),
          wsHeaders: { 'sec-websocket-protocol': serveWsProtocols(token).join(', ') },
          stderr: () => stderr,
          rssKiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid ?? 0}/status`, 'utf8'))?.[1] ?? NaN),
          stop,
        });
      }
    });
    child.once('exit', (code) => fail(new Error(`serve exited ${String(code)}; stderr: ${stderr}`)));
  });
}
