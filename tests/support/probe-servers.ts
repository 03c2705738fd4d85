/**
 * Loopback servers for probe tests: TCP (answering, silent), HTTP(S), TLS, a UDP DNS responder,
 * and certificates made at test time with the `openssl` CLI. Every server binds 127.0.0.1 or ::1
 * only, on a port the OS picks.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';

/** The two loopback hosts every probe test runs against. */
export const LOOPBACKS = ['127.0.0.1', '::1'] as const;
/** One of {@link LOOPBACKS}. */
export type Loopback = (typeof LOOPBACKS)[number];

/** `host:port` with IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Starts a server on `host`, port 0; resolves with the port. */
export function listen(server: net.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

/** Closes a server and destroys its open sockets. */
export function closeServer(server: net.Server, sockets: Set<net.Socket> = new Set()): Promise<void> {
  for (const socket of sockets) socket.destroy();
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Tracks sockets so a close does not wait for them. */
export function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A TLS server reports the raw TCP socket here.
  server.on('secureConnection', (socket: net.Socket) => sockets.add(socket));
  return sockets;
}

/** A port on `host` where nothing listens (bound, then closed). */
export async function closedPort(host: string): Promise<number> {
  const server = net.createServer();
  const port = await listen(server, host);
  await closeServer(server);
  return port;
}

/** A running server with its port and a close function. */
export interface Running {
  port: number;
  close(): Promise<void>;
}

async function start(server: net.Server, host: string): Promise<Running> {
  const sockets = track(server);
  const port = await listen(server, host);
  return { port, close: () => closeServer(server, sockets) };
}

/** A TCP server that accepts and closes each connection. */
export function tcpServer(host: string): Promise<Running> {
  return start(net.createServer((socket) => socket.end()), host);
}

/** A TCP server that accepts and never answers (an HTTP or TLS probe times out against it). */
export function silentServer(host: string): Promise<Running> {
  return start(net.createServer(() => undefined), host);
}

/**
 * A listener whose accept queue is full, so a new TCP connect gets no SYN-ACK and times out: a
 * child process listens with a backlog of 1 and blocks its event loop (Atomics.wait, no CPU) so
 * it never accepts; we then connect until a connect no longer completes (at most 8 tries).
 */
export async function backloggedServer(host: Loopback, blockMs = 20_000): Promise<Running> {
  const script = `const s=require('net').createServer();s.listen({port:0,host:process.argv[1],backlog:1},()=>{process.stdout.write(s.address().port+'\\n');Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,${blockMs});process.exit(0)})`;
  const child = spawn(process.execPath, ['-e', script, host], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (data: Buffer) => resolve(Number(data.toString('utf8').trim())));
    child.once('error', reject);
  });
  const fillers: net.Socket[] = [];
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      fillers.push(socket);
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
      setTimeout(() => resolve(false), 300);
    });
    if (!connected) break;
  }
  return {
    port,
    close: async () => {
      for (const socket of fillers) socket.destroy();
      child.kill();
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    },
  };
}

/** Routes of {@link httpServer}: /ok 200 with a body, /fail 500, /redirect 302, /hang no answer. */
function handler(request: http.IncomingMessage, response: http.ServerResponse): void {
  switch (request.url) {
    case '/ok':
      response.writeHead(200, { 'content-type': 'text/plain' }).end('hello from portwatch tests');
      return;
    case '/fail':
      response.writeHead(500).end('broken');
      return;
    case '/redirect':
      response.writeHead(302, { location: '/ok' }).end();
      return;
    case '/hang':
      return;
    default:
      response.writeHead(404).end('not found');
  }
}

/** An HTTP server with the routes of `handler`. */
export function httpServer(host: string): Promise<Running> {
  return start(http.createServer(handler), host);
}

/** An HTTPS server with the same routes. */
export function httpsServer(host: string, cert: TestCert): Promise<Running> {
  return start(https.createServer({ key: cert.key, cert: cert.cert }, handler), host);
}

/** A TLS server that completes handshakes and closes. */
export function tlsServer(host: string, cert: TestCert): Promise<Running> {
  return start(tls.createServer({ key: cert.key, cert: cert.cert }, (socket) => socket.end()), host);
}

/** A key and certificate in PEM. */
export interface TestCert {
  key: string;
  cert: string;
}

// OpenSSL 3 (`x509 -copy_extensions`): macOS's own `openssl` is LibreSSL, so take Homebrew's
// OpenSSL 3 where it is installed (GitHub's macOS runners have it); $OPENSSL overrides.
const OPENSSL = process.env.OPENSSL ?? ['/opt/homebrew/opt/openssl@3/bin/openssl', '/usr/local/opt/openssl@3/bin/openssl'].find((p) => existsSync(p)) ?? 'openssl';

