import { mount, flushPromises } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import App from '../../src/renderer/App.vue';
import { API_KEY } from '../../src/renderer/api-key';
import { createFakeApi } from '../support/fake-api';

async function mountApp(): Promise<{ wrapper: ReturnType<typeof mount>; fake: ReturnType<typeof createFakeApi> }> {
  const fake = createFakeApi();
  const wrapper = mount(App, { global: { plugins: [createPinia()], provide: { [API_KEY as symbol]: fake.api } }, attachTo: document.body });
  await flushPromises();
  await new Promise((resolve) => setTimeout(resolve, 0));
  return { wrapper, fake };
}

describe('App', () => {
  it('says when no service is connected', () => {
    const wrapper = mount(App, { global: { plugins: [createPinia()] } });
    expect(wrapper.get('[role="alert"]').text()).toContain('No Portwatch service');
    expect(wrapper.find('[role="tablist"]').exists()).toBe(false);
  });

  it('shows the transport of the injected API', async () => {
    const { wrapper } = await mountApp();
    expect(wrapper.get('.transport').text()).toBe('Connected over fake');
    wrapper.unmount();
  });

  it('switches tabs with the arrow keys, Home and End, moving focus with the selection', async () => {
    const { wrapper } = await mountApp();
    const selected = (): string | undefined => wrapper.get('[role="tab"][aria-selected="true"]').attributes('data-tab');
    const tablist = wrapper.get('[role="tablist"]');
    expect(selected()).toBe('connections');
    await tablist.trigger('keydown', { key: 'ArrowRight' });
    expect(selected()).toBe('ports');
    expect(wrapper.get('#pw-panel-ports').attributes('aria-labelledby')).toBe('pw-tab-ports');
    await tablist.trigger('keydown', { key: 'ArrowLeft' });
    await tablist.trigger('keydown', { key: 'ArrowLeft' });
    expect(selected()).toBe('settings');
    await tablist.trigger('keydown', { key: 'Home' });
    expect(selected()).toBe('connections');
    await flushPromises();
    expect(document.activeElement?.getAttribute('data-tab')).toBe('connections');
    expect(wrapper.findAll('[role="tab"]').map((t) => t.attributes('tabindex'))).toEqual(['0', '-1', '-1', '-1', '-1', '-1']);
    wrapper.unmount();
  });

  it('Space pauses when focus is on the page, but not while typing in a field', async () => {
    const { wrapper, fake } = await mountApp();
    const pauses = (): number => fake.control.calls.filter((c) => c.method === 'pause' || c.method === 'resume').length;
    document.getElementById('pw-filter')?.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
    expect(pauses()).toBe(0);
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
    await flushPromises();
    expect(fake.control.calls.map((c) => c.method)).toContain('pause');
    expect(wrapper.get('.status-bar').text()).toContain('Paused');
    wrapper.unmount();
  });

  it('Ctrl+F focuses the filter box', async () => {
    const { wrapper } = await mountApp();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', ctrlKey: true, bubbles: true }));
    await flushPromises();
    expect(document.activeElement?.id).toBe('pw-filter');
    wrapper.unmount();
  });

  it('applies the theme setting to the document', async () => {
    const { wrapper, fake } = await mountApp();
    await fake.api.setSettings({ theme: 'dark' });
    await wrapper.get('[data-tab="settings"]').trigger('click');
    await wrapper.get('#pw-theme').setValue('dark');
    await flushPromises();
    expect(document.documentElement.dataset.theme).toBe('dark');
    await wrapper.get('#pw-theme').setValue('system');
    await flushPromises();
    // `system` is resolved through prefers-color-scheme (light in happy-dom) and remembered as chosen.
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(document.documentElement.dataset.themeSetting).toBe('system');
    wrapper.unmount();
  });
});
