/** The timeline's history: a window of 1 min … 1 h read with `getHistory`, refreshed on demand. */
import { defineStore } from 'pinia';
import { inject, ref, shallowRef } from 'vue';
import type { Ref, ShallowRef } from 'vue';
import type { History } from '../../shared/model';
import { LIMITS } from '../../shared/schemas';
import { API_KEY } from '../api-key';

/** Windows the timeline offers, ms. */
export const HISTORY_WINDOWS: readonly { ms: number; label: string }[] = [
  { ms: 60_000, label: '1 min' },
  { ms: 300_000, label: '5 min' },
  { ms: 900_000, label: '15 min' },
  { ms: 1_800_000, label: '30 min' },
  { ms: 3_600_000, label: '1 h' },
];

/** Points asked for: enough for a wide chart, few enough to draw at once. */
export const HISTORY_MAX_POINTS = 600;

/** What the history store exposes. */
export interface HistoryStore {
  windowMs: Ref<number>;
  history: ShallowRef<History | null>;
  error: Ref<string | null>;
  load(): Promise<void>;
  setWindow(ms: number): Promise<void>;
}

/** The history store. */
export const useHistoryStore = defineStore('history', (): HistoryStore => {
  const api = inject(API_KEY, null);
  const windowMs = ref(300_000);
  const history = shallowRef<History | null>(null);
  const error = ref<string | null>(null);
  let inFlight: Promise<void> | null = null;

  function load(): Promise<void> {
    if (!api) {
      error.value = 'No Portwatch service is connected.';
      return Promise.resolve();
    }
    // One request at a time: a slow answer must not pile up refreshes.
    inFlight ??= (async () => {
      try {
        history.value = await api.getHistory({ durationMs: windowMs.value, maxPoints: HISTORY_MAX_POINTS });
        error.value = null;
      } catch (caught) {
        error.value = `Could not load the history: ${caught instanceof Error ? caught.message : String(caught)}`;
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  }

  async function setWindow(ms: number): Promise<void> {
    windowMs.value = Math.min(LIMITS.historyMaxMs, Math.max(LIMITS.historyMinMs, ms));
    if (inFlight) await inFlight;
    await load();
  }

  return { windowMs, history, error, load, setWindow };
});
