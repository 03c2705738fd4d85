import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import type { PortwatchApi } from '../../../src/shared/api';
import { DEFAULT_SETTINGS } from '../../../src/shared/defaults';
import type { Settings } from '../../../src/shared/model';
import { API_KEY } from '../../../src/renderer/api-key';
import { useSettingsStore } from '../../../src/renderer/stores/settings';
import SettingsView from '../../../src/renderer/views/SettingsView.vue';
import { createFakeApi } from '../../support/fake-api';

async function mountSettings(tray: boolean): Promise<{ wrapper: ReturnType<typeof mount>; fake: ReturnType<typeof createFakeApi>; store: ReturnType<typeof useSettingsStore> }> {
  const fake = createFakeApi();
  const api: PortwatchApi = {
    ...fake.api,
    getCapabilities: async () => ({ ...(await fake.api.getCapabilities()), tray }),
  };
  const pinia = createPinia();
  const wrapper = mount(SettingsView, { global: { plugins: [pinia], provide: { [API_KEY as symbol]: api } } });
  const store = useSettingsStore(pinia);
  await store.load();
  await flushPromises();
  return { wrapper, fake, store };
}

const patches = (fake: ReturnType<typeof createFakeApi>): Array<Partial<Settings>> =>
  fake.control.calls.filter((c) => c.method === 'setSettings').map((c) => c.args[0] as Partial<Settings>);

describe('SettingsView', () => {
  it('offers close-to-tray only when the transport has a tray', async () => {
    expect((await mountSettings(false)).wrapper.find('#pw-tray').exists()).toBe(false);
    expect((await mountSettings(true)).wrapper.find('#pw-tray').exists()).toBe(true);
  });

  it('says a bad value in the form’s words and units, next to the field, and sends nothing', async () => {
    const { wrapper, fake } = await mountSettings(true);
    await wrapper.get('#pw-interval').setValue('0.2');
    await wrapper.get('#pw-retention').setValue('-5');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('#pw-settings-err-intervalS').text()).toBe('Poll interval must be between 0.5 and 60 seconds');
    expect(wrapper.get('#pw-settings-err-retentionS').text()).toBe('Closed rows can be kept for 0 to 3 600 seconds');
    expect(wrapper.get('#pw-interval').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('#pw-interval').attributes('aria-describedby')).toBe('pw-interval-help pw-settings-err-intervalS');
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'Not saved: Poll interval must be between 0.5 and 60 seconds; Closed rows can be kept for 0 to 3 600 seconds',
    );
    expect(wrapper.text()).not.toMatch(/pollIntervalMs|closedRetentionMs| ms\b/);
    expect(patches(fake)).toEqual([]);
  });

  it('keeps other edits when Theme changes, previews the theme without saving, then Save saves everything', async () => {
    const { wrapper, fake, store } = await mountSettings(true);
    await wrapper.get('#pw-interval').setValue('2.5');
    await wrapper.get('#pw-notify-probeUp').setValue(false);
    await wrapper.get('#pw-theme').setValue('dark');
    await flushPromises();
    // The theme is in force (App applies it) but nothing was saved, and the other edits stayed.
    expect(store.themeInForce).toBe('dark');
    expect(patches(fake)).toEqual([]);
    expect((wrapper.get('#pw-interval').element as HTMLInputElement).value).toBe('2.5');
    expect((wrapper.get('#pw-notify-probeUp').element as HTMLInputElement).checked).toBe(false);
    expect(wrapper.get('.unsaved').text()).toBe('Unsaved: Poll interval, Theme, Notifications');

    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(patches(fake)).toEqual([
      { pollIntervalMs: 2500, theme: 'dark', notifications: { probeDown: true, probeUp: false, newListener: true, newlyExposed: true } },
    ]);
    expect(wrapper.get('[role="status"]').text()).toBe('Saved.');
    // "Saved." over the saved values, not the old ones.
    expect((wrapper.get('#pw-interval').element as HTMLInputElement).value).toBe('2.5');
    expect((wrapper.get('#pw-theme').element as HTMLSelectElement).value).toBe('dark');
    expect(store.settings).toMatchObject({ pollIntervalMs: 2500, theme: 'dark' });
    expect(store.unsaved).toEqual([]);
  });

  it('Revert throws the edits away, the theme preview too', async () => {
    const { wrapper, fake, store } = await mountSettings(false);
    await wrapper.get('#pw-interval').setValue('9');
    await wrapper.get('#pw-theme').setValue('dark');
    await wrapper.findAll('button').find((b) => b.text() === 'Revert')?.trigger('click');
    expect((wrapper.get('#pw-interval').element as HTMLInputElement).value).toBe(String(DEFAULT_SETTINGS.pollIntervalMs / 1000));
    expect(store.themeInForce).toBe(DEFAULT_SETTINGS.theme);
    expect(wrapper.findAll('button').find((b) => b.text() === 'Revert')?.attributes('disabled')).toBeDefined();
    expect(patches(fake)).toEqual([]);
  });

  it('edits survive leaving the Settings view and coming back', async () => {
    const fake = createFakeApi();
    const pinia = createPinia();
    const options = { global: { plugins: [pinia], provide: { [API_KEY as symbol]: fake.api } } };
    const first = mount(SettingsView, options);
    await useSettingsStore(pinia).load();
    await first.get('#pw-interval').setValue('4');
    first.unmount();
    const again = mount(SettingsView, options);
    expect((again.get('#pw-interval').element as HTMLInputElement).value).toBe('4');
  });

  it('says when there was nothing to save', async () => {
    const { wrapper, fake } = await mountSettings(false);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[role="status"]').text()).toBe('Nothing to save: no setting was changed.');
    expect(patches(fake)).toEqual([]);
  });
});
