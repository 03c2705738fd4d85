/**
 * `portwatch serve`: the built renderer over HTTP and `PortwatchApi` over a WebSocket.
 *
 * Access: the static UI (index.html, assets) carries no data and is served to anyone who passes the
 * Host/Origin checks; every data path needs the 32-byte token, which only the serve origin can read
 * (see src/shared/serve-auth.ts): the WebSocket gets it as a subprotocol, `/auth-check` and
 * `/export.csv` as `Authorization: Bearer`, and a browser download uses a single-use, short-lived
 * ticket handed out over the authenticated WebSocket. No cookie is set or read.
 *
 * Robustness (threats.md): no request path can throw or reject past its handler (malformed input is
 * a 4xx, a failure a 500, and the server keeps serving); every stream has an error handler; headers,
 * request, keep-alive and idle time-outs; a cap on connections that have not authenticated, so
 * silent connections cannot exhaust the process's file descriptors.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, sep } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { ExportRequest } from '../../shared/model';
import { isLoopback, isWildcard } from '../../shared/net';
import { checkExportRequest } from '../../shared/export';
import type { CheckedRequest } from '../../shared/export';
import { AUTH_CHECK_PATH, isTokenShaped, readWsProtocols, SERVE_WS_PROTOCOL, serveUrl } from '../../shared/serve-auth';
import { MAX_CLIENT_FRAME_BYTES } from '../../shared/ws-protocol';
import type { PortwatchService } from '../../main/core/service';
import { rateLimited } from './rate-limited';
import { attachWsSession } from './ws-session';

/** Produces an export as chunks (the shared writers), with the file name to offer. */
export type ExportProducer = (request: ExportRequest) => Promise<{ chunks: Iterable<string> | AsyncIterable<string>; fileName: string; contentType: string }>;

/** One request as the server received it (method, target, headers), for a request log. */
export interface RequestLogEntry {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  upgrade: boolean;
}

/** A Host name the user allows besides loopback (`--public-host`); a null port means any. */
export interface PublicHost {
  host: string;
  port: number | null;
}

/** Options of {@link startServeServer}. */
export interface ServeOptions {
  service: PortwatchService;
  /** Folder of the built renderer (index.html and assets/). */
  rendererDir: string;
  exportProducer: ExportProducer;
  host?: string;
  port?: number;
  /** Fixed token (tests): hex, 16–128 digits; default 32 random bytes. */
  token?: string;
  /** Requests per second a client may make (burst twice that). */
  maxRequestsPerSecond?: number;
  /** Host names clients may use besides loopback (reverse proxy, LAN name); see --public-host. */
  publicHosts?: PublicHost[];
  /** A connection that sends nothing for this long is closed, ms (default 15 000). */
  idleTimeoutMs?: number;
  /** Time allowed to send a request's headers, ms (default 10 000). */
  headersTimeoutMs?: number;
  /** Time allowed to send a whole request, ms (default 30 000). */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection is kept, ms (default 5 000). */
  keepAliveTimeoutMs?: number;
  /** Open connections that are not an authenticated WebSocket; more are refused (default 64). */
  maxUnauthenticated?: number;
  /** Authenticated WebSocket clients at once (default 32). */
  maxClients?: number;
  /** Life of a download ticket, ms (default 60 000). */
  exportTicketTtlMs?: number;
  /** Sees every request and upgrade as received (tests; a debugging log). */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Where failures that are not the client's fault are reported (default: nowhere). */
  log?: (line: string) => void;
}

/** A running server. */
export interface ServeHandle {
  /** The URL to open: the token is in the fragment. */
  url: string;
  port: number;
  host: string;
  token: string;
  /** Connected WebSocket clients. */
  clients(): number;
  /** Open connections that are not an authenticated WebSocket. */
  unauthenticated(): number;
  /** A single-use download path for `request`, valid for a short while (the exporter's answer). */
  exportTicketPath(request: ExportRequest): string;
  close(): Promise<void>;
}

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
/** Longest request target we read (the parser refuses headers past 16 KiB anyway). */
const MAX_TARGET_LENGTH = 8 * 1024;
/** Download tickets outstanding at once; the oldest goes first. */
const MAX_TICKETS = 16;
const UNAUTHORIZED = 'unauthorized: open the URL that portwatch serve printed (it ends with #token=…)';

