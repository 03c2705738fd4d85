/**
 * Probes and their live results: the list is loaded once, then each `onProbeResult` updates the
 * probe's health, last result and latency history.
 */
import { defineStore } from 'pinia';
import { inject, ref, shallowRef } from 'vue';
import type { Ref, ShallowRef } from 'vue';
import type { ProbeHistoryPoint, ProbeResult, ProbeState } from '../../shared/model';
import { validateProbe } from '../../shared/probes';
import { API_KEY } from '../api-key';

/** History points kept per probe in the renderer. */
export const PROBE_HISTORY_LIMIT = 720;

/** The outcome of an action, in words. */
export type ProbeOutcomeMessage<T> = { ok: true; value: T } | { ok: false; error: string };

/** What the probes store exposes. */
export interface ProbesStore {
  probes: ShallowRef<ProbeState[]>;
  loaded: Ref<boolean>;
  loadError: Ref<string | null>;
  load(): Promise<void>;
  stop(): void;
  /** Validates with the shared `validateProbe` (as main does), then saves. */
  save(spec: unknown, replace: boolean): Promise<ProbeOutcomeMessage<ProbeState>>;
  remove(id: string): Promise<ProbeOutcomeMessage<null>>;
  run(id: string): Promise<ProbeOutcomeMessage<ProbeResult>>;
  /** Applies one result (exposed for the event and for `run`). */
  applyResult(result: ProbeResult): void;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The probes store. */
export const useProbesStore = defineStore('probes', (): ProbesStore => {
  const api = inject(API_KEY, null);
  const probes = shallowRef<ProbeState[]>([]);
  const loaded = ref(false);
  const loadError = ref<string | null>(null);
  let loading: Promise<void> | null = null;
  let unsubscribe: (() => void) | null = null;

  const sorted = (list: ProbeState[]): ProbeState[] =>
    list.sort((a, b) => a.spec.label.localeCompare(b.spec.label) || a.spec.id.localeCompare(b.spec.id));

  function applyResult(result: ProbeResult): void {
    const index = probes.value.findIndex((p) => p.spec.id === result.probeId);
    if (index < 0) return;
    const probe = probes.value[index] as ProbeState;
    const last = probe.history[probe.history.length - 1];
    // `run` and the event both deliver the same result: count it once.
    const point: ProbeHistoryPoint = { at: result.at, ok: result.ok, outcome: result.outcome, latencyMs: result.latencyMs };
    const history = last && last.at === result.at ? probe.history : [...probe.history, point].slice(-PROBE_HISTORY_LIMIT);
    const next = [...probes.value];
    next[index] = { ...probe, health: result.health, lastResult: result, history };
    probes.value = next;
  }

  function upsert(state: ProbeState): void {
    probes.value = sorted([...probes.value.filter((p) => p.spec.id !== state.spec.id), state]);
  }

  function load(): Promise<void> {
    if (!api) {
      loadError.value = 'No Portwatch service is connected.';
      return Promise.resolve();
    }
    unsubscribe ??= api.onProbeResult(applyResult);
    loading ??= (async () => {
      try {
        probes.value = sorted(await api.listProbes());
        loaded.value = true;
        loadError.value = null;
      } catch (error) {
        loadError.value = `Could not load probes: ${message(error)}`;
        loading = null;
      }
    })();
    return loading;
  }

  function stop(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  async function save(spec: unknown, replace: boolean): Promise<ProbeOutcomeMessage<ProbeState>> {
    const checked = validateProbe(spec, probes.value.map((p) => p.spec), { replace });
    if (!checked.ok) return { ok: false, error: checked.error };
    if (!api) return { ok: false, error: 'No Portwatch service is connected.' };
    try {
      const state = await api.saveProbe(checked.value);
      upsert(state);
      return { ok: true, value: state };
    } catch (error) {
      return { ok: false, error: message(error) };
    }
  }

  async function remove(id: string): Promise<ProbeOutcomeMessage<null>> {
    if (!api) return { ok: false, error: 'No Portwatch service is connected.' };
    try {
      await api.deleteProbe(id);
      probes.value = probes.value.filter((p) => p.spec.id !== id);
      return { ok: true, value: null };
    } catch (error) {
      return { ok: false, error: message(error) };
    }
  }

  async function run(id: string): Promise<ProbeOutcomeMessage<ProbeResult>> {
    if (!api) return { ok: false, error: 'No Portwatch service is connected.' };
    try {
      const result = await api.runProbe(id);
      applyResult(result);
      return { ok: true, value: result };
    } catch (error) {
      return { ok: false, error: message(error) };
    }
  }

  return { probes, loaded, loadError, load, stop, save, remove, run, applyResult };
});
