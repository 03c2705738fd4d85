import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import type { PortwatchApi } from '../../../src/shared/api';
import type { Connection, NatRulesResult, PortAggregate, Snapshot } from '../../../src/shared/model';
import { API_KEY } from '../../../src/renderer/api-key';
import { useConnectionsStore } from '../../../src/renderer/stores/connections';
import PortsView from '../../../src/renderer/views/PortsView.vue';
import { makeConnection } from '../../support/connections';
import { createFakeApi } from '../../support/fake-api';

const sshForward = { kind: 'ssh-local' as const, listenAddress: '127.0.0.1', listenPort: 15432, targetHost: 'db.internal', targetPort: 5432, via: 'ssh -L 15432:db.internal:5432' };
const ssh = { pid: 50, name: 'ssh', commandLine: 'ssh -N -L 15432:db.internal:5432 bastion' };

const ROWS: Connection[] = [
  makeConnection({ localPort: 443, localAddress: '0.0.0.0', owners: [{ pid: 10, name: 'nginx' }], exposure: 'all-interfaces' }),
  makeConnection({ localPort: 15432, owners: [ssh], forward: sshForward, exposure: 'loopback' }),
  makeConnection({ family: 6, localAddress: '::1', localPort: 15432, owners: [ssh], forward: { ...sshForward, listenAddress: '::1' }, exposure: 'loopback' }),
  makeConnection({ localPort: 15432, remoteAddress: '127.0.0.1', remotePort: 50_000, state: 'ESTABLISHED', owners: [ssh], forward: sshForward }),
];

const BY_PORT: PortAggregate[] = [
  {
    protocol: 'tcp',
    port: 443,
    service: { name: 'https', description: 'http protocol over TLS/SSL', port: 443, portClass: 'well-known', side: 'local' },
    exposure: 'all-interfaces',
    listeners: 1,
    connections: 0,
    processes: ['nginx'],
  },
  { protocol: 'tcp', port: 15432, service: null, exposure: 'loopback', listeners: 2, connections: 1, processes: ['ssh'] },
];

async function mountPorts(nat: NatRulesResult): Promise<ReturnType<typeof mount>> {
  const fake = createFakeApi(ROWS);
  fake.control.setNatRules(nat);
  const api: PortwatchApi = {
    ...fake.api,
    getSnapshot: async (): Promise<Snapshot> => ({ ...(await fake.api.getSnapshot()), aggregates: { byPort: BY_PORT, byProcess: [], byRemoteHost: [], byState: {} } }),
  };
  const pinia = createPinia();
  const wrapper = mount(PortsView, {
    global: { plugins: [pinia], provide: { [API_KEY as symbol]: api }, stubs: { ChartCanvas: true } },
    attachTo: document.body,
  });
  useConnectionsStore(pinia).start();
  await flushPromises();
  await new Promise((resolve) => setTimeout(resolve, 0));
  await flushPromises();
  return wrapper;
}

describe('PortsView', () => {
  it('shows a forwarded listener’s target as one branch under its port (both families together)', async () => {
    const wrapper = await mountPorts({ readable: true, rules: [], source: 'nft' });
    const branches = wrapper.findAll('.forward-branch');
    expect(branches.map((b) => b.text().replace(/\s+/g, ' '))).toEqual([
      '└127.0.0.1:15432, [::1]:15432 → db.internal:5432 forwarded by ssh -L: ssh -L 15432:db.internal:5432',
    ]);
    // The branch sits right under the 15432 row.
    const rows = wrapper.findAll('tbody tr');
    const index = rows.findIndex((r) => r.text().includes('tcp/15432'));
    expect(rows[index + 1]?.classes()).toContain('forward-branch');
    wrapper.unmount();
  });

  it('lists readable NAT rules in words', async () => {
    const wrapper = await mountPorts({
      readable: true,
      source: 'iptables-save',
      rules: [
        {
          action: 'redirect',
          protocol: 'tcp',
          chain: 'PREROUTING',
          inInterface: 'eth0',
          matchAddress: null,
          matchPorts: '80',
          toAddress: null,
          toPorts: '8080',
          text: '-A PREROUTING -i eth0 -p tcp --dport 80 -j REDIRECT --to-ports 8080',
        },
        { action: 'dnat', protocol: 'tcp', chain: 'DOCKER', inInterface: null, matchAddress: null, matchPorts: '8000', toAddress: '172.17.0.2', toPorts: '80', text: 'x' },
      ],
    });
    const nat = wrapper.get('.nat');
    expect(nat.text()).toContain('2 rules, read with iptables-save.');
    expect(nat.findAll('tbody tr').map((r) => r.findAll('td').map((c) => c.text()))).toEqual([
      ['PREROUTING', 'tcp port 80 arriving on eth0', '→ this machine, port 8080', '-A PREROUTING -i eth0 -p tcp --dport 80 -j REDIRECT --to-ports 8080'],
      ['DOCKER', 'tcp port 8000', '→ 172.17.0.2:80', 'x'],
    ]);
    wrapper.unmount();
  });

  it('says in words why NAT rules could not be read', async () => {
    const wrapper = await mountPorts({ readable: false, reason: 'Neither nft nor iptables-save is installed, so NAT rules cannot be read.' });
    expect(wrapper.get('.nat-unreadable').text()).toBe('The NAT rules could not be read. Neither nft nor iptables-save is installed, so NAT rules cannot be read.');
    wrapper.unmount();
  });

  it('opens the explainer from the button, with an example from this machine, and closes it with Escape back to the button', async () => {
    const wrapper = await mountPorts({ readable: true, rules: [], source: 'nft' });
    const button = wrapper.get('button[aria-haspopup="dialog"]');
    expect(button.text()).toBe('What am I looking at?');
    await button.trigger('click');
    await flushPromises();
    const dialog = wrapper.get('[role="dialog"]');
    expect(dialog.text()).toContain('port 443 is registered as https (http protocol over TLS/SSL)');
    expect(dialog.findAll('h3').map((h) => h.text())).toEqual(['Socket', 'Port', 'Service name', 'Multiplexing', 'Redirection and forwarding']);
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Explanation');
    await dialog.trigger('keydown', { key: 'Escape' });
    await flushPromises();
    expect(wrapper.find('[role="dialog"]').exists()).toBe(false);
    expect(document.activeElement).toBe(button.element);
    wrapper.unmount();
  });
});
