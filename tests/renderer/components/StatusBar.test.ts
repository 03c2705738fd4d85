import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { API_KEY, CONNECTION_KEY } from '../../../src/renderer/api-key';
import StatusBar from '../../../src/renderer/components/StatusBar.vue';
import { useConnectionsStore } from '../../../src/renderer/stores/connections';
import { useLinkStore } from '../../../src/renderer/stores/link';
import type { ConnectionMonitor, ConnectionState } from '../../../src/shared/connection';
import { createFakeApi } from '../../support/fake-api';

/** A monitor the test moves from state to state. */
function scriptedMonitor(initial: ConnectionState): ConnectionMonitor & { set(state: ConnectionState): void; listeners: number } {
  let state = initial;
  const listeners = new Set<(state: ConnectionState) => void>();
  return {
    current: () => state,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      state = next;
      listeners.forEach((listener) => listener(next));
    },
    get listeners() {
      return listeners.size;
    },
  };
}

async function mountBar(monitor: ConnectionMonitor | null) {
  const pinia = createPinia();
  const provide: Record<symbol, unknown> = { [API_KEY as symbol]: createFakeApi().api };
  if (monitor) provide[CONNECTION_KEY as symbol] = monitor;
  const wrapper = mount(StatusBar, { global: { plugins: [pinia], provide } });
  useConnectionsStore(pinia).start();
  // App.vue starts the link store; the bar alone does not.
  useLinkStore(pinia).start();
  await flushPromises();
  return wrapper;
}

describe('StatusBar: the link', () => {
  it('says reconnecting, with the attempt and why, then disconnected with what to do, instead of Live', async () => {
    const monitor = scriptedMonitor({ kind: 'connected', transport: 'websocket' });
    const wrapper = await mountBar(monitor);
    expect(wrapper.text()).toContain('Live');
    expect(wrapper.get('.link-state').text()).toBe('Connected over websocket');

    monitor.set({ kind: 'reconnecting', attempt: 2, nextRetryAt: 0, reason: 'no answer from portwatch serve for 20 s' });
    await flushPromises();
    expect(wrapper.get('.link-state').text()).toBe('Reconnecting (attempt 2)…');
    expect(wrapper.text()).not.toContain('Live');

    monitor.set({ kind: 'disconnected', reason: 'The Portwatch server is not running or cannot be reached', action: 'Start `portwatch serve` again and open the URL it prints' });
    await flushPromises();
    expect(wrapper.get('.link-state').text()).toBe('Disconnected');
    expect(wrapper.text()).not.toContain('Live');

    monitor.set({ kind: 'connected', transport: 'websocket' });
    await flushPromises();
    expect(wrapper.get('.link-state').text()).toBe('Connected over websocket');
    expect(wrapper.text()).toContain('Live');
  });

  it('says nothing is wrong with the link without a monitor', async () => {
    const wrapper = await mountBar(null);
    expect(wrapper.get('.link-state').classes()).toContain('tone-ok');
    expect(wrapper.text()).toContain('Live');
  });
});
