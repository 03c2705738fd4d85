/** Where settings, probe definitions and window geometry persist. */
import type { Unsubscribe } from '../../shared/api';
import type { ProbeSpec, Settings } from '../../shared/model';

/** Saved window geometry (desktop app only). */
export interface SavedBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

/** Everything Portwatch persists, as one document. */
export interface PersistedState {
  version: 1;
  settings: Settings;
  probes: ProbeSpec[];
  windowBounds: SavedBounds | null;
}

/** The result of loading: the state, and a notice when the file was corrupt and moved aside. */
export interface LoadedState {
  state: PersistedState;
  notice: string | null;
}

/**
 * One change to the persisted document: gets the newest state and returns the next one, or throws
 * to change nothing (the error reaches the caller of {@link SettingsStore.update}). It must change
 * only what it is about (one field, one probe) so that edits made meanwhile by another writer, which
 * it receives in `current`, survive.
 */
export type StateChange = (current: PersistedState) => PersistedState;

/**
 * Persists the state. Every write is an {@link update}: a read-modify-write against the newest
 * document, one at a time (one queue per store, and a lock between processes in the file store), so
 * no change is lost however many writers there are. One implementation (a JSON file) lives in
 * src/main/node; tests use an in-memory one.
 */
export interface SettingsStore {
  load(): Promise<LoadedState>;
  /**
   * Applies `change` to the newest document and writes the result atomically; resolves with it.
   * Rejects with the change's own error, or with a message meant for the user (permission denied,
   * disk full, the file locked by a process that does not let go).
   */
  update(change: StateChange): Promise<PersistedState>;
  /**
   * Calls `listener` with every newer document, in order: after each update, and when another
   * process changed the file (where the store can see that). Returns the unsubscribe function.
   */
  onChange(listener: (state: PersistedState) => void): Unsubscribe;
}
