/** An in-memory {@link SettingsStore} for tests: serialized updates, recorded writes, injectable failures. */
import type { Unsubscribe } from '../../src/shared/api';
import { DEFAULT_SETTINGS } from '../../src/shared/defaults';
import type { LoadedState, PersistedState, SettingsStore, StateChange } from '../../src/main/core/settings-store';

/** The defaults, with `initial` over them. */
export function memoryState(initial: Partial<PersistedState> = {}): PersistedState {
  return { version: 1, settings: structuredClone(DEFAULT_SETTINGS), probes: [], windowBounds: null, ...structuredClone(initial) };
}

/** See the module comment. */
export class MemorySettingsStore implements SettingsStore {
  /** Every document written, oldest first. */
  readonly saved: PersistedState[] = [];
  loads = 0;
  /** The next update fails with this message (once). */
  failNext: string | null = null;
  /** Each write waits this long (ms), so updates overlap in time. */
  writeDelayMs = 0;
  private current: PersistedState;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(state: PersistedState) => void>();

  constructor(
    initial: Partial<PersistedState> = {},
    private readonly notice: string | null = null,
  ) {
    this.current = memoryState(initial);
  }

  async load(): Promise<LoadedState> {
    this.loads += 1;
    return { state: structuredClone(this.current), notice: this.notice };
  }

  update(change: StateChange): Promise<PersistedState> {
    const run = this.tail.then(async () => {
      const next = change(structuredClone(this.current));
      if (this.writeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.writeDelayMs));
      if (this.failNext !== null) {
        const message = this.failNext;
        this.failNext = null;
        throw new Error(message);
      }
      this.current = structuredClone(next);
      this.saved.push(structuredClone(next));
      this.listeners.forEach((listener) => listener(structuredClone(next)));
      return structuredClone(next);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  onChange(listener: (state: PersistedState) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A write by "another process": the document changes and listeners hear of it. */
  external(change: StateChange): void {
    this.current = change(structuredClone(this.current));
    this.listeners.forEach((listener) => listener(structuredClone(this.current)));
  }

  /** The document as stored now. */
  document(): PersistedState {
    return structuredClone(this.current);
  }
}
