/**
 * `portwatch serve`: the built renderer over HTTP and `PortwatchApi` over a WebSocket, both behind a
 * random token. Loopback by default. Defences: a 32-byte token compared in constant time, an
 * HttpOnly SameSite=Strict session cookie, Host and Origin checks (DNS rebinding and cross-site
 * WebSocket hijacking), schema validation of every frame, and bounded frame sizes and rates.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { ExportRequest } from '../../shared/model';
import { exportRequestSchema, validate } from '../../shared/schemas';
import { MAX_CLIENT_FRAME_BYTES } from '../../shared/ws-protocol';
import type { PortwatchService } from '../../main/core/service';
import { attachWsSession } from './ws-session';

/** Produces an export as chunks (the shared writers), with the file name to offer. */
export type ExportProducer = (request: ExportRequest) => Promise<{ chunks: Iterable<string> | AsyncIterable<string>; fileName: string; contentType: string }>;

/** Options of {@link startServeServer}. */
export interface ServeOptions {
  service: PortwatchService;
  /** Folder of the built renderer (index.html and assets/). */
  rendererDir: string;
  exportProducer: ExportProducer;
  host?: string;
  port?: number;
  /** Fixed token (tests); default 32 random bytes. */
  token?: string;
  /** Requests per second a client may make (burst twice that). */
  maxRequestsPerSecond?: number;
}

/** A running server. */
export interface ServeHandle {
  url: string;
  port: number;
  host: string;
  token: string;
  /** Connected WebSocket clients. */
  clients(): number;
  close(): Promise<void>;
}

const COOKIE = 'portwatch_session';
/** Marks a page as served by `portwatch serve` (the renderer's pickTransport looks for it). */
const SERVE_MARKER_TAG = '<meta name="portwatch-transport" content="websocket" />';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Constant-time comparison of two secrets of any length (hashed to equal length first). */
export function secretEquals(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 512) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function cookieValue(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}

/** The Host header values this server answers to (anything else is a DNS-rebinding attempt). */
function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set<string>();
  const add = (h: string): void => {
    names.add(`${h.includes(':') ? `[${h}]` : h}:${port}`);
  };
  add(host);
  if (isLoopbackHost(host) || host === '0.0.0.0' || host === '::') {
    add('127.0.0.1');
    add('localhost');
    add('::1');
  }
  return names;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(body);
}

/** Starts the server; resolves once it listens. */
export async function startServeServer(options: ServeOptions): Promise<ServeHandle> {
  const token = options.token ?? randomBytes(32).toString('hex');
  const session = randomBytes(32).toString('hex');
  const host = options.host ?? '127.0.0.1';
  const rendererDir = normalize(options.rendererDir);
  const rate = options.maxRequestsPerSecond ?? 50;
  let hosts = new Set<string>();
  const sockets = new Set<Socket>();

  /** Who is asking: a valid cookie, a valid token in the URL, or nobody. */
  const authOf = (req: IncomingMessage, url: URL): 'cookie' | 'token' | null => {
    if (secretEquals(cookieValue(req, COOKIE), session)) return 'cookie';
    if (secretEquals(url.searchParams.get('token'), token)) return 'token';
    return null;
  };

  const hostOk = (req: IncomingMessage): boolean => typeof req.headers.host === 'string' && hosts.has(req.headers.host.toLowerCase());
  const originOk = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    try {
      const parsed = new URL(origin);
      return parsed.protocol === 'http:' && hosts.has(parsed.host.toLowerCase());
    } catch {
      return false;
    }
  };

  const serveFile = async (res: ServerResponse, pathname: string, extraHeaders: Record<string, string>): Promise<void> => {
    const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = normalize(join(rendererDir, relative));
    if (!file.startsWith(rendererDir + sep) && file !== rendererDir) return send(res, 404, 'not found');
    let info;
    try {
      info = await stat(file);
    } catch {
      return send(res, 404, 'not found');
    }
    if (!info.isFile()) return send(res, 404, 'not found');
    const headers = {
      'cache-control': 'no-store',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      ...extraHeaders,
    };
    if (extname(file) === '.html') {
      // Tell the page it is served by us, so it connects over the WebSocket (see pickTransport).
      const html = (await readFile(file, 'utf8')).replace('<head>', `<head>\n    ${SERVE_MARKER_TAG}`);
      res.writeHead(200, { ...headers, 'content-type': TYPES['.html'] ?? 'text/html' });
      res.end(html);
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': String(info.size) });
    createReadStream(file).pipe(res);
  };

  const serveExport = async (res: ServerResponse, url: URL): Promise<void> => {
    const params = url.searchParams;
    const columns = params.get('columns');
    const raw: Record<string, unknown> = { format: params.get('format') ?? 'csv' };
    if (columns) raw.columns = columns.split(',');
    if (params.has('separator')) raw.separator = params.get('separator') === 'tab' ? '\t' : params.get('separator');
    if (params.get('bom') === '1') raw.bom = true;
    if (params.has('filter')) raw.filter = params.get('filter');
    const request = validate(exportRequestSchema, raw);
    if (!request.ok) return send(res, 400, `bad export request: ${request.error}`);
    let produced;
    try {
      produced = await options.exportProducer(request.value);
    } catch (error) {
      return send(res, 500, `export failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    res.writeHead(200, {
      'content-type': produced.contentType,
      'content-disposition': `attachment; filename="${produced.fileName}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    Readable.from(produced.chunks).pipe(res);
  };

  const server: Server = createServer((req, res) => {
    if (!hostOk(req)) return send(res, 403, 'refused: unexpected Host header');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    if (!originOk(req)) return send(res, 403, 'refused: cross-origin request');
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const auth = authOf(req, url);
    if (auth === null) return send(res, 401, 'unauthorized: open the URL with the token that portwatch serve printed');
    // The right token gets the app directly (200, no redirect) and a session cookie for the rest.
    const cookieHeaders: Record<string, string> =
      auth === 'token' ? { 'set-cookie': `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/` } : {};
    if (url.pathname === '/export.csv' || url.pathname === '/export') {
      void serveExport(res, url);
      return;
    }
    void serveFile(res, url.pathname, cookieHeaders);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES });

  server.on('upgrade', (req, socket, head) => {
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    if (!hostOk(req)) return refuse(403, 'Forbidden');
    if (!originOk(req)) return refuse(403, 'Forbidden');
    const auth = authOf(req, url);
    // A browser always sends Origin; without one (scripts), only the token is accepted.
    if (auth === null || (req.headers.origin === undefined && auth !== 'token')) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => attachWsSession(ws, { service: options.service, maxRequestsPerSecond: rate }));

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  hosts = allowedHosts(host, port);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const printable = urlHost.includes(':') ? `[${urlHost}]` : urlHost;
  return {
    url: `http://${printable}:${port}/?token=${token}`,
    port,
    host,
    token,
    clients: () => wss.clients.size,
    close: async () => {
      wss.clients.forEach((client) => client.terminate());
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
