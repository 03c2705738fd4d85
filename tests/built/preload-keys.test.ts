import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CHANNELS, EVENT_METHODS, REQUEST_METHODS } from '../../src/shared/api';
import type { ApiMethod } from '../../src/shared/api';
import { IPC_CHANNEL } from '../../src/shared/portwatch-rpc';

type Fn = (...args: unknown[]) => unknown;

/** Runs the built preload in a fresh context with a recording fake of Electron's renderer API. */
function loadPreload(): {
  exposed: [string, Record<string, Fn>][];
  invokes: [string, unknown[]][];
  sends: [string, unknown[]][];
  listeners: Map<string, Fn[]>;
  reply: { next: unknown };
  requires: string[];
} {
  const exposed: [string, Record<string, Fn>][] = [];
  const invokes: [string, unknown[]][] = [];
  const sends: [string, unknown[]][] = [];
  const listeners = new Map<string, Fn[]>();
  const reply = { next: { ok: true, value: null } as unknown };
  const requires: string[] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: Record<string, Fn>) => exposed.push([key, api]) },
    ipcRenderer: {
      invoke: async (channel: string, ...args: unknown[]) => {
        invokes.push([channel, args]);
        return reply.next;
      },
      send: (channel: string, ...args: unknown[]) => sends.push([channel, args]),
      on: (channel: string, listener: Fn) => listeners.set(channel, [...(listeners.get(channel) ?? []), listener]),
      removeListener: (channel: string, listener: Fn) => listeners.set(channel, (listeners.get(channel) ?? []).filter((l) => l !== listener)),
    },
  };
  const code = readFileSync('out/preload/index.js', 'utf8');
  const module = { exports: {} };
  runInNewContext(code, {
    require: (name: string) => {
      requires.push(name);
      if (name !== 'electron') throw new Error(`the sandboxed preload cannot require ${name}`);
      return electron;
    },
    module,
    exports: module.exports,
    // What a sandboxed renderer provides besides the language itself.
    setTimeout,
    clearTimeout,
    console,
  });
  return { exposed, invokes, sends, listeners, reply, requires };
}

/** Plausible arguments per request method (the preload forwards them untouched). */
const SAMPLE_ARGS: Record<(typeof REQUEST_METHODS)[number], unknown[]> = {
  getSnapshot: [],
  getHistory: [{ durationMs: 60_000 }],
  listProbes: [],
  saveProbe: [{ kind: 'tcp', id: 'p1' }],
  deleteProbe: ['p1'],
  runProbe: ['p1'],
  getSettings: [],
  setSettings: [{ theme: 'dark' }],
  exportSnapshot: [{ format: 'csv' }],
  endProcess: [{ pid: 42 }],
  pause: [],
  resume: [],
  getCapabilities: [],
  getNatRules: [],
};

describe('built preload (out/preload/index.js)', () => {
  it('requires only electron and exposes one object, window.portwatch', () => {
    const { exposed, requires } = loadPreload();
    expect(requires).toEqual(['electron']);
    expect(exposed.map(([key]) => key)).toEqual(['portwatch']);
  });

  it('exposes exactly the contract keys, each a function', () => {
    const api = loadPreload().exposed[0]?.[1] ?? {};
    expect(Object.keys(api).sort()).toEqual((Object.keys(CHANNELS) as ApiMethod[]).sort());
    for (const [name, value] of Object.entries(api)) expect(typeof value, name).toBe('function');
  });

  /** The frames the preload sent on the RPC channel. */
  const framesSent = (preload: ReturnType<typeof loadPreload>): Record<string, unknown>[] =>
    preload.sends.filter(([channel]) => channel === IPC_CHANNEL).map(([, args]) => args[0] as Record<string, unknown>);
  /** Delivers a frame from main, as Electron would (an event first, then the payload). */
  const fromMain = (preload: ReturnType<typeof loadPreload>, frame: unknown): void => {
    for (const listener of preload.listeners.get(IPC_CHANNEL) ?? []) listener({ sender: 'the IpcRendererEvent must not reach the page' }, frame);
  };

  it('listens on the one RPC channel only, and never uses invoke', () => {
    const preload = loadPreload();
    expect([...preload.listeners.entries()].map(([channel, list]) => [channel, list.length])).toEqual([[IPC_CHANNEL, 1]]);
    expect(preload.invokes).toEqual([]);
  });

  for (const method of REQUEST_METHODS) {
    it(`${method} sends a request frame with its arguments, resolves with the reply and rejects with the error's words`, async () => {
      const preload = loadPreload();
      const api = preload.exposed[0]?.[1] ?? {};
      const ok = api[method]?.(...SAMPLE_ARGS[method]) as Promise<unknown>;
      expect(framesSent(preload)).toEqual([{ t: 'req', id: 1, m: method, a: SAMPLE_ARGS[method] }]);
      fromMain(preload, { t: 'res', id: 1, ok: true, v: { answer: method } });
      await expect(ok).resolves.toEqual({ answer: method });
      const failing = api[method]?.(...SAMPLE_ARGS[method]) as Promise<unknown>;
      fromMain(preload, { t: 'res', id: 2, ok: false, e: `${method}: something is wrong` });
      await expect(failing).rejects.toThrow(new Error(`${method}: something is wrong`));
    });
  }

  for (const event of EVENT_METHODS) {
    it(`${event} subscribes with a frame, delivers the payload only, and unsubscribes`, () => {
      const preload = loadPreload();
      const api = preload.exposed[0]?.[1] ?? {};
      const received: unknown[][] = [];
      const unsubscribe = api[event]?.((...args: unknown[]) => received.push(args)) as () => void;
      expect(framesSent(preload)).toEqual([{ t: 'sub', ev: event, on: true }]);
      fromMain(preload, { t: 'evt', ev: event, p: { seq: 7 } });
      fromMain(preload, { t: 'evt', ev: 'onSomethingElse', p: { seq: 8 } });
      expect(received).toEqual([[{ seq: 7 }]]);
      unsubscribe();
      expect(framesSent(preload)).toEqual([
        { t: 'sub', ev: event, on: true },
        { t: 'sub', ev: event, on: false },
      ]);
      fromMain(preload, { t: 'evt', ev: event, p: { seq: 9 } });
      expect(received).toHaveLength(1);
    });
  }

  it('ignores garbage from the channel without throwing', () => {
    const preload = loadPreload();
    for (const frame of [null, 42, 'x', { t: 'res' }, { t: 'evt' }, { t: 'res', id: 99, ok: true, v: 1 }]) expect(() => fromMain(preload, frame)).not.toThrow();
  });
});