function openssl(args: string[], cwd: string): void {
  execFileSync(OPENSSL, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

/**
 * Makes two self-signed certificates for localhost, 127.0.0.1 and ::1 with `openssl`: one valid
 * for 30 days and one that expired yesterday. EC keys: fast to generate.
 */
export function makeTestCerts(): { valid: TestCert; expired: TestCert } {
  const dir = mkdtempSync(join(tmpdir(), 'pw-certs-'));
  try {
    const san = 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1';
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'valid.key', '-out', 'valid.pem', '-days', '30', '-subj', '/CN=localhost', '-addext', san], dir);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'expired.key', '-out', 'expired.csr', '-subj', '/CN=expired.localhost', '-addext', san], dir);
    const sign = ['x509', '-req', '-in', 'expired.csr', '-signkey', 'expired.key', '-out', 'expired.pem', '-copy_extensions', 'copyall'];
    try {
      // OpenSSL 3.0–3.3: a validity of -1 day ends yesterday.
      openssl([...sign, '-days', '-1'], dir);
    } catch {
      // Newer OpenSSL refuses negative days but takes explicit dates.
      openssl([...sign, '-not_before', '20200101000000Z', '-not_after', '20200102000000Z'], dir);
    }
    const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
    return { valid: { key: read('valid.key'), cert: read('valid.pem') }, expired: { key: read('expired.key'), cert: read('expired.pem') } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One question a {@link DnsResponder} received. */
export interface DnsQuery {
  name: string;
  /** 1 = A, 28 = AAAA, 255 = ANY. */
  type: number;
}

/** A UDP DNS responder on a loopback port: A/AAAA for known names, NXDOMAIN otherwise. */
export interface DnsResponder {
  port: number;
  queries: DnsQuery[];
  close(): Promise<void>;
}

function readName(message: Buffer, offset: number): { name: string; end: number } | null {
  const labels: string[] = [];
  let at = offset;
  for (let guard = 0; guard < 128; guard += 1) {
    const length = message[at];
    if (length === undefined) return null;
    if (length === 0) return { name: labels.join('.').toLowerCase(), end: at + 1 };
    if (length > 63) return null;
    labels.push(message.subarray(at + 1, at + 1 + length).toString('latin1'));
    at += 1 + length;
  }
  return null;
}

function answer(query: Buffer, records: ReadonlyMap<string, { A: string[]; AAAA: string[] }>, log: DnsQuery[]): Buffer | null {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return null;
  const parsed = readName(query, 12);
  if (!parsed || parsed.end + 4 > query.length) return null;
  const type = query.readUInt16BE(parsed.end);
  log.push({ name: parsed.name, type });
  const question = query.subarray(12, parsed.end + 4);
  const entry = records.get(parsed.name.replace(/\.$/, ''));
  const addresses = entry === undefined ? [] : type === 1 ? entry.A : type === 28 ? entry.AAAA : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // QR, opcode 0, AA, RD copied, RA; rcode 3 (NXDOMAIN) for unknown names.
  const rd = query.readUInt16BE(2) & 0x0100;
  header.writeUInt16BE(0x8000 | 0x0400 | rd | 0x0080 | (entry === undefined ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const answers = addresses.map((address) => {
    const rdata = net.isIPv4(address) ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(type, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, question, ...answers]);
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const parts = (text: string): string[] => (text === '' ? [] : text.split(':'));
  const h = parts(head);
  const t = parts(tail);
  const groups = address.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(parseInt(group, 16), index * 2));
  return bytes;
}

/** Starts a DNS responder on `host` (127.0.0.1 or ::1) answering for `records`. */
export function dnsResponder(host: Loopback, records: Record<string, { A: string[]; AAAA: string[] }>): Promise<DnsResponder> {
  const socket = dgram.createSocket(host === '::1' ? 'udp6' : 'udp4');
  const table = new Map(Object.entries(records).map(([name, value]) => [name.toLowerCase(), value]));
  const queries: DnsQuery[] = [];
  socket.on('message', (message, peer) => {
    const reply = answer(message, table, queries);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      resolve({ port: socket.address().port, queries, close: () => new Promise((done) => socket.close(() => done())) });
    });
  });
}

/** A UDP socket on `host` that reads queries and never answers (a DNS probe times out). */
export function silentDns(host: Loopback): Promise<Running> {
  const socket = dgram.createSocket(host === '::1' ? 'udp6' : 'udp4');
  socket.on('message', () => undefined);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => resolve({ port: socket.address().port, close: () => new Promise((done) => socket.close(() => done())) }));
  });
}
