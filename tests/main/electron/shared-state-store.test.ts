import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../src/shared/defaults';
import type { LoadedState, PersistedState, SettingsStore } from '../../../src/main/core/settings-store';
import { SharedStateStore } from '../../../src/main/electron/shared-state-store';

/** An in-memory store that records every save and can be made to fail or to stall. */
function memoryStore(initial: PersistedState): SettingsStore & { saves: PersistedState[]; loads: number; failNext: boolean } {
  return {
    saves: [],
    loads: 0,
    failNext: false,
    async load(): Promise<LoadedState> {
      this.loads++;
      return { state: structuredClone(initial), notice: 'moved aside' };
    },
    async save(state: PersistedState): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (this.failNext) {
        this.failNext = false;
        throw new Error('cannot write settings.json: the disk is full');
      }
      this.saves.push(structuredClone(state));
    },
  };
}

const initial = (): PersistedState => ({ version: 1, settings: DEFAULT_SETTINGS, probes: [], windowBounds: { x: 1, y: 2, width: 900, height: 600 } });

describe('SharedStateStore', () => {
  it('loads the file once and passes the notice on', async () => {
    const inner = memoryStore(initial());
    const store = new SharedStateStore(inner);
    expect((await store.load()).notice).toBe('moved aside');
    await store.load();
    expect(inner.loads).toBe(1);
    expect(store.windowBounds()).toEqual({ x: 1, y: 2, width: 900, height: 600 });
  });

  it('keeps the shell window bounds when the service saves a stale copy', async () => {
    const inner = memoryStore(initial());
    const store = new SharedStateStore(inner);
    const { state: serviceCopy } = await store.load();
    await store.saveWindowBounds({ x: 50, y: 60, width: 1000, height: 700 });
    await store.save({ ...serviceCopy, settings: { ...serviceCopy.settings, theme: 'dark' } });
    expect(inner.saves.at(-1)).toMatchObject({ settings: { theme: 'dark' }, windowBounds: { x: 50, y: 60, width: 1000, height: 700 } });
    expect(store.current()?.settings.theme).toBe('dark');
  });

  it('keeps the service settings when the shell saves bounds afterwards', async () => {
    const inner = memoryStore(initial());
    const store = new SharedStateStore(inner);
    const { state } = await store.load();
    await store.save({ ...state, settings: { ...state.settings, closeToTray: false } });
    await store.saveWindowBounds({ width: 800, height: 500 });
    expect(inner.saves.at(-1)).toMatchObject({ settings: { closeToTray: false }, windowBounds: { width: 800, height: 500 } });
  });

  it('writes one at a time, newest last, and a failed write does not block the next', async () => {
    const inner = memoryStore(initial());
    const store = new SharedStateStore(inner);
    const { state } = await store.load();
    inner.failNext = true;
    const first = store.save({ ...state, settings: { ...state.settings, pollIntervalMs: 2000 } });
    const second = store.save({ ...state, settings: { ...state.settings, pollIntervalMs: 3000 } });
    await expect(first).rejects.toThrow('cannot write settings.json: the disk is full');
    await second;
    expect(inner.saves.map((s) => s.settings.pollIntervalMs)).toEqual([3000]);
  });
});
