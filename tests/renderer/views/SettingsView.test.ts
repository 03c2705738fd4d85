import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import type { PortwatchApi } from '../../../src/shared/api';
import { API_KEY } from '../../../src/renderer/api-key';
import { useSettingsStore } from '../../../src/renderer/stores/settings';
import SettingsView from '../../../src/renderer/views/SettingsView.vue';
import { createFakeApi } from '../../support/fake-api';

async function mountSettings(tray: boolean): Promise<{ wrapper: ReturnType<typeof mount>; fake: ReturnType<typeof createFakeApi> }> {
  const fake = createFakeApi();
  const api: PortwatchApi = {
    ...fake.api,
    getCapabilities: async () => ({ ...(await fake.api.getCapabilities()), tray }),
  };
  const pinia = createPinia();
  const wrapper = mount(SettingsView, { global: { plugins: [pinia], provide: { [API_KEY as symbol]: api } } });
  await useSettingsStore(pinia).load();
  await flushPromises();
  return { wrapper, fake };
}

describe('SettingsView', () => {
  it('offers close-to-tray only when the transport has a tray', async () => {
    expect((await mountSettings(false)).wrapper.find('#pw-tray').exists()).toBe(false);
    expect((await mountSettings(true)).wrapper.find('#pw-tray').exists()).toBe(true);
  });

  it('saves seconds as milliseconds, and shows the shared validation message for a bad value', async () => {
    const { wrapper, fake } = await mountSettings(true);
    await wrapper.get('#pw-interval').setValue('0.2');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toBe('pollIntervalMs must be at least 500 ms');
    expect(fake.control.calls.some((c) => c.method === 'setSettings')).toBe(false);

    await wrapper.get('#pw-interval').setValue('2.5');
    await wrapper.get('#pw-notify-probeUp').setValue(false);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    const patch = fake.control.calls.find((c) => c.method === 'setSettings')?.args[0] as Record<string, unknown>;
    expect(patch.pollIntervalMs).toBe(2500);
    expect(patch.notifications).toEqual({ probeDown: true, probeUp: false, newListener: true, newlyExposed: true });
    expect(wrapper.text()).toContain('Saved.');
  });
});
