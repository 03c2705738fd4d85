import { describe, expect, it } from 'vitest';
import type { TokenHome } from '../../../src/renderer/transport/serve-link';
import { takeServeToken } from '../../../src/renderer/transport/serve-link';

const TOKEN = 'ab'.repeat(32);
const OTHER = 'cd'.repeat(32);

function home(hash: string, stored: string | null = null, storageFails = false): TokenHome & { address: string[]; store: Map<string, string> } {
  const store = new Map<string, string>(stored === null ? [] : [['portwatch.serve.token', stored]]);
  const address: string[] = [];
  return {
    location: { hash, pathname: '/', search: '' },
    history: { replaceState: (_data: unknown, _unused: string, url?: string | URL | null) => void address.push(String(url)) },
    storage: {
      getItem: (key) => {
        if (storageFails) throw new Error('SecurityError');
        return store.get(key) ?? null;
      },
      setItem: (key, value) => {
        if (storageFails) throw new Error('QuotaExceededError');
        store.set(key, value);
      },
    },
    address,
    store,
  };
}

describe('takeServeToken', () => {
  it('moves the token from the fragment to the tab’s storage and out of the address bar', () => {
    const h = home(`#token=${TOKEN}`);
    expect(takeServeToken(h)).toBe(TOKEN);
    expect(h.store.get('portwatch.serve.token')).toBe(TOKEN);
    expect(h.address).toEqual(['/']);
  });

  it('keeps the token over a reload (no fragment any more), and a new URL’s token replaces it', () => {
    expect(takeServeToken(home('', TOKEN))).toBe(TOKEN);
    const fresh = home(`#token=${OTHER}`, TOKEN);
    expect(takeServeToken(fresh)).toBe(OTHER);
    expect(fresh.store.get('portwatch.serve.token')).toBe(OTHER);
  });

  it('has none without a fragment or a stored token, and ignores one that is not token-shaped', () => {
    const bare = home('');
    expect(takeServeToken(bare)).toBeNull();
    expect(bare.address).toEqual([]);
    const other = home('#section-2');
    expect(takeServeToken(other)).toBeNull();
    expect(other.address).toEqual([]);
    const odd = home('#token=<script>');
    expect(takeServeToken(odd)).toBeNull();
    expect(odd.address).toEqual(['/']);
    expect(takeServeToken(home('', 'not hex'))).toBeNull();
  });

  it('still works for this page load when storage is refused', () => {
    expect(takeServeToken(home(`#token=${TOKEN}`, null, true))).toBe(TOKEN);
    expect(takeServeToken({ ...home(`#token=${TOKEN}`), storage: null })).toBe(TOKEN);
  });
});
