import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CHANNELS, EVENT_METHODS, REQUEST_METHODS } from '../../src/shared/api';
import type { ApiMethod } from '../../src/shared/api';
import { READY_CHANNEL } from '../../src/main/electron/ipc-logic';

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

  for (const method of REQUEST_METHODS) {
    it(`${method} invokes ${CHANNELS[method]} with its arguments and unwraps the envelope`, async () => {
      const preload = loadPreload();
      const api = preload.exposed[0]?.[1] ?? {};
      preload.reply.next = { ok: true, value: { answer: method } };
      await expect(api[method]?.(...SAMPLE_ARGS[method])).resolves.toEqual({ answer: method });
      expect(preload.invokes).toEqual([[CHANNELS[method], SAMPLE_ARGS[method]]]);
      preload.reply.next = { ok: false, error: `${method}: something is wrong` };
      await expect(api[method]?.(...SAMPLE_ARGS[method])).rejects.toThrow(`${method}: something is wrong`);
    });
  }

  for (const event of EVENT_METHODS) {
    it(`${event} listens on ${CHANNELS[event]}, tells main it is ready, delivers the payload only, and unsubscribes`, () => {
      const preload = loadPreload();
      const api = preload.exposed[0]?.[1] ?? {};
      const received: unknown[][] = [];
      const unsubscribe = api[event]?.((...args: unknown[]) => received.push(args)) as () => void;
      expect(preload.sends).toEqual([[READY_CHANNEL, [event]]]);
      const attached = preload.listeners.get(CHANNELS[event]) ?? [];
      expect(attached).toHaveLength(1);
      attached[0]?.({ sender: 'the IpcRendererEvent must not reach the page' }, { seq: 7 });
      expect(received).toEqual([[{ seq: 7 }]]);
      unsubscribe();
      expect(preload.listeners.get(CHANNELS[event])).toEqual([]);
      expect([...preload.listeners.entries()].filter(([channel]) => channel !== CHANNELS[event]).every(([, list]) => list.length === 0)).toBe(true);
    });
  }
});
