import { describe, expect, it } from 'vitest';
import { SharedStateStore } from '../../../src/main/electron/shared-state-store';
import { MemorySettingsStore } from '../../support/memory-store';

const bounds = { x: 1, y: 2, width: 900, height: 600 };

describe('SharedStateStore', () => {
  it('loads the file once and passes the notice on', async () => {
    const inner = new MemorySettingsStore({ windowBounds: bounds }, 'moved aside');
    const store = new SharedStateStore(inner);
    expect((await store.load()).notice).toBe('moved aside');
    await store.load();
    expect(inner.loads).toBe(1);
    expect(store.windowBounds()).toEqual(bounds);
  });

  it('keeps the service settings and the shell bounds whatever the order of their changes', async () => {
    const inner = new MemorySettingsStore({ windowBounds: bounds });
    inner.writeDelayMs = 1;
    const store = new SharedStateStore(inner);
    await store.load();
    await Promise.all([
      store.update((doc) => ({ ...doc, settings: { ...doc.settings, theme: 'dark' } })),
      store.saveWindowBounds({ x: 50, y: 60, width: 1000, height: 700 }),
      store.update((doc) => ({ ...doc, settings: { ...doc.settings, closeToTray: false } })),
    ]);
    expect(inner.document()).toMatchObject({ settings: { theme: 'dark', closeToTray: false }, windowBounds: { x: 50, y: 60, width: 1000, height: 700 } });
    expect(store.current()).toEqual(inner.document());
  });

  it('follows changes made by another process', async () => {
    const inner = new MemorySettingsStore({ windowBounds: bounds });
    const store = new SharedStateStore(inner);
    await store.load();
    inner.external((doc) => ({ ...doc, settings: { ...doc.settings, closeToTray: false } }));
    expect(store.current()?.settings.closeToTray).toBe(false);
    await store.saveWindowBounds({ width: 800, height: 500 });
    expect(inner.document()).toMatchObject({ settings: { closeToTray: false }, windowBounds: { width: 800, height: 500 } });
  });

  it('a failed write rejects with its message and does not block the next', async () => {
    const inner = new MemorySettingsStore();
    const store = new SharedStateStore(inner);
    await store.load();
    inner.failNext = 'cannot write settings.json: the disk is full';
    const first = store.update((doc) => ({ ...doc, settings: { ...doc.settings, pollIntervalMs: 2000 } }));
    const second = store.update((doc) => ({ ...doc, settings: { ...doc.settings, theme: 'light' } }));
    await expect(first).rejects.toThrow('cannot write settings.json: the disk is full');
    await second;
    expect(inner.saved.map((s) => [s.settings.pollIntervalMs, s.settings.theme])).toEqual([[1000, 'light']]);
  });
});
