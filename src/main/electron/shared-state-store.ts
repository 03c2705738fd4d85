/**
 * One settings file, two writers: the service saves settings and probes, the shell saves the window
 * bounds. This wrapper around the real {@link SettingsStore} keeps the latest document in memory,
 * merges the shell's bounds into every save, and runs saves one at a time, so neither writer can
 * overwrite the other's change with a stale copy.
 */
import type { LoadedState, PersistedState, SavedBounds, SettingsStore } from '../core/settings-store';

/** A {@link SettingsStore} shared by the service and the shell's window-bounds memory. */
export class SharedStateStore implements SettingsStore {
  private loaded: Promise<LoadedState> | null = null;
  private latest: PersistedState | null = null;
  private bounds: SavedBounds | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly inner: SettingsStore) {}

  /** Loads the file once; later calls return the same document (with any saves since). */
  async load(): Promise<LoadedState> {
    this.loaded ??= this.inner.load().then((result) => {
      this.latest = result.state;
      this.bounds = result.state.windowBounds;
      return result;
    });
    const result = await this.loaded;
    return { state: this.latest ?? result.state, notice: result.notice };
  }

  /** Saves the service's state, keeping the window bounds the shell saved last. */
  save(state: PersistedState): Promise<void> {
    this.latest = { ...state, windowBounds: this.bounds ?? state.windowBounds };
    return this.enqueue();
  }

  /** The newest document (loaded, or saved since), or null before the first load. */
  current(): PersistedState | null {
    return this.latest;
  }

  /** The window bounds loaded or saved last. */
  windowBounds(): SavedBounds | null {
    return this.bounds;
  }

  /** Saves new window bounds into the shared document. */
  async saveWindowBounds(bounds: SavedBounds): Promise<void> {
    const { state } = await this.load();
    this.bounds = { ...bounds };
    this.latest = { ...state, windowBounds: this.bounds };
    return this.enqueue();
  }

  private enqueue(): Promise<void> {
    // Each write takes the newest document when its turn comes: a burst of saves writes it once or
    // twice, never an older copy after a newer one. A failed write does not block the next.
    const run = this.queue
      .catch(() => undefined)
      .then(() => {
        if (this.latest === null) throw new Error('settings were saved before they were loaded');
        return this.inner.save(this.latest);
      });
    this.queue = run;
    return run;
  }
}
