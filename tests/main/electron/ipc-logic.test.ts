import { describe, expect, it } from 'vitest';
import { EVENT_METHODS, REQUEST_METHODS } from '../../../src/shared/api';
import type { ApiHandlers, PortwatchApi, RequestMethod } from '../../../src/shared/api';
import { createPortwatchClient } from '../../../src/shared/portwatch-rpc';
import type { Frame } from '../../../src/shared/rpc/frames';
import { RpcLink } from '../../../src/shared/rpc/link';
import { validateArgs } from '../../../src/shared/schemas';
import { IpcBridge, checkSender } from '../../../src/main/electron/ipc-logic';
import { MAX_ERROR_LENGTH, boundMessage } from '../../../src/main/core/service';
import type { PortwatchService } from '../../../src/main/core/service';
import type { SenderInfo } from '../../../src/main/electron/ipc-logic';
import { runContractSuite } from '../../support/contract-suite';
import { makeConnection } from '../../support/connections';
import { createFakeApi } from '../../support/fake-api';
import { flushPromises } from '../../support/fake-clock';
import { serviceFromApi } from '../../support/service-from-api';
import { systemClock } from '../../../src/main/node/system-clock';

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

/** A bridge over a service, recording what it sends to the window and what it warns about. */
function bridgeOver(service: PortwatchService): { bridge: IpcBridge; sent: Frame[]; warnings: string[] } {
  const sent: Frame[] = [];
  const warnings: string[] = [];
  const bridge = new IpcBridge({ service, rendererUrl: RENDERER, clock: systemClock, send: (frame) => sent.push(structuredClone(frame)), warn: (m) => warnings.push(m) });
  return { bridge, sent, warnings };
}

/** Sends request frames from `sender` and waits for their replies (to the window, or to the refused sender). */
async function ask(bridge: IpcBridge, sent: Frame[], sender: SenderInfo, requests: [unknown, unknown][]): Promise<Frame[]> {
  const replies: Frame[] = [];
  requests.forEach(([method, args], i) => bridge.receive(sender, structuredClone({ t: 'req', id: i + 1, m: method, a: args }), (frame) => replies.push(frame)));
  const answers = (): Frame[] => [...replies, ...sent.filter((f) => f.t === 'res' || (f.t === 'err' && f.id !== undefined))];
  for (let tries = 0; tries < 50 && answers().length < requests.length; tries += 1) await flushPromises();
  return answers().sort((a, b) => ((a as { id: number }).id ?? 0) - ((b as { id: number }).id ?? 0));
}