/** Constant-time comparison of two secrets of any length (hashed to equal length first). */
export function secretEquals(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 512) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const bracket = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/**
 * The Host header values this server answers to (anything else is a DNS-rebinding attempt): exact
 * `host:port` values, and names accepted with any port or none (a public host behind a proxy or a
 * port forward, where the port the client sees is not ours).
 */
export interface HostRule {
  exact: Set<string>;
  anyPort: Set<string>;
}

/** Builds the {@link HostRule} of a server listening on `host:port`. */
export function allowedHosts(host: string, port: number, publicHosts: readonly PublicHost[] = []): HostRule {
  const rule: HostRule = { exact: new Set(), anyPort: new Set() };
  const add = (h: string): void => {
    rule.exact.add(`${bracket(h)}:${port}`.toLowerCase());
  };
  if (!isWildcard(host)) add(host);
  if (isLoopback(host) || isWildcard(host)) {
    add('127.0.0.1');
    add('localhost');
    add('::1');
  }
  for (const extra of publicHosts) {
    if (extra.port !== null) rule.exact.add(`${bracket(extra.host)}:${extra.port}`.toLowerCase());
    else rule.anyPort.add(bracket(extra.host).toLowerCase());
  }
  return rule;
}

/** True when a Host header value (or an Origin's host) is one the rule allows. */
export function hostAllowed(rule: HostRule, value: string): boolean {
  const lower = value.toLowerCase();
  if (rule.exact.has(lower)) return true;
  const match = /^(\[[^\]]*\]|[^:]*)(?::\d{1,5})?$/.exec(lower);
  return match?.[1] !== undefined && rule.anyPort.has(match[1]);
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(body);
}

/** A request target split and decoded, or the status that refuses it. */
type Target = { ok: true; path: string; query: URLSearchParams } | { ok: false; status: number; text: string };

/** Splits and decodes a request target; never throws. */
export function parseTarget(raw: string | undefined): Target {
  if (raw === undefined || !raw.startsWith('/')) return { ok: false, status: 400, text: 'bad request: the target must be a path' };
  if (raw.length > MAX_TARGET_LENGTH) return { ok: false, status: 414, text: 'URI too long' };
  const mark = raw.indexOf('?');
  const rawPath = mark < 0 ? raw : raw.slice(0, mark);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, status: 400, text: 'bad request: malformed %-escape in the path' };
  }
  // NUL, control characters and backslashes have no place in our paths (and mean tricks on some OSes).
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return { ok: false, status: 400, text: 'bad request: control character or backslash in the path' };
  return { ok: true, path, query: new URLSearchParams(mark < 0 ? '' : raw.slice(mark + 1)) };
}

