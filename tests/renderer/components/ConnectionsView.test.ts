import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import ConnectionsView from '../../../src/renderer/views/ConnectionsView.vue';
import { API_KEY } from '../../../src/renderer/api-key';
import { useConnectionsStore } from '../../../src/renderer/stores/connections';
import { makeConnection } from '../../support/connections';
import { createFakeApi } from '../../support/fake-api';

async function mountView(): Promise<{ wrapper: ReturnType<typeof mount>; fake: ReturnType<typeof createFakeApi> }> {
  const fake = createFakeApi([
    makeConnection({ localPort: 22, owners: [{ pid: 10, name: 'sshd' }] }),
    makeConnection({ localPort: 80, owners: [{ pid: 20, name: 'nginx' }] }),
  ]);
  const pinia = createPinia();
  const wrapper = mount(ConnectionsView, { global: { plugins: [pinia], provide: { [API_KEY as symbol]: fake.api } }, attachTo: document.body });
  useConnectionsStore(pinia).start();
  await flushPromises();
  await new Promise((resolve) => setTimeout(resolve, 0));
  return { wrapper, fake };
}

describe('ConnectionsView', () => {
  it('shows a bad filter expression’s message inline and marks the box invalid', async () => {
    const { wrapper } = await mountView();
    const input = wrapper.get('#pw-filter');
    await input.setValue('port:99999');
    await input.trigger('keydown', { key: 'Enter' });
    expect(wrapper.get('#pw-filter-error').text()).toBe('Filter: "99999" is not a port (0–65535) or a range like 8000-8100');
    expect(input.attributes('aria-invalid')).toBe('true');
    await input.setValue('port:22');
    await input.trigger('keydown', { key: 'Enter' });
    expect(wrapper.get('#pw-filter-error').text()).toBe('');
    expect(wrapper.findAll('.data-row')).toHaveLength(1);
    expect(wrapper.get('.counts').text()).toBe('1 of 2 sockets');
    wrapper.unmount();
  });

  it('row actions: filter by this process, and end process only after confirming, with the result in words', async () => {
    const { wrapper, fake } = await mountView();
    await wrapper.findAll('.data-row')[1]?.trigger('dblclick');
    const dialog = (): ReturnType<typeof wrapper.get> => wrapper.get('[role="dialog"]');
    expect(dialog().text()).toContain('nginx');
    await dialog().findAll('button').find((b) => b.text() === 'End process…')?.trigger('click');
    expect(fake.control.calls.some((c) => c.method === 'endProcess')).toBe(false);
    await dialog().findAll('button').find((b) => b.text() === 'End process')?.trigger('click');
    await flushPromises();
    expect(fake.control.calls.filter((c) => c.method === 'endProcess').map((c) => c.args[0])).toEqual([{ pid: 20 }]);
    expect(wrapper.get('.message').text()).toBe('fake: will not end process 20');

    await wrapper.findAll('.data-row')[0]?.trigger('dblclick');
    await dialog().findAll('button').find((b) => b.text() === 'Filter by this process')?.trigger('click');
    await flushPromises();
    expect((wrapper.get('#pw-filter').element as HTMLInputElement).value).toBe('pid:10');
    expect(wrapper.findAll('.data-row')).toHaveLength(1);
    wrapper.unmount();
  });

  it('“Probe this endpoint” saves a probe made from the row by the shared probeFromConnection', async () => {
    const { wrapper, fake } = await mountView();
    await wrapper.findAll('.data-row')[0]?.trigger('dblclick');
    await wrapper.get('[role="dialog"]').findAll('button').find((b) => b.text() === 'Probe this endpoint')?.trigger('click');
    await flushPromises();
    const saved = fake.control.calls.find((c) => c.method === 'saveProbe')?.args[0];
    expect(saved).toMatchObject({ kind: 'tcp', host: '127.0.0.1', port: 22, label: 'sshd 127.0.0.1:22' });
    expect(wrapper.get('.message').text()).toBe('Probe "sshd 127.0.0.1:22" added; see the Probes tab.');
    wrapper.unmount();
  });

  it('“Probe this endpoint” on a UDP socket that is not DNS says why instead of making a TCP probe', async () => {
    const fake = createFakeApi([makeConnection({ protocol: 'udp', state: 'UNCONN', localAddress: '0.0.0.0', localPort: 5353, owners: [{ pid: 30, name: 'avahi-daemon' }] })]);
    const pinia = createPinia();
    const wrapper = mount(ConnectionsView, { global: { plugins: [pinia], provide: { [API_KEY as symbol]: fake.api } }, attachTo: document.body });
    useConnectionsStore(pinia).start();
    await flushPromises();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await wrapper.findAll('.data-row')[0]?.trigger('dblclick');
    await wrapper.get('[role="dialog"]').findAll('button').find((b) => b.text() === 'Probe this endpoint')?.trigger('click');
    await flushPromises();
    expect(fake.control.calls.some((c) => c.method === 'saveProbe')).toBe(false);
    expect(wrapper.get('.message').text()).toMatch(/^UDP 127\.0\.0\.1:5353 cannot be probed: UDP has no connection handshake/);
    wrapper.unmount();
  });
});
