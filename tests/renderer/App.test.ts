import { mount, flushPromises } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import App from '../../src/renderer/App.vue';
import { API_KEY, CONNECTION_KEY } from '../../src/renderer/api-key';
import type { ConnectionMonitor } from '../../src/shared/connection';
import { makeConnection } from '../support/connections';
import { createFakeApi } from '../support/fake-api';
import { createFakeMonitor } from '../support/fake-monitor';

async function mountApp(monitor?: ConnectionMonitor): Promise<{ wrapper: ReturnType<typeof mount>; fake: ReturnType<typeof createFakeApi> }> {
  const fake = createFakeApi();
  const provide: Record<symbol, unknown> = { [API_KEY as symbol]: fake.api };
  if (monitor) provide[CONNECTION_KEY as symbol] = monitor;
  const wrapper = mount(App, { global: { plugins: [createPinia()], provide }, attachTo: document.body });
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

  it('Space pauses this view only (not the collector) when focus is on the page, but not while typing in a field', async () => {
    const { wrapper, fake } = await mountApp();
    document.getElementById('pw-filter')?.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
    await flushPromises();
    expect(wrapper.get('.status-bar .freshness').text()).toBe('Live');
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
    await flushPromises();
    expect(wrapper.get('.status-bar .freshness').text()).toBe('Paused — 0 changes waiting');
    fake.control.add([makeConnection({ localPort: 9999 })]);
    await flushPromises();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(wrapper.get('.status-bar .freshness').text()).toBe('Paused — 1 change waiting');
    expect(fake.control.calls.map((c) => c.method)).not.toContain('pause');
    await wrapper.get('.status-bar button.pause').trigger('click');
    expect(wrapper.get('.status-bar .freshness').text()).toBe('Live');
    wrapper.unmount();
  });

  it('pauses the collection for every window only through the labelled Settings button', async () => {
    const { wrapper, fake } = await mountApp();
    await wrapper.get('[data-tab="settings"]').trigger('click');
    const button = wrapper.findAll('button').find((b) => b.text() === 'Pause collection (every window)');
    await button?.trigger('click');
    await flushPromises();
    expect(fake.control.calls.map((c) => c.method)).toContain('pause');
    expect(wrapper.get('.status-bar .freshness').text()).toBe('Collection paused (every window)');
    await wrapper.get('.status-bar .resume-collection').trigger('click');
    await flushPromises();
    expect(fake.control.calls.map((c) => c.method)).toContain('resume');
    expect(wrapper.get('.status-bar .freshness').text()).toBe('Live');
    wrapper.unmount();
  });

  it('says the link’s state in the header, a banner, the status bar and the tab title', async () => {
    const scripted = createFakeMonitor();
    const { wrapper } = await mountApp(scripted.monitor);
    expect(wrapper.get('.transport').text()).toBe('Connected over websocket');
    expect(wrapper.find('.link-banner').exists()).toBe(false);
    expect(document.title).toBe('Portwatch — 1 socket · 1 listening');

    scripted.set({ kind: 'reconnecting', attempt: 2, nextRetryAt: Date.now() + 3000, reason: 'the server stopped answering' });
    await flushPromises();
    expect(wrapper.get('.transport').text()).toBe('Reconnecting (attempt 2)…');
    expect(wrapper.get('.link-banner [role="status"]').text()).toBe('Connection lost: the server stopped answering. Reconnecting, attempt 2.');
    expect(wrapper.get('.status-bar .link-state').text()).toBe('Reconnecting (attempt 2)…');
    expect(wrapper.get('.status-bar .freshness').text()).toMatch(/^Stale: data from \d+ s ago$/);
    expect(document.title).toBe('[Reconnecting] Portwatch — 1 socket · 1 listening');

    scripted.set({ kind: 'disconnected', reason: 'the token changed: portwatch serve was restarted', action: 'open the new URL it printed' });
    await flushPromises();
    expect(wrapper.get('.link-banner [role="alert"]').text()).toBe('The token changed: portwatch serve was restarted. Open the new URL it printed.');
    expect(wrapper.get('.link-banner').text()).toMatch(/The table below is not live: its data is from \d+ s ago\./);
    expect(document.title).toBe('[Disconnected] Portwatch — 1 socket · 1 listening');
    expect(wrapper.text()).not.toContain('Live');
    wrapper.unmount();
  });

  it('shows the collector’s failure apart from the link', async () => {
    const { wrapper, fake } = await mountApp();
    fake.control.setStatus({ ok: false, error: 'The collector stopped unexpectedly (exit 1); restarting in 1 s', errorKind: 'other' });
    await flushPromises();
    expect(wrapper.get('.transport').text()).toBe('Connected over fake');
    expect(wrapper.get('.status-bar [role="alert"]').text()).toBe('Collector: The collector stopped unexpectedly (exit 1); restarting in 1 s');
    expect(wrapper.get('.status-bar .freshness').text()).toMatch(/^Stale: data from \d+ s ago$/);
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
    const { wrapper } = await mountApp();
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
