/**
 * The RPC layer without a transport (two links joined in memory, a fake clock): requests and
 * replies, time-outs that cancel on the server, a lost connection, re-subscription on a new link,
 * unsubscribing, the heartbeat both ways, closing with a reason, and the bounds on what a client may
 * have running. The same code serves the worker, the WebSocket and IPC.
 */
import { describe, expect, it } from 'vitest';
import type { Unsubscribe } from '../../../src/shared/api';
import { RpcClient } from '../../../src/shared/rpc/client';
import type { RpcHandlers, RpcMemberMap, RpcSubscribe } from '../../../src/shared/rpc/contract';
import { clientFrameValidator } from '../../../src/shared/rpc/frame-schema';
import { handlerDispatcher, serveRpc } from '../../../src/shared/rpc/server';
import type { RpcServerOptions } from '../../../src/shared/rpc/server';
import { FakeClock, flushPromises } from '../../support/fake-clock';
import { linkPair } from '../../support/rpc-pair';
import type { LinkPair } from '../../support/rpc-pair';

/** A small contract of our own: the layer is generic, not PortwatchApi's. */
interface EchoApi {
  echo(text: string): Promise<string>;
  slow(ms: number): Promise<number>;
  fail(): Promise<void>;
  onTick(listener: (n: number) => void): Unsubscribe;
}
const MEMBERS = { echo: true, slow: true, fail: true, onTick: true } satisfies RpcMemberMap<EchoApi>;

interface Setup {
  clock: FakeClock;
  pair: LinkPair;
  client: RpcClient<EchoApi>;
  api: EchoApi;
  tick(n: number): void;
  subscribed(): number;
  ran: string[];
}

function setup(options: { timeoutMs?: number; server?: Partial<RpcServerOptions<EchoApi>>; heartbeat?: Parameters<typeof linkPair>[1] } = {}): Setup {
  const clock = new FakeClock(0);
  const pair = linkPair(clock, options.heartbeat);
  const listeners = new Set<(n: number) => void>();
  const ran: string[] = [];
  const handlers: RpcHandlers<EchoApi> = {
    echo: (text) => {
      ran.push(`echo ${text}`);
      return `echo: ${text}`;
    },
    slow: (ms) =>
      new Promise((resolve) => {
        ran.push(`slow ${ms}`);
        clock.setTimeout(() => resolve(ms), ms);
      }),
    fail: async () => {
      throw new Error('it failed, in words');
    },
  };
  serveRpc<EchoApi>(pair.server, {
    clock,
    validate: clientFrameValidator(['onTick']),
    dispatch: handlerDispatcher(handlers),
    // One event only, so every listener is a tick listener.
    subscribe: ((_event: 'onTick', listener: (n: number) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }) as RpcSubscribe<EchoApi>,
    policies: { onTick: 'resync' },
    ...options.server,
  });
  const client = new RpcClient<EchoApi>({
    clock,
    members: MEMBERS,
    timeoutMs: options.timeoutMs ?? 0,
    messages: { lost: (reason) => `lost: ${reason}`, timeout: (method, ms) => `${method}: no answer within ${ms} ms` },
  });
  client.attach(pair.client);
  return { clock, pair, client, api: client.api, tick: (n) => listeners.forEach((l) => l(n)), subscribed: () => listeners.size, ran };
}

