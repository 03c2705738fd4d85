/** Settings and the transport's capabilities: loaded once, saved as validated patches. */
import { defineStore } from 'pinia';
import { inject, ref, shallowRef } from 'vue';
import type { Ref, ShallowRef } from 'vue';
import { DEFAULT_SETTINGS } from '../../shared/defaults';
import type { Capabilities, Settings } from '../../shared/model';
import { settingsPatchSchema, validate } from '../../shared/schemas';
import { API_KEY } from '../api-key';

/** The outcome of saving, in words. */
export type SaveOutcome = { ok: true } | { ok: false; error: string };

/** What the settings store exposes. */
export interface SettingsStore {
  settings: Ref<Settings>;
  capabilities: ShallowRef<Capabilities | null>;
  loaded: Ref<boolean>;
  loadError: Ref<string | null>;
  load(): Promise<void>;
  save(patch: Partial<Settings>): Promise<SaveOutcome>;
}

/** The settings store. */
export const useSettingsStore = defineStore('settings', (): SettingsStore => {
  const api = inject(API_KEY, null);
  // Defaults until the service answers, so forms and the theme have values from the first frame.
  const settings = ref<Settings>(structuredClone(DEFAULT_SETTINGS));
  const capabilities = shallowRef<Capabilities | null>(null);
  const loaded = ref(false);
  const loadError = ref<string | null>(null);
  let loading: Promise<void> | null = null;

  function load(): Promise<void> {
    if (!api) {
      loadError.value = 'No Portwatch service is connected.';
      return Promise.resolve();
    }
    loading ??= (async () => {
      try {
        const [current, caps] = await Promise.all([api.getSettings(), api.getCapabilities()]);
        settings.value = current;
        capabilities.value = caps;
        loaded.value = true;
        loadError.value = null;
      } catch (error) {
        loadError.value = `Could not load settings: ${error instanceof Error ? error.message : String(error)}`;
        loading = null;
      }
    })();
    return loading;
  }

  async function save(patch: Partial<Settings>): Promise<SaveOutcome> {
    // The same schema main checks with: the message names the field before anything is sent.
    const checked = validate(settingsPatchSchema, patch);
    if (!checked.ok) return { ok: false, error: checked.error };
    if (!api) return { ok: false, error: 'No Portwatch service is connected.' };
    try {
      settings.value = await api.setSettings(checked.value);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  return { settings, capabilities, loaded, loadError, load, save };
});
