import { mount, flushPromises } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import App from '../../src/renderer/App.vue';
import { API_KEY } from '../../src/renderer/api-key';
import { createFakeApi } from '../support/fake-api';

describe('App', () => {
  it('says when no service is connected', () => {
    const wrapper = mount(App, { global: { plugins: [createPinia()] } });
    expect(wrapper.get('[role="alert"]').text()).toContain('No Portwatch service');
  });

  it('shows the transport of the injected API', async () => {
    const { api } = createFakeApi();
    const wrapper = mount(App, { global: { plugins: [createPinia()], provide: { [API_KEY as symbol]: api } } });
    await flushPromises();
    expect(wrapper.get('.transport').text()).toBe('Connected over fake');
  });
});