describe('RPC layer', () => {
  it('answers requests, and rejects with the server’s own words', async () => {
    const { api } = setup();
    await expect(api.echo('hi')).resolves.toBe('echo: hi');
    await expect(api.fail()).rejects.toThrow(new Error('it failed, in words'));
  });

  it('times out a request, tells the server to drop the reply, and ignores it if it comes', async () => {
    const { api, clock, pair } = setup({ timeoutMs: 1000 });
    const slow = api.slow(5000);
    const outcome = slow.catch((error: Error) => error.message);
    await clock.advanceAsync(1000);
    expect(await outcome).toBe('slow: no answer within 1000 ms');
    expect(pair.toServer).toContainEqual({ t: 'cancel', id: 1 });
    await clock.advanceAsync(5000);
    expect(pair.toClient.filter((f) => f.t === 'res')).toEqual([]);
    await expect(api.echo('after')).resolves.toBe('echo: after');
  });

  it('rejects what is in flight when the connection drops, and sends what waited once a new one is up', async () => {
    const { api, clock, client, pair, ran } = setup();
    const inFlight = api.slow(100).catch((error: Error) => error.message);
    await flushPromises();
    pair.drop('the cable was pulled');
    expect(await inFlight).toBe('lost: the cable was pulled');
    const waited = api.echo('later');
    await flushPromises();
    const next = linkPair(clock);
    serveRpc<EchoApi>(next.server, {
      clock,
      validate: clientFrameValidator(['onTick']),
      dispatch: handlerDispatcher({ echo: (t) => `again: ${t}`, slow: async (ms) => ms, fail: async () => undefined }),
      subscribe: () => () => undefined,
      policies: { onTick: 'resync' },
    });
    client.attach(next.client);
    await expect(waited).resolves.toBe('again: later');
    expect(ran).toEqual(['slow 100']);
  });

  it('re-subscribes its events on a new link', async () => {
    const { api, clock, client, pair } = setup();
    api.onTick(() => undefined);
    await flushPromises();
    pair.drop('gone');
    const next = linkPair(clock);
    client.attach(next.client);
    expect(next.toServer).toEqual([{ t: 'sub', ev: 'onTick', on: true }]);
  });

  it('subscribes once for many listeners, stops the server’s subscription after the last leaves, and when the link closes', async () => {
    const { api, pair, subscribed, tick } = setup();
    const seen: string[] = [];
    const stopA = api.onTick((n) => seen.push(`a${n}`));
    const stopB = api.onTick((n) => {
      seen.push(`b${n}`);
      throw new Error('a buggy listener');
    });
    const stopC = api.onTick((n) => seen.push(`c${n}`));
    await flushPromises();
    expect(subscribed()).toBe(1);
    tick(1);
    await flushPromises();
    expect(seen).toEqual(['a1', 'b1', 'c1']);
    stopA();
    stopB();
    stopB();
    await flushPromises();
    expect(subscribed()).toBe(1);
    stopC();
    await flushPromises();
    expect(subscribed()).toBe(0);
    expect(pair.toServer.filter((f) => f.t === 'sub')).toEqual([
      { t: 'sub', ev: 'onTick', on: true },
      { t: 'sub', ev: 'onTick', on: false },
    ]);
    api.onTick(() => undefined);
    await flushPromises();
    expect(subscribed()).toBe(1);
    pair.drop('gone');
    expect(subscribed()).toBe(0);
  });

  it('finds a server that stopped answering within the heartbeat window, and closes with the reason', async () => {
    const { api, clock, pair } = setup({ heartbeat: { client: { deadAfterMs: 3000 } } });
    await clock.advanceAsync(60_000);
    expect(pair.client.closed).toBeNull();
    expect(pair.toServer.filter((f) => f.t === 'ping').length).toBeGreaterThanOrEqual(19);
    pair.muteServer = true;
    const pending = api.echo('anyone?').catch((error: Error) => error.message);
    // The last pong came at 60 s: the peer is dead 3 s later, at the next check.
    await clock.advanceAsync(2999);
    expect(pair.client.closed).toBeNull();
    await clock.advanceAsync(1);
    expect(pair.client.closed).toEqual({ reason: 'no answer from the server for 3 s', byPeer: false });
    expect(await pending).toBe('lost: no answer from the server for 3 s');
  });

  it('finds a client that stopped answering, on the server’s side too', async () => {
    const { clock, pair, subscribed, api } = setup({ heartbeat: { server: { deadAfterMs: 2000 } } });
    api.onTick(() => undefined);
    await clock.advanceAsync(10_000);
    expect(pair.server.closed).toBeNull();
    pair.muteClient = true;
    await clock.advanceAsync(2700);
    expect(pair.server.closed).toEqual({ reason: 'no answer from the client for 2 s', byPeer: false });
    expect(subscribed()).toBe(0);
    // The client heard the server's goodbye and why.
    await flushPromises();
    expect(pair.client.closed).toEqual({ reason: 'the server closed the connection: no answer from the client for 2 s', byPeer: true });
  });

  it('gives no verdict from a check that fires late (our own thread was busy), and judges at the next one', async () => {
    // A hand-driven clock: the first check fires 4 s late, as after a long synchronous task.
    let now = 0;
    const timers: { at: number; run: () => void }[] = [];
    const clock = {
      now: () => now,
      setTimeout: (run: () => void, ms: number) => {
        timers.push({ at: now + ms, run });
        return timers.length as never;
      },
      clearTimeout: () => undefined,
    };
    const pair = linkPair(clock, { client: { deadAfterMs: 3000 } });
    pair.muteServer = true;
    const fire = (at: number): void => {
      now = at;
      timers.shift()?.run();
    };
    fire(5000);
    expect(pair.client.closed).toBeNull();
    expect(timers[0]?.at).toBe(6000);
    fire(6000);
    expect(pair.client.closed).toEqual({ reason: 'no answer from the server for 3 s', byPeer: false });
  });

  it('bounds what a client may have running, and answers past it with an error', async () => {
    const { api, clock, ran } = setup({ server: { maxInFlight: 2, maxWaiting: 1 } });
    const results = [api.slow(100), api.slow(200), api.slow(300), api.slow(400)].map((p) => p.catch((error: Error) => error.message));
    await flushPromises();
    expect(ran).toEqual(['slow 100', 'slow 200']);
    await clock.advanceAsync(100);
    expect(ran).toEqual(['slow 100', 'slow 200', 'slow 300']);
    await clock.advanceAsync(1000);
    expect(await Promise.all(results)).toEqual([100, 200, 300, 'too many requests waiting (1): slow down']);
  });

  it('answers malformed frames, unknown methods and a reused id in words, and keeps the connection', async () => {
    const { pair } = setup();
    const replies: unknown[] = [];
    pair.client.onFrame((frame) => replies.push(frame));
    pair.client.send({ t: 'req', id: 1, m: 'constructor', a: [] });
    pair.client.send({ t: 'req', id: 2, m: 'slow', a: [50] });
    pair.client.send({ t: 'req', id: 2, m: 'echo', a: ['x'] });
    pair.client.send({ t: 'sub', ev: 'onEverything', on: true });
    pair.client.send({ t: 'nope' } as never);
    await flushPromises();
    // The error frames answer at once; the dispatch of id 1 answers a few microtasks later.
    expect(replies).toEqual([
      { t: 'err', e: 'request id 2 is already in use', id: 2 },
      { t: 'err', e: 'malformed frame: ev must be an event name' },
      { t: 'err', e: 'malformed frame: t must be req, cancel, sub, ping, pong or bye' },
      { t: 'res', id: 1, ok: false, e: 'unknown method "constructor"' },
    ]);
    expect(pair.server.closed).toBeNull();
  });

  it('once refused, fails requests at once with the reason, including those that waited', async () => {
    const { api, client, pair } = setup();
    pair.drop('gone');
    const waiting = api.echo('queued').catch((error: Error) => error.message);
    client.refuse('the server no longer accepts this page. Reload it.');
    expect(await waiting).toBe('the server no longer accepts this page. Reload it.');
    await expect(api.echo('new')).rejects.toThrow('the server no longer accepts this page. Reload it.');
  });

  it('bounds the requests waiting for a connection', async () => {
    const clock = new FakeClock(0);
    const client = new RpcClient<EchoApi>({ clock, members: MEMBERS, timeoutMs: 0, maxQueued: 2, messages: { lost: (r) => r, timeout: (m) => m } });
    void client.api.echo('1');
    void client.api.echo('2');
    await expect(client.api.echo('3')).rejects.toThrow('echo: too many requests are waiting for the connection');
  });
});