describe('IpcBridge', () => {
  it('refuses a foreign sender before validating or running anything, answering that frame only', async () => {
    const { handlers, received } = recordingHandlers();
    const { bridge, sent, warnings } = bridgeOver({ ...serviceFromApi(createFakeApi().api), handlers });
    const replies = await ask(bridge, sent, { ...ours, isOurMainFrame: false }, [['getSnapshot', []]]);
    expect(replies).toEqual([{ t: 'res', id: 1, ok: false, e: 'request refused: the sender is not the main frame of the Portwatch window' }]);
    expect(sent).toEqual([]);
    expect(received).toEqual([]);
    expect(warnings).toEqual([`portwatch: refused an IPC frame from ${RENDERER}: the sender is not the main frame of the Portwatch window`]);
    bridge.receive({ hasFrame: false, isOurMainFrame: false, url: '' }, { t: 'sub', ev: 'onSnapshotDelta', on: true }, () => undefined);
    expect(warnings[1]).toBe('portwatch: refused an IPC frame from a gone frame: the sending frame is gone');
  });

  it('answers a valid request with the handler value', async () => {
    const { handlers, received } = recordingHandlers();
    const { bridge, sent } = bridgeOver({ ...serviceFromApi(createFakeApi().api), handlers });
    const [reply] = await ask(bridge, sent, ours, [['getSettings', []]]);
    expect(reply).toMatchObject({ t: 'res', id: 1, ok: true, v: { pollIntervalMs: 1000 } });
    expect(received).toEqual([{ method: 'getSettings', args: [] }]);
  });

  it('rejects malformed arguments with a message naming the method and field', async () => {
    const { handlers, received } = recordingHandlers();
    const { bridge, sent } = bridgeOver({ ...serviceFromApi(createFakeApi().api), handlers });
    const cases: [unknown, unknown, string][] = [
      ['nope', [], 'unknown method "nope"'],
      ['getHistory', [{ durationMs: 'soon' }], 'getHistory: durationMs must be a number'],
      ['endProcess', [{ pid: -5 }], 'endProcess: pid must be at least 1'],
      ['deleteProbe', ['../x'], 'deleteProbe: id is not a probe id'],
      ['setSettings', [{ pollIntervalMs: 10 }], 'setSettings: pollIntervalMs must be at least 500 ms'],
    ];
    const replies = await ask(bridge, sent, ours, cases.map(([method, args]) => [method, args]));
    expect(replies).toEqual(cases.map(([, , e], i) => ({ t: 'res', id: i + 1, ok: false, e })));
    expect(received).toEqual([]);
  });

  it('caps echoed error messages so a huge payload is not sent back whole', async () => {
    const { handlers } = recordingHandlers();
    const { bridge, sent } = bridgeOver({ ...serviceFromApi(createFakeApi().api), handlers });
    const [reply] = await ask(bridge, sent, ours, [['setSettings', ['x'.repeat(100_000)]]]);
    const error = reply?.t === 'res' && !reply.ok ? reply.e : '';
    expect(error).toHaveLength(MAX_ERROR_LENGTH);
    expect(error.startsWith('setSettings: ')).toBe(true);
    expect(error.endsWith('…')).toBe(true);
    expect(boundMessage('short')).toBe('short');
  });

  it('survives random frames: no throw, a well-formed answer, and handlers only ever see valid arguments', async () => {
    const { handlers, received } = recordingHandlers();
    const { bridge, sent } = bridgeOver({ ...serviceFromApi(createFakeApi().api), handlers });
    const next = random(20260);
    const methods: unknown[] = [...REQUEST_METHODS, ...EVENT_METHODS, 'constructor', '__proto__', 'toString', 7, null];
    const requests: [unknown, unknown][] = [];
    for (let i = 0; i < 600; i++) {
      const method = methods[Math.floor(next() * methods.length)];
      requests.push([method, next() < 0.8 ? Array.from({ length: Math.floor(next() * 3) }, () => randomValue(next)) : randomValue(next)]);
    }
    // Garbage frames too: each gets an error frame, none ends the session.
    for (let i = 0; i < 100; i++) bridge.receive(ours, randomValue(next), () => undefined);
    const replies = await ask(bridge, sent, ours, requests);
    let refused = 0;
    for (const reply of replies) {
      expect(() => structuredClone(reply)).not.toThrow();
      const error = reply.t === 'err' ? reply.e : reply.t === 'res' && !reply.ok ? reply.e : null;
      if (error !== null) {
        refused++;
        expect(error.length).toBeGreaterThan(0);
        expect(error.length).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
        expect(error).not.toContain('[object Object]');
      }
    }
    // Every request answered exactly once: a reply, or an error frame naming its id.
    expect(replies.map((f) => (f as { id: number }).id)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(refused).toBeGreaterThan(400);
    expect(sent.filter((f) => f.t === 'err').length).toBeGreaterThan(50);
    for (const call of received) expect(validateArgs(call.method, call.args).ok, call.method).toBe(true);
  });

  it('sends events only after the renderer subscribes, in seq order', async () => {
    const { api, control } = createFakeApi();
    const { bridge, sent } = bridgeOver(serviceFromApi(api));
    control.add([makeConnection({ localPort: 1 })]);
    await flushPromises();
    expect(sent).toEqual([]);
    bridge.receive(ours, { t: 'sub', ev: 'onSnapshotDelta', on: true }, () => undefined);
    control.add([makeConnection({ localPort: 2 })]);
    control.add([makeConnection({ localPort: 3 })]);
    await flushPromises();
    expect(sent.map((f) => (f.t === 'evt' ? [f.ev, (f.p as { seq: number }).seq] : f.t))).toEqual([
      ['onSnapshotDelta', 3],
      ['onSnapshotDelta', 4],
    ]);
  });

  it('ends a document’s session when it reloads: subscriptions stop and its replies are dropped', async () => {
    const { api, control } = createFakeApi();
    const service = serviceFromApi(api);
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { bridge, sent } = bridgeOver({ ...service, handlers: { ...service.handlers, getSettings: async () => (await slow, api.getSettings()) } });
    bridge.receive(ours, { t: 'sub', ev: 'onSnapshotDelta', on: true }, () => undefined);
    bridge.receive(ours, { t: 'req', id: 1, m: 'getSettings', a: [] }, () => undefined);
    await flushPromises();
    bridge.reset('the page navigated');
    release();
    control.add([makeConnection({ localPort: 5 })]);
    await flushPromises();
    await flushPromises();
    expect(sent).toEqual([]);
    // The next document starts a session of its own.
    bridge.receive(ours, { t: 'req', id: 1, m: 'getCapabilities', a: [] }, () => undefined);
    for (let i = 0; i < 5; i++) await flushPromises();
    expect(sent).toMatchObject([{ t: 'res', id: 1, ok: true }]);
  });
});

// The whole IPC link in one process: the preload's client (the RPC layer) and the main side's
// IpcBridge, joined by a structured-cloning "IPC" as Electron's would. The contract suite then checks
// it behaves like every other transport.
runContractSuite('IPC bridge logic (in-process)', async () => {
  const { api: fake, control } = createFakeApi();
  let clientLink: RpcLink | null = null;
  const bridge = new IpcBridge({
    service: serviceFromApi(fake),
    rendererUrl: RENDERER,
    clock: systemClock,
    send: (frame) => {
      const copy = structuredClone(frame);
      setImmediate(() => clientLink?.receive(copy));
    },
  });
  clientLink = new RpcLink(
    { send: (frame) => { const copy = structuredClone(frame); setImmediate(() => bridge.receive(ours, copy, () => undefined)); }, buffered: () => 0, close: () => undefined },
    { clock: systemClock, heartbeat: null, peer: 'the Portwatch main process' },
  );
  const client = createPortwatchClient({ clock: systemClock, peer: 'the Portwatch main process', timeoutMs: 10_000 });
  client.attach(clientLink);
  const api: PortwatchApi = client.api;
  let nextPort = 42000;
  return {
    api,
    openListener: async () => {
      const port = nextPort++;
      const row = makeConnection({ localPort: port });
      setTimeout(() => control.add([row]), 5);
      return { port, close: async () => void setTimeout(() => control.change([{ ...row, change: 'closed' }]), 5) };
    },
    dispose: async () => bridge.reset('the test ended'),
  };
});
