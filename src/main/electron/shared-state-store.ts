/**
 * One settings file, two writers in the desktop app: the service saves settings and probes, the
 * shell saves the window bounds. Both write through the real store's `update` (one queue, the newest
 * document re-read under the file's lock), each changing only its own part, so neither can
 * overwrite the other's change. This wrapper loads the file once and keeps the newest document in
 * memory for the shell's synchronous questions (close to tray? where was the window?).
 */
import type { Unsubscribe } from '../../shared/api';
import type { LoadedState, PersistedState, SavedBounds, SettingsStore, StateChange } from '../core/settings-store';

/** A {@link SettingsStore} shared by the service and the shell's window-bounds memory. */
export class SharedStateStore implements SettingsStore {
  private loaded: Promise<LoadedState> | null = null;
  private latest: PersistedState | null = null;

  constructor(private readonly inner: SettingsStore) {}

  /** Loads the file once; later calls return the same document (with any changes since). */
  async load(): Promise<LoadedState> {
    this.loaded ??= this.inner.load().then((result) => {
      this.latest = result.state;
      // Follows every newer document: the service's, the shell's and another process's.
      this.inner.onChange((state) => {
        this.latest = state;
      });
      return result;
    });
    const result = await this.loaded;
    return { state: this.latest ?? result.state, notice: result.notice };
  }

  /** Applies one change through the real store. */
  async update(change: StateChange): Promise<PersistedState> {
    const next = await this.inner.update(change);
    this.latest = next;
    return next;
  }

  /** Newer documents, from the real store. */
  onChange(listener: (state: PersistedState) => void): Unsubscribe {
    return this.inner.onChange(listener);
  }

  /** The newest document (loaded, or changed since), or null before the first load. */
  current(): PersistedState | null {
    return this.latest;
  }

  /** The window bounds of the newest document. */
  windowBounds(): SavedBounds | null {
    return this.latest?.windowBounds ?? null;
  }

  /** Saves new window bounds, changing nothing else in the document. */
  async saveWindowBounds(bounds: SavedBounds): Promise<void> {
    await this.load();
    await this.update((current) => ({ ...current, windowBounds: { ...bounds } }));
  }
}
