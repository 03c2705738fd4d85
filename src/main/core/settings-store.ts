/** Where settings, probe definitions and window geometry persist. */
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
 * Persists the state. One implementation (a JSON file with an atomic writer) lives in
 * src/main/node; tests use an in-memory one.
 */
export interface SettingsStore {
  load(): Promise<LoadedState>;
  /** Writes atomically; rejects with a message meant for the user (permission denied, disk full). */
  save(state: PersistedState): Promise<void>;
}
