import { describe, expect, it } from 'vitest';
import { CHANNELS, EVENT_METHODS, REQUEST_METHODS, unwrapEnvelope } from '../../../src/shared/api';
import type { ApiHandlers, EventMethod, EventPayload, PortwatchApi, RequestMethod } from '../../../src/shared/api';
import type { PollStatus, ProbeResult, SnapshotDelta } from '../../../src/shared/model';
import { validateArgs } from '../../../src/shared/schemas';
import { ReadyQueue, checkSender, handleInvoke, isEventMethod } from '../../../src/main/electron/ipc-logic';
import { MAX_ERROR_LENGTH, boundMessage } from '../../../src/main/core/service';
import type { SenderInfo } from '../../../src/main/electron/ipc-logic';
import { runContractSuite } from '../../support/contract-suite';
import { countersOf, emptyAggregates, makeConnection, okStatus } from '../../support/connections';
import { createFakeApi } from '../../support/fake-api';

const RENDERER = 'file:///opt/Portwatch/resources/app.asar/out/renderer/index.html';
const ours: SenderInfo = { hasFrame: true, isOurMainFrame: true, url: RENDERER };

describe('checkSender', () => {
  it('accepts our window main frame showing our renderer, with or without a hash route', () => {
    expect(checkSender(ours, RENDERER)).toEqual({ ok: true });
    expect(checkSender({ ...ours, url: `${RENDERER}#/probes` }, RENDERER)).toEqual({ ok: true });
    expect(checkSender({ ...ours, url: `${RENDERER}?tab=1` }, RENDERER)).toEqual({ ok: true });
  });

  it('refuses a frame that is gone', () => {
    expect(checkSender({ hasFrame: false, isOurMainFrame: false, url: '' }, RENDERER)).toEqual({ ok: false, reason: 'the sending frame is gone' });
  });

  it('refuses subframes and other windows', () => {
    expect(checkSender({ ...ours, isOurMainFrame: false }, RENDERER)).toEqual({
      ok: false,
      reason: 'the sender is not the main frame of the Portwatch window',
    });
  });

  it('refuses our main frame once it shows another document', () => {
    for (const url of [
      'https://evil.example/index.html',
      'file:///tmp/index.html',
      'file:///opt/Portwatch/resources/app.asar/out/renderer/other.html',
      'about:blank',
      'not a url',
      '',
    ]) {
      const verdict = checkSender({ ...ours, url }, RENDERER);
      expect(verdict.ok, url).toBe(false);
      if (!verdict.ok) expect(verdict.reason).toBe(`the sender shows ${JSON.stringify(url)}, not the Portwatch renderer`);
    }
  });
});

describe('isEventMethod', () => {
  it('accepts exactly the contract event names', () => {
    for (const name of EVENT_METHODS) expect(isEventMethod(name)).toBe(true);
    for (const name of ['getSnapshot', 'onEverything', '', 42, null, { toString: () => 'onStatus' }]) expect(isEventMethod(name)).toBe(false);
  });
});

