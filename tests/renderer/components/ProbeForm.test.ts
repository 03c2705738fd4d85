import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import ProbeForm from '../../../src/renderer/components/ProbeForm.vue';
import { API_KEY } from '../../../src/renderer/api-key';
import { createFakeApi } from '../../support/fake-api';
import { PROBE_VALIDATION_CASES } from '../../support/probe-validation-table';

function mountForm(): { wrapper: ReturnType<typeof mount>; fake: ReturnType<typeof createFakeApi> } {
  const fake = createFakeApi();
  const wrapper = mount(ProbeForm, { props: { initial: null }, global: { plugins: [createPinia()], provide: { [API_KEY as symbol]: fake.api } } });
  return { wrapper, fake };
}

describe('ProbeForm', () => {
  it('puts each message of the shared validator next to the field it names', async () => {
    const { wrapper, fake } = mountForm();
    await wrapper.get('#pw-probe-host').setValue('not a host!');
    await wrapper.get('#pw-probe-port').setValue('70000');
    await wrapper.get('#pw-probe-timeout').setValue('90000');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('#pw-probe-err-host').text()).toBe('host must be a host name, an IPv4 address or an IPv6 address');
    expect(wrapper.get('#pw-probe-err-port').text()).toBe('port must be at most 65535');
    expect(wrapper.get('#pw-probe-err-timeoutMs').text()).toBe('timeoutMs must be at most 60000 ms');
    expect(wrapper.get('#pw-probe-host').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('#pw-probe-host').attributes('aria-describedby')).toBe('pw-probe-err-host');
    expect(fake.control.calls.some((c) => c.method === 'saveProbe')).toBe(false);
  });

  it('shows the fields of the chosen kind and saves a valid probe', async () => {
    const { wrapper, fake } = mountForm();
    await wrapper.get('#pw-probe-kind').setValue('http');
    expect(wrapper.find('#pw-probe-host').exists()).toBe(false);
    await wrapper.get('#pw-probe-url').setValue('ftp://127.0.0.1/');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('#pw-probe-err-url').text()).toBe('url must start with http:// or https://');
    await wrapper.get('#pw-probe-url').setValue('http://127.0.0.1:8080/');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    const saved = fake.control.calls.find((c) => c.method === 'saveProbe')?.args[0];
    // An empty name becomes the target, as validateProbe makes it.
    expect(saved).toMatchObject({ kind: 'http', url: 'http://127.0.0.1:8080/', label: 'http://127.0.0.1:8080/', bodyContains: null });
    expect(wrapper.emitted('done')?.[0]).toEqual(['Probe "http://127.0.0.1:8080/" saved.']);
  });

  // The same table as the API and the CLI (tests/shared/probe-validator-paths.test.ts): one
  // validator, the same message next to the field it names.
  it.each(PROBE_VALIDATION_CASES)('shows "$message" next to $field, as the API and the CLI say it', async (row) => {
    const { wrapper, fake } = mountForm();
    await wrapper.get('#pw-probe-kind').setValue(row.form.kind);
    for (const [input, value] of Object.entries(row.form.inputs)) await wrapper.get(`#pw-probe-${input}`).setValue(value);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get(`#pw-probe-err-${row.field}`).text()).toBe(row.message);
    expect(fake.control.calls.some((c) => c.method === 'saveProbe')).toBe(false);
  });
});
