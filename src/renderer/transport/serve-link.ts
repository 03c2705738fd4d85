/**
 * The browser side of `portwatch serve`'s authentication (see src/shared/serve-auth.ts): the token
 * arrives in the URL fragment, moves to this tab's sessionStorage (readable by this origin only:
 * scheme, host and port), leaves the address bar, and goes out only in the WebSocket handshake and
 * in the `Authorization` header of `/auth-check`.
 */
import type { LinkDiagnosis } from '../../shared/connection';
import { AUTH_CHECK_PATH, isTokenShaped, serveWsProtocols, tokenFromFragment, TOKEN_STORAGE_KEY } from '../../shared/serve-auth';
import type { SocketLike } from './ws-client';

/** The parts of `window` the token handling touches (tests pass their own). */
export interface TokenHome {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState'>;
  /** Null where storage is unavailable (disabled, sandboxed): the token then lives in memory. */
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
}

/**
 * The token this page was given: a fresh one in the fragment wins (the server may have restarted),
 * is kept for the tab and is removed from the address bar and history; else the one kept earlier
 * (a reload); else null.
 */
export function takeServeToken(home: TokenHome): string | null {
  const fresh = tokenFromFragment(home.location.hash);
  // Any token-bearing fragment leaves the address bar (and so the history and bookmarks).
  if (/(?:^#?|&)token=/.test(home.location.hash)) home.history.replaceState(null, '', `${home.location.pathname}${home.location.search}`);
  try {
    if (fresh !== null) {
      home.storage?.setItem(TOKEN_STORAGE_KEY, fresh);
      return fresh;
    }
    const kept = home.storage?.getItem(TOKEN_STORAGE_KEY) ?? null;
    return kept !== null && isTokenShaped(kept) ? kept : null;
  } catch {
    // Storage refused (quota, privacy mode): this page load still works; a reload will not.
    return fresh;
  }
}

/** Opens the WebSocket with the protocol version and the token as subprotocols. */
export function serveConnect(token: string | null): (url: string) => SocketLike {
  return (url) => {
    const protocols = token === null ? [] : serveWsProtocols(token);
    return new WebSocket(url, protocols) as unknown as SocketLike;
  };
}

/** A `fetch` as far as the diagnosis needs it. */
export type FetchLike = (url: string, init: { headers: Record<string, string>; cache: 'no-store'; credentials: 'omit'; signal?: AbortSignal }) => Promise<{ status: number }>;

/** How long the diagnosis waits for an answer, ms. */
const DIAGNOSE_TIMEOUT_MS = 5_000;

/**
 * Why the WebSocket failed, asked of the server directly (a browser's WebSocket hides the status of
 * a refused handshake): `base` is '' in the page (same origin), an origin in tests.
 */
export function serveDiagnose(token: string | null, fetchImpl: FetchLike = (url, init) => fetch(url, init), base = ''): () => Promise<LinkDiagnosis> {
  return async () => {
    if (token === null) {
      return {
        kind: 'refused',
        reason: 'this page was opened without its access token',
        action: 'open the URL that portwatch serve printed (it ends with #token=…)',
      };
    }
    let status: number;
    try {
      const response = await fetchImpl(`${base}${AUTH_CHECK_PATH}`, {
        headers: { authorization: `Bearer ${token}` },
        cache: 'no-store',
        credentials: 'omit',
        signal: AbortSignal.timeout(DIAGNOSE_TIMEOUT_MS),
      });
      status = response.status;
    } catch {
      return { kind: 'unreachable', reason: 'portwatch serve does not answer (stopped, or the network is down)' };
    }
    if (status === 204) return { kind: 'reachable' };
    if (status === 401) return { kind: 'refused', reason: 'the token changed: portwatch serve was restarted', action: 'open the new URL it printed' };
    return { kind: 'unreachable', reason: `portwatch serve answered with HTTP ${status}` };
  };
}