/** Handlers backed by the fake API, recording every call they receive. */
function recordingHandlers(): { handlers: ApiHandlers; received: { method: RequestMethod; args: unknown[] }[] } {
  const { api } = createFakeApi();
  const received: { method: RequestMethod; args: unknown[] }[] = [];
  const handlers = Object.fromEntries(
    REQUEST_METHODS.map((method) => [
      method,
      (...args: unknown[]) => {
        received.push({ method, args });
        return (api[method] as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as ApiHandlers;
  return { handlers, received };
}

/** A deterministic pseudo-random generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 2 ? 8 : 11));
  const keys = ['format', 'pid', 'durationMs', 'id', 'kind', 'host', 'port', 'theme', '__proto__', 'constructor', 'x'];
  switch (pick) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return [0, -1, 1e308, Number.NaN, Number.POSITIVE_INFINITY, 65536, 0.5][Math.floor(next() * 7)];
    case 3:
      return ['', 'csv', 'tcp', '../../etc/passwd', 'x'.repeat(5000), 'on', 'a b', '\u0000'][Math.floor(next() * 8)];
    case 4:
      return next() < 0.5;
    case 5:
      return BigInt(7);
    case 6:
      return new Date(0);
    case 7:
      return new Uint8Array(3);
    case 8:
    case 9:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(next() * 4) }, () => [keys[Math.floor(next() * keys.length)], randomValue(next, depth + 1)]));
  }
}

describe('handleInvoke', () => {
  it('refuses a foreign sender before validating or running anything', async () => {
    const { handlers, received } = recordingHandlers();
    const envelope = await handleInvoke(handlers, { ...ours, isOurMainFrame: false }, RENDERER, 'getSnapshot', []);
    expect(envelope).toEqual({ ok: false, error: 'request refused: the sender is not the main frame of the Portwatch window' });
    expect(received).toEqual([]);
  });

  it('answers a valid request with the handler value', async () => {
    const { handlers, received } = recordingHandlers();
    const envelope = await handleInvoke(handlers, ours, RENDERER, 'getSettings', []);
    expect(envelope).toMatchObject({ ok: true, value: { pollIntervalMs: 1000 } });
    expect(received).toEqual([{ method: 'getSettings', args: [] }]);
  });

  it('rejects malformed arguments with a message naming the method and field', async () => {
    const { handlers, received } = recordingHandlers();
    const cases: [unknown, unknown, string][] = [
      ['nope', [], 'unknown method "nope"'],
      ['getHistory', [{ durationMs: 'soon' }], 'getHistory: durationMs must be a number'],
      ['endProcess', [{ pid: -5 }], 'endProcess: pid must be at least 1'],
      ['deleteProbe', ['../x'], 'deleteProbe: id is not a probe id'],
      ['setSettings', [{ pollIntervalMs: 10 }], 'setSettings: pollIntervalMs must be at least 500 ms'],
    ];
    for (const [method, args, error] of cases) {
      const envelope = await handleInvoke(handlers, ours, RENDERER, method, args);
      expect(envelope, String(method)).toEqual({ ok: false, error });
    }
    expect(received).toEqual([]);
  });

  it('caps echoed error messages so a huge payload is not sent back whole', async () => {
    const { handlers } = recordingHandlers();
    const envelope = await handleInvoke(handlers, ours, RENDERER, 'setSettings', ['x'.repeat(100_000)]);
    expect(envelope.ok).toBe(false);
    if (!envelope.ok) {
      expect(envelope.error).toHaveLength(MAX_ERROR_LENGTH);
      expect(envelope.error.startsWith('setSettings: ')).toBe(true);
      expect(envelope.error.endsWith('…')).toBe(true);
    }
    expect(boundMessage('short')).toBe('short');
  });

  it('survives random payloads: no throw, a well-formed envelope, and handlers only ever see valid arguments', async () => {
    const { handlers, received } = recordingHandlers();
    const next = random(20260);
    const methods: unknown[] = [...REQUEST_METHODS, ...EVENT_METHODS, 'constructor', '__proto__', 'toString', 7, null];
    let refused = 0;
    for (let i = 0; i < 600; i++) {
      const method = methods[Math.floor(next() * methods.length)];
      const args = next() < 0.8 ? Array.from({ length: Math.floor(next() * 3) }, () => randomValue(next)) : randomValue(next);
      const envelope = await handleInvoke(handlers, ours, RENDERER, method, args);
      expect(typeof envelope.ok).toBe('boolean');
      if (!envelope.ok) {
        refused++;
        expect(envelope.error.length).toBeGreaterThan(0);
        expect(envelope.error.length).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
        expect(envelope.error).not.toContain('[object Object]');
        expect(() => structuredClone(envelope)).not.toThrow();
      }
    }
    expect(refused).toBeGreaterThan(400);
    for (const call of received) expect(validateArgs(call.method, call.args).ok, call.method).toBe(true);
  });
});

const status = (): PollStatus => okStatus();
const delta = (seq: number): SnapshotDelta => ({
  seq,
  capturedAt: seq * 1000,
  added: [],
  changed: [],
  removedKeys: [],
  aggregates: emptyAggregates(),
  counters: countersOf([]),
  status: status(),
});

/** A queue that records what it sent. */
function recordingQueue(limit?: number): { queue: ReadyQueue; sent: [EventMethod, unknown][] } {
  const sent: [EventMethod, unknown][] = [];
  const queue = new ReadyQueue(<K extends EventMethod>(event: K, payload: EventPayload<K>) => {
    sent.push([event, payload]);
  }, limit);
  return { queue, sent };
}

describe('ReadyQueue', () => {
  it('holds events until the renderer subscribes, then flushes them in order', () => {
    const { queue, sent } = recordingQueue();
    queue.push('onSnapshotDelta', delta(1));
    queue.push('onSnapshotDelta', delta(2));
    expect(sent).toEqual([]);
    queue.markReady('onSnapshotDelta');
    expect(sent.map(([event, payload]) => [event, (payload as SnapshotDelta).seq])).toEqual([
      ['onSnapshotDelta', 1],
      ['onSnapshotDelta', 2],
    ]);
    queue.push('onSnapshotDelta', delta(3));
    expect(sent).toHaveLength(3);
  });

  it('tracks readiness per event', () => {
    const { queue, sent } = recordingQueue();
    queue.markReady('onStatus');
    queue.push('onStatus', status());
    queue.push('onSnapshotDelta', delta(1));
    expect(sent.map(([event]) => event)).toEqual(['onStatus']);
    expect(queue.pending('onSnapshotDelta')).toBe(1);
  });

  it('drops all queued deltas on overflow, leaving a seq gap for the client to detect', () => {
    const { queue, sent } = recordingQueue(3);
    for (let seq = 1; seq <= 4; seq++) queue.push('onSnapshotDelta', delta(seq));
    expect(queue.pending('onSnapshotDelta')).toBe(1);
    expect(queue.droppedCount()).toBe(3);
    queue.markReady('onSnapshotDelta');
    expect(sent.map(([, payload]) => (payload as SnapshotDelta).seq)).toEqual([4]);
  });

  it('keeps only the newest status', () => {
    const { queue, sent } = recordingQueue();
    queue.push('onStatus', { ...status(), polledAt: 1 });
    queue.push('onStatus', { ...status(), polledAt: 2 });
    queue.markReady('onStatus');
    expect(sent.map(([, payload]) => (payload as PollStatus).polledAt)).toEqual([2]);
  });

  it('drops the oldest probe results on overflow', () => {
    const { queue, sent } = recordingQueue(2);
    const result = (at: number): ProbeResult => ({ probeId: 'p', kind: 'tcp', at, outcome: 'open', ok: true, latencyMs: 1, message: 'open', health: 'up', transition: null });
    for (const at of [1, 2, 3]) queue.push('onProbeResult', result(at));
    queue.markReady('onProbeResult');
    expect(sent.map(([, payload]) => (payload as ProbeResult).at)).toEqual([2, 3]);
  });

  it('queues again after a reset (renderer reload) until the renderer re-subscribes', () => {
    const { queue, sent } = recordingQueue();
    queue.markReady('onSnapshotDelta');
    queue.reset();
    queue.push('onSnapshotDelta', delta(9));
    expect(sent).toEqual([]);
    queue.markReady('onSnapshotDelta');
    expect(sent).toHaveLength(1);
  });

  it('rejects a nonsensical limit', () => {
    expect(() => recordingQueue(0)).toThrow('queue limit must be a positive integer, got 0');
  });
});

// The whole bridge in one process: requests go through handleInvoke (structured-cloned like IPC),
// events through the ReadyQueue, and the client marks an event ready when it subscribes (as the
// preload does). The contract suite then checks it behaves like every other transport.
runContractSuite('IPC bridge logic (in-process)', async () => {
  const { api: service, control } = createFakeApi();
  const listeners = new Map<EventMethod, Set<(payload: unknown) => void>>(EVENT_METHODS.map((event) => [event, new Set()]));
  const queue = new ReadyQueue(<K extends EventMethod>(event: K, payload: EventPayload<K>) => {
    const cloned = structuredClone(payload);
    for (const listener of listeners.get(event) ?? []) listener(cloned);
  });
  const unsubscribers = EVENT_METHODS.map((event) =>
    (service[event] as (listener: (payload: unknown) => void) => () => void)((payload) => queue.push(event, payload as EventPayload<typeof event>)),
  );
  const request = async (method: RequestMethod, args: unknown[]): Promise<unknown> =>
    unwrapEnvelope(structuredClone(await handleInvoke(service as unknown as ApiHandlers, ours, RENDERER, method, structuredClone(args))));
  const subscribe = (event: EventMethod, listener: (payload: unknown) => void): (() => void) => {
    listeners.get(event)?.add(listener);
    queue.markReady(event);
    return () => listeners.get(event)?.delete(listener);
  };
  const api = Object.fromEntries(
    Object.keys(CHANNELS).map((name) => [
      name,
      isEventMethod(name) ? (listener: (payload: unknown) => void) => subscribe(name, listener) : (...args: unknown[]) => request(name as RequestMethod, args),
    ]),
  ) as unknown as PortwatchApi;
  let nextPort = 42000;
  return {
    api,
    openListener: async () => {
      const port = nextPort++;
      const row = makeConnection({ localPort: port });
      setTimeout(() => control.add([row]), 5);
      return { port, close: async () => void setTimeout(() => control.change([{ ...row, change: 'closed' }]), 5) };
    },
    dispose: async () => unsubscribers.forEach((unsubscribe) => unsubscribe()),
  };
});
