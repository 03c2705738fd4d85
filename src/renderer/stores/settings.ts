/**
 * Settings and the transport's capabilities: loaded once, saved as validated patches. The Settings
 * form's draft lives here too, so edits survive switching tabs and a theme preview shows at once
 * without throwing the other edits away.
 */
import { defineStore } from 'pinia';
import { computed, inject, ref, shallowRef } from 'vue';
import type { ComputedRef, Ref, ShallowRef } from 'vue';
import { DEFAULT_SETTINGS } from '../../shared/defaults';
import type { Capabilities, Settings } from '../../shared/model';
import { settingsPatchSchema, validate } from '../../shared/schemas';
import { API_KEY } from '../api-key';
import { changedFields, checkForm, formFromSettings, inUserWords, rebaseForm } from '../settings-form';
import type { FormField, SettingsForm } from '../settings-form';

/** The outcome of saving, in words. */
export type SaveOutcome = { ok: true } | { ok: false; error: string };

/** The outcome of saving the form: per-field messages when a field is wrong. */
export type FormSaveOutcome = { ok: true; saved: FormField[] } | { ok: false; error: string | null; fieldErrors: Partial<Record<FormField, string>> };

/** What the settings store exposes. */
export interface SettingsStore {
  settings: Ref<Settings>;
  capabilities: ShallowRef<Capabilities | null>;
  loaded: Ref<boolean>;
  loadError: Ref<string | null>;
  /** The Settings form being edited (seconds, as the form shows them). */
  draft: Ref<SettingsForm>;
  /** Fields of the draft that differ from the saved settings. */
  unsaved: ComputedRef<FormField[]>;
  /** The theme to show now: the draft's (a preview until saved). */
  themeInForce: ComputedRef<Settings['theme']>;
  load(): Promise<void>;
  save(patch: Partial<Settings>): Promise<SaveOutcome>;
  /** Checks the draft in the form's words and saves every edited field. */
  saveDraft(): Promise<FormSaveOutcome>;
  /** Throws the draft's edits away. */
  revertDraft(): void;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The settings store. */
export const useSettingsStore = defineStore('settings', (): SettingsStore => {
  const api = inject(API_KEY, null);
  // Defaults until the service answers, so forms and the theme have values from the first frame.
  const settings = ref<Settings>(structuredClone(DEFAULT_SETTINGS));
  const capabilities = shallowRef<Capabilities | null>(null);
  const loaded = ref(false);
  const loadError = ref<string | null>(null);
  const draft = ref<SettingsForm>(formFromSettings(settings.value));
  let loading: Promise<void> | null = null;

  /** Takes new saved settings; edits in the draft stay (see `rebaseForm`). */
  function adopt(next: Settings): void {
    draft.value = rebaseForm(draft.value, formFromSettings(settings.value), formFromSettings(next));
    settings.value = next;
  }

  function load(): Promise<void> {
    if (!api) {
      loadError.value = 'No Portwatch service is connected.';
      return Promise.resolve();
    }
    loading ??= (async () => {
      try {
        const [current, caps] = await Promise.all([api.getSettings(), api.getCapabilities()]);
        adopt(current);
        capabilities.value = caps;
        loaded.value = true;
        loadError.value = null;
      } catch (error) {
        loadError.value = `Could not load settings: ${message(error)}`;
        loading = null;
      }
    })();
    return loading;
  }

  async function save(patch: Partial<Settings>): Promise<SaveOutcome> {
    // The same schema main checks with: the message names the field before anything is sent.
    const checked = validate(settingsPatchSchema, patch);
    if (!checked.ok) return { ok: false, error: inUserWords(checked.error) };
    if (!api) return { ok: false, error: 'No Portwatch service is connected.' };
    try {
      adopt(await api.setSettings(checked.value));
      return { ok: true };
    } catch (error) {
      return { ok: false, error: inUserWords(message(error)) };
    }
  }

  async function saveDraft(): Promise<FormSaveOutcome> {
    const base = formFromSettings(settings.value);
    const checked = checkForm(draft.value, base, capabilities.value?.tray === true);
    if (!checked.ok) return { ok: false, error: null, fieldErrors: checked.errors };
    const fields = changedFields(draft.value, base);
    if (fields.length === 0) return { ok: true, saved: [] };
    const sent = { ...draft.value, notifications: { ...draft.value.notifications } };
    const outcome = await save(checked.patch);
    if (!outcome.ok) return { ok: false, error: outcome.error, fieldErrors: {} };
    // Saved: what was sent is the saved state now, also for fields edited again meanwhile.
    draft.value = rebaseForm(draft.value, sent, formFromSettings(settings.value));
    return { ok: true, saved: fields };
  }

  function revertDraft(): void {
    draft.value = formFromSettings(settings.value);
  }

  return {
    settings,
    capabilities,
    loaded,
    loadError,
    draft,
    unsaved: computed(() => changedFields(draft.value, formFromSettings(settings.value))),
    themeInForce: computed(() => draft.value.theme),
    load,
    save,
    saveDraft,
    revertDraft,
  };
});
