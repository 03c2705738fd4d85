/**
 * How a browser page proves to `portwatch serve` that it was opened with the printed URL. The token
 * travels only where the serve origin (scheme, host AND port) can read it: in the URL's fragment
 * (never sent to a server, never in a Referer), then in the tab's sessionStorage, then in the
 * WebSocket handshake as a subprotocol and in an `Authorization: Bearer` header. No cookie grants
 * anything: cookies are shared by every port of a host (RFC 6265 §8.5), so any other program on
 * 127.0.0.1 the browser visits would receive one.
 */

/** The protocol the server answers with (the token protocol is never echoed back). */
export const SERVE_WS_PROTOCOL = 'portwatch.v1';

/** Prefix of the subprotocol that carries the token (`portwatch.token.<hex>`). */
export const TOKEN_PROTOCOL_PREFIX = 'portwatch.token.';

/** The small authenticated endpoint a client asks why its connection failed: 204 or 401. */
export const AUTH_CHECK_PATH = '/auth-check';

/** Where the page keeps the token for the life of its tab (per origin, so per serve instance). */
export const TOKEN_STORAGE_KEY = 'portwatch.serve.token';

/** What a token looks like: hex, so it is a valid subprotocol token (RFC 6455 §4.1). */
const TOKEN_SHAPE = /^[0-9a-f]{16,128}$/;

/** True when `text` has the shape of a serve token. */
export function isTokenShaped(text: string): boolean {
  return TOKEN_SHAPE.test(text);
}

/** The subprotocols a client offers: the protocol version and the token. */
export function serveWsProtocols(token: string): string[] {
  return [SERVE_WS_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`];
}

/**
 * Reads a `Sec-WebSocket-Protocol` request header: whether it offers our protocol, and the token it
 * carries (null when none or more than one is offered).
 */
export function readWsProtocols(header: string | undefined): { offersProtocol: boolean; token: string | null } {
  const offered = (header ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '');
  const tokens = offered.filter((part) => part.startsWith(TOKEN_PROTOCOL_PREFIX));
  const only = tokens.length === 1 ? tokens[0] : undefined;
  return {
    offersProtocol: offered.includes(SERVE_WS_PROTOCOL),
    token: only === undefined ? null : only.slice(TOKEN_PROTOCOL_PREFIX.length),
  };
}

/** The token in a URL fragment (`#token=<hex>`), or null. */
export function tokenFromFragment(hash: string): string | null {
  const match = /(?:^#?|&)token=([^&]*)/.exec(hash);
  const token = match?.[1];
  return token !== undefined && isTokenShaped(token) ? token : null;
}

/** The URL to print: the token in the fragment. */
export function serveUrl(origin: string, token: string): string {
  return `${origin}/#token=${token}`;
}
