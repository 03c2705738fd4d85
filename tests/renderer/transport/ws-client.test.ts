/**
 * The WebSocket client's link state, on fake sockets and a fake clock: connecting → connected →
 * reconnecting (attempt n) → disconnected with a reason and an action, what `diagnose` changes, the
 * heartbeat finding a silent server, and requests waiting for (or failing with) the link.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionState, LinkDiagnosis } from '../../../src/shared/connection';
import { UNREACHABLE, createWebSocketApi } from '../../../src/renderer/transport/ws-client';
import type { SocketLike, WebSocketApiOptions } from '../../../src/renderer/transport/ws-client';
import { FakeClock, flushPromises } from '../../support/fake-clock';

/** A socket the test opens, closes and answers by hand. */
class FakeSocket implements SocketLike {
  readyState = 0;
  bufferedAmount = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  closedByClient = false;

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.closedByClient = true;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  fail(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  deliver(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  /** Answers every request sent so far with `value`. */
  answerAll(value: unknown): void {
    for (const frame of this.sent) if (frame.t === 'req') this.deliver({ t: 'res', id: frame.id, ok: true, v: value });
  }
}

function client(options: Partial<WebSocketApiOptions> = {}) {
  const clock = new FakeClock(1_000_000);
  const sockets: FakeSocket[] = [];
  const handle = createWebSocketApi('ws://127.0.0.1:1/ws', {
    clock,
    heartbeat: null,
    retryDelayMs: { initial: 100, max: 1600 },
    connectTimeoutMs: 5000,
    connect: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    ...options,
  });
  const states: ConnectionState[] = [];
  handle.monitor.onChange((state) => states.push(state));
  const last = (): FakeSocket => sockets[sockets.length - 1] as FakeSocket;
  return { clock, sockets, handle, states, last };
}

describe('createWebSocketApi: link state', () => {
  it('connects, then reconnects after a drop and re-subscribes', async () => {
    const { handle, states, last, clock, sockets } = client();
    expect(handle.monitor.current()).toEqual({ kind: 'connecting' });
    handle.api.onSnapshotDelta(() => undefined);
    last().open();
    expect(states).toEqual([{ kind: 'connected', transport: 'websocket' }]);
    expect(last().sent).toEqual([{ t: 'sub', ev: 'onSnapshotDelta', on: true }]);
    last().fail();
    expect(handle.monitor.current()).toEqual({ kind: 'reconnecting', attempt: 1, nextRetryAt: 1_000_100, reason: 'Connection lost: the connection closed (code 1006)' });
    await clock.advanceAsync(100);
    expect(sockets).toHaveLength(2);
    last().open();
    expect(handle.monitor.current()).toEqual({ kind: 'connected', transport: 'websocket' });
    expect(last().sent).toEqual([{ t: 'sub', ev: 'onSnapshotDelta', on: true }]);
    handle.close();
  });

  it('without diagnose, a failed attempt reads as unreachable, and retries go on with back-off until one succeeds', async () => {
    const { handle, last, clock, sockets } = client();
    last().fail();
    await flushPromises();
    expect(handle.monitor.current()).toEqual({ kind: 'disconnected', reason: UNREACHABLE.reason, action: UNREACHABLE.action });
    const attemptsAt: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const before = sockets.length;
      while (sockets.length === before) await clock.advanceAsync(50);
      attemptsAt.push(clock.now() - 1_000_000);
      last().fail();
      await flushPromises();
    }
    // 100, then 200, 400, 800 ms after each failure (the failures are at the attempts' times).
    expect(attemptsAt).toEqual([100, 300, 700, 1500]);
    while (sockets.length === 5) await clock.advanceAsync(50);
    last().open();
    expect(handle.monitor.current()).toEqual({ kind: 'connected', transport: 'websocket' });
    handle.close();
  });

  it('refused: disconnected with the diagnosis, no more attempts, requests fail with the reason', async () => {
    const diagnosis: LinkDiagnosis = { kind: 'refused', reason: 'portwatch serve no longer accepts this page', action: 'Open the new URL that portwatch serve printed' };
    const { handle, last, clock, sockets } = client({ diagnose: async () => diagnosis });
    last().open();
    const inFlight = handle.api.getSettings().catch((error: Error) => error.message);
    last().fail();
    expect(await inFlight).toBe('the connection to portwatch serve was lost (the connection closed (code 1006))');
    await clock.advanceAsync(100);
    last().fail();
    await flushPromises();
    expect(handle.monitor.current()).toEqual({ kind: 'disconnected', reason: diagnosis.reason, action: diagnosis.action });
    await clock.advanceAsync(60_000);
    expect(sockets).toHaveLength(2);
    await expect(handle.api.getSnapshot()).rejects.toThrow('portwatch serve no longer accepts this page. Open the new URL that portwatch serve printed');
  });

  it('reachable: retries at once, then backs off if it keeps failing', async () => {
    const { handle, last, clock, sockets } = client({ diagnose: async () => ({ kind: 'reachable' }) });
    last().fail();
    await flushPromises();
    expect(handle.monitor.current()).toEqual({ kind: 'reconnecting', attempt: 2, nextRetryAt: 1_000_000, reason: 'the connection closed (code 1006)' });
    await clock.advanceAsync(0);
    expect(sockets).toHaveLength(2);
    last().fail();
    await flushPromises();
    expect(handle.monitor.current()).toMatchObject({ kind: 'reconnecting', attempt: 3, nextRetryAt: 1_000_200 });
    handle.close();
    expect(handle.monitor.current()).toEqual({ kind: 'disconnected', reason: 'The connection was closed', action: 'Reload the page to connect again' });
  });

  it('gives up on an attempt that never opens (a frozen server accepts TCP but never answers)', async () => {
    const { handle, clock, sockets } = client();
    await clock.advanceAsync(5000);
    expect(sockets[0]?.closedByClient).toBe(true);
    expect(handle.monitor.current()).toEqual({ kind: 'disconnected', reason: UNREACHABLE.reason, action: UNREACHABLE.action });
    handle.close();
  });

  it('finds a server that went silent with the heartbeat, and says reconnecting', async () => {
    const { handle, last, clock } = client({ heartbeat: { deadAfterMs: 3000 } });
    last().open();
    // A live server answers pings.
    for (let i = 0; i < 10; i += 1) {
      await clock.advanceAsync(1000);
      for (const frame of last().sent.splice(0)) if (frame.t === 'ping') last().deliver({ t: 'pong', n: frame.n });
    }
    expect(handle.monitor.current()).toEqual({ kind: 'connected', transport: 'websocket' });
    await clock.advanceAsync(3000);
    expect(handle.monitor.current()).toMatchObject({ kind: 'reconnecting', attempt: 1, reason: 'Connection lost: no answer from portwatch serve for 3 s' });
    handle.close();
  });

  it('keeps requests made while the link is down and sends them once it is up', async () => {
    const { handle, last, clock } = client();
    last().fail();
    await flushPromises();
    const settings = handle.api.getSettings();
    await clock.advanceAsync(100);
    last().open();
    expect(last().sent).toEqual([{ t: 'req', id: 1, m: 'getSettings', a: [] }]);
    last().answerAll({ theme: 'dark' });
    await expect(settings).resolves.toEqual({ theme: 'dark' });
    handle.close();
  });

  it('shows the server’s reason when it disconnects the client', async () => {
    const { handle, last } = client();
    last().open();
    last().deliver({ t: 'bye', reason: 'the client was disconnected: it stopped reading' });
    expect(handle.monitor.current()).toMatchObject({
      kind: 'reconnecting',
      reason: 'Connection lost: portwatch serve closed the connection: the client was disconnected: it stopped reading',
    });
    expect(last().closedByClient).toBe(true);
    handle.close();
  });
});