function bearerToken(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Starts the server; resolves once it listens. */
export async function startServeServer(options: ServeOptions): Promise<ServeHandle> {
  if (options.token !== undefined && !isTokenShaped(options.token)) throw new Error('the token must be 16–128 hex digits');
  const token = options.token ?? randomBytes(32).toString('hex');
  const host = options.host ?? '127.0.0.1';
  const rendererDir = normalize(options.rendererDir);
  const rate = options.maxRequestsPerSecond ?? 50;
  const idleTimeoutMs = options.idleTimeoutMs ?? 15_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const headersTimeoutMs = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeoutMs);
  const maxUnauthenticated = options.maxUnauthenticated ?? 64;
  const maxClients = options.maxClients ?? 32;
  const ticketTtlMs = options.exportTicketTtlMs ?? 60_000;
  const log = rateLimited(options.log ?? ((): void => undefined), { summary: (dropped) => `${dropped} more lines were not logged` });
  let hosts: HostRule = { exact: new Set(), anyPort: new Set() };
  const sockets = new Set<Socket>();
  const unauthenticated = new Set<Socket>();
  const tickets = new Map<string, { request: ExportRequest; expires: number }>();
  let lastRefusalLog = 0;

  const hostOk = (req: IncomingMessage): boolean => typeof req.headers.host === 'string' && hostAllowed(hosts, req.headers.host);
  const originOk = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    try {
      const parsed = new URL(origin);
      return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && hostAllowed(hosts, parsed.host);
    } catch {
      return false;
    }
  };
  // Browsers say where a request comes from; another port of 127.0.0.1 is "same-site", not ours.
  const fetchSiteOk = (req: IncomingMessage): boolean => {
    const site = req.headers['sec-fetch-site'];
    return site === undefined || site === 'same-origin' || site === 'none';
  };
  const logRequest = (req: IncomingMessage, upgrade: boolean): void => {
    options.onRequest?.({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, upgrade });
  };

  const takeTicket = (given: string | null): ExportRequest | null => {
    const now = Date.now();
    for (const [key, entry] of tickets) {
      if (entry.expires <= now) tickets.delete(key);
      else if (secretEquals(given, key)) {
        tickets.delete(key);
        return entry.request;
      }
    }
    return null;
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    const relative = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
    const file = normalize(join(rendererDir, relative));
    if (!file.startsWith(rendererDir + sep)) return send(res, 404, 'not found');
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
    };
    if (extname(file) === '.html') {
      // Tell the page it is served by us, so it connects over the WebSocket (see pickTransport).
      const html = (await readFile(file, 'utf8')).replace('<head>', `<head>\n    ${SERVE_MARKER_TAG}`);
      res.writeHead(200, { ...headers, 'content-type': TYPES['.html'] ?? 'text/html' });
      res.end(html);
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': String(info.size) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    pipeline(createReadStream(file), res, (error) => {
      if (error && !res.destroyed) res.destroy();
    });
  };

  const exportRequestFrom = (query: URLSearchParams): CheckedRequest => {
    const columns = query.get('columns');
    const raw: Record<string, unknown> = { format: query.get('format') ?? 'csv' };
    if (columns) raw.columns = columns.split(',');
    if (query.has('separator')) raw.separator = query.get('separator') === 'tab' ? '\t' : query.get('separator');
    if (query.get('bom') === '1') raw.bom = true;
    if (query.has('filter')) raw.filter = query.get('filter');
    return checkExportRequest(raw);
  };

  const serveExport = async (req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> => {
    let request: ExportRequest;
    if (query.has('ticket')) {
      const ticketed = takeTicket(query.get('ticket'));
      if (ticketed === null) return send(res, 401, 'this download link was used already or has expired: export again');
      request = ticketed;
    } else if (secretEquals(bearerToken(req), token)) {
      const parsed = exportRequestFrom(query);
      if (!parsed.ok) return send(res, 400, `bad export request: ${parsed.error}`);
      request = parsed.request;
    } else {
      return send(res, 401, UNAUTHORIZED, { 'www-authenticate': 'Bearer realm="portwatch"' });
    }
    let produced;
    try {
      produced = await options.exportProducer(request);
    } catch (error) {
      return send(res, 500, `export failed: ${errorText(error)}`);
    }
    res.writeHead(200, {
      'content-type': produced.contentType,
      'content-disposition': `attachment; filename="${produced.fileName.replace(/[^\w.-]/g, '_')}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // A reader that stops reading for the idle time-out loses the download, not our memory.
    res.setTimeout(idleTimeoutMs, () => res.destroy());
    pipeline(Readable.from(produced.chunks), res, (error) => {
      if (!error) return;
      if (!res.destroyed) res.destroy();
      if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') log(`export failed while streaming: ${errorText(error)}`);
    });
  };

  const route = (req: IncomingMessage, res: ServerResponse): Promise<void> | void => {
    logRequest(req, false);
    if (!hostOk(req)) return send(res, 403, 'refused: unexpected Host header');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    if (!originOk(req)) return send(res, 403, 'refused: cross-origin request');
    const target = parseTarget(req.url);
    if (!target.ok) return send(res, target.status, target.text);
    const { path, query } = target;
    if (path === AUTH_CHECK_PATH || path === '/export.csv' || path === '/export' || path === '/ws') {
      if (!fetchSiteOk(req)) return send(res, 403, 'refused: cross-site request');
      if (path === AUTH_CHECK_PATH) {
        if (!secretEquals(bearerToken(req), token)) return send(res, 401, UNAUTHORIZED, { 'www-authenticate': 'Bearer realm="portwatch"' });
        res.writeHead(204, { 'cache-control': 'no-store' });
        res.end();
        return;
      }
      if (path === '/ws') return send(res, 426, 'upgrade required: this path speaks WebSocket', { upgrade: 'websocket' });
      return serveExport(req, res, query);
    }
    return serveFile(req, res, path);
  };

  const fail = (res: ServerResponse, error: unknown): void => {
    log(`request failed: ${errorText(error)}`);
    send(res, 500, 'internal error: the server keeps running; try again');
  };

  const server: Server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // How often Node checks the two time-outs above.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 2))),
    },
    (req, res) => {
      try {
        const pending = route(req, res);
        if (pending) pending.catch((error: unknown) => fail(res, error));
      } catch (error) {
        fail(res, error);
      }
    },
  );
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
  // Inactivity time-out of every connection from its first moment: one that never sends a byte is
  // closed after this (Node destroys the socket; ws turns it off once a WebSocket is up).
  server.timeout = idleTimeoutMs;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    // Answer with the protocol version only: the token protocol is never echoed back.
    handleProtocols: (protocols) => (protocols.has(SERVE_WS_PROTOCOL) ? SERVE_WS_PROTOCOL : false),
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the socket over without an error listener: a reset here must not end the process.
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
    };
    try {
      logRequest(req, true);
      const target = parseTarget(req.url);
      if (!target.ok) return refuse(target.status, 'Bad Request');
      if (target.path !== '/ws') return refuse(404, 'Not Found');
      if (!hostOk(req) || !originOk(req) || !fetchSiteOk(req)) return refuse(403, 'Forbidden');
      const offered = readWsProtocols(req.headers['sec-websocket-protocol']);
      if (!secretEquals(offered.token, token)) return refuse(401, 'Unauthorized');
      if (!offered.offersProtocol) return refuse(400, 'Bad Request');
      if (wss.clients.size >= maxClients) return refuse(503, 'Service Unavailable');
      // Authenticated: no longer counts against the cap on anonymous connections.
      unauthenticated.delete(socket as Socket);
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } catch (error) {
      log(`upgrade failed: ${errorText(error)}`);
      refuse(500, 'Internal Server Error');
    }
  });

  wss.on('connection', (ws: WebSocket) => attachWsSession(ws, { service: options.service, maxRequestsPerSecond: rate }));
  wss.on('error', (error) => log(`WebSocket server: ${errorText(error)}`));

  // (Node's own listener handles a connection's socket errors until an upgrade takes it over.)
  server.on('connection', (socket: Socket) => {
    if (unauthenticated.size >= maxUnauthenticated) {
      // Silent or slow connections must not exhaust our file descriptors (and the collector's).
      // The OLDEST anonymous connection makes room: refusing newcomers instead would let a local
      // program holding the cap with silent sockets lock every new page load out for good.
      const oldest = unauthenticated.values().next().value;
      if (oldest !== undefined) {
        unauthenticated.delete(oldest);
        oldest.destroy();
      }
      const now = Date.now();
      if (now - lastRefusalLog > 10_000) {
        lastRefusalLog = now;
        log(`dropping the oldest anonymous connections: ${maxUnauthenticated} unauthenticated connections are open`);
      }
    }
    sockets.add(socket);
    unauthenticated.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      unauthenticated.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log(`server: ${errorText(error)}`));
  const { port } = server.address() as AddressInfo;
  hosts = allowedHosts(host, port, options.publicHosts);
  const urlHost = isWildcard(host) ? '127.0.0.1' : host;
  return {
    url: serveUrl(`http://${bracket(urlHost)}:${port}`, token),
    port,
    host,
    token,
    clients: () => wss.clients.size,
    unauthenticated: () => unauthenticated.size,
    exportTicketPath: (request) => {
      const now = Date.now();
      for (const [key, entry] of tickets) if (entry.expires <= now) tickets.delete(key);
      while (tickets.size >= MAX_TICKETS) {
        const oldest = tickets.keys().next().value;
        if (oldest === undefined) break;
        tickets.delete(oldest);
      }
      const ticket = randomBytes(32).toString('hex');
      tickets.set(ticket, { request, expires: now + ticketTtlMs });
      return `/export.csv?ticket=${ticket}`;
    },
    close: async () => {
      wss.clients.forEach((client) => client.terminate());
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
