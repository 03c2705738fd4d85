import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LinkDiagnosis } from '../../../src/shared/connection';
import type { SocketLike } from '../../../src/renderer/transport/ws-client';
import { createWebSocketApi } from '../../../src/renderer/transport/ws-client';

/** A socket that fails to open, as a refused handshake does in a browser. */
function failing(opened: SocketLike[]): (url: string) => SocketLike {
  return () => {
    const socket: SocketLike = { readyState: 0, send: () => undefined, close: () => undefined, onopen: null, onclose: null, onerror: null, onmessage: null };
    opened.push(socket);
    queueMicrotask(() => socket.onclose?.({}));
    return socket;
  };
}

describe('ws-client: what a failed connection means', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each<[LinkDiagnosis, boolean]>([
    [{ kind: 'refused', reason: 'the token changed: portwatch serve was restarted', action: 'open the new URL it printed' }, false],
    [{ kind: 'unreachable', reason: 'portwatch serve does not answer' }, true],
    [{ kind: 'reachable' }, true],
  ])('after %o it retries: %s', async (diagnosis, retries) => {
    vi.useFakeTimers();
    const opened: SocketLike[] = [];
    let asked = 0;
    createWebSocketApi('ws://127.0.0.1:1/ws', {
      connect: failing(opened),
      diagnose: async () => {
        asked += 1;
        return diagnosis;
      },
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(asked).toBeGreaterThanOrEqual(1);
    if (retries) expect(opened.length).toBeGreaterThan(1);
    else expect([opened.length, asked]).toEqual([1, 1]);
  });
});
