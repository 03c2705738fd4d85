/**
 * The page's `diagnose()` (src/renderer/transport/serve-link.ts) against the real server: what a
 * failed connection means, asked over a real fetch to `/auth-check`.
 */
import { describe, expect, it } from 'vitest';
import { serveDiagnose } from '../../../src/renderer/transport/serve-link';
import { startFakeServe } from '../../support/serve';

describe('diagnose() against portwatch serve', () => {
  it('reachable while the token is good; refused with what to do after a restart; unreachable once stopped', async () => {
    const first = await startFakeServe();
    const { port, token } = first.server;
    const diagnose = serveDiagnose(token, (url, init) => fetch(url, init), `http://127.0.0.1:${port}`);
    await expect(diagnose()).resolves.toEqual({ kind: 'reachable' });
    // The same page, after serve restarted on the same port with a new token.
    await first.server.close();
    const second = await startFakeServe({ port });
    try {
      expect(second.server.token).not.toBe(token);
      await expect(diagnose()).resolves.toEqual({
        kind: 'refused',
        reason: 'the token changed: portwatch serve was restarted',
        action: 'open the new URL it printed',
      });
    } finally {
      await second.server.close();
    }
    await expect(diagnose()).resolves.toEqual({ kind: 'unreachable', reason: 'portwatch serve does not answer (stopped, or the network is down)' });
    // The check never carried the token anywhere but its Authorization header.
    expect(second.requests.map((r) => [r.url, r.headers.authorization])).toEqual([['/auth-check', `Bearer ${token}`]]);
  });

  it('a page opened without a token is refused with the URL to open, without asking', async () => {
    let asked = 0;
    const diagnose = serveDiagnose(null, async () => {
      asked += 1;
      return { status: 204 };
    });
    await expect(diagnose()).resolves.toEqual({
      kind: 'refused',
      reason: 'this page was opened without its access token',
      action: 'open the URL that portwatch serve printed (it ends with #token=…)',
    });
    expect(asked).toBe(0);
  });

  it('another answer (a refused Host, an overloaded server) is not a verdict on the token', async () => {
    const diagnose = serveDiagnose('ab'.repeat(32), async () => ({ status: 403 }));
    await expect(diagnose()).resolves.toEqual({ kind: 'unreachable', reason: 'portwatch serve answered with HTTP 403' });
  });
});
