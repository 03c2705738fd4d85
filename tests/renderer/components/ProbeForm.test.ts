import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import ProbeForm from '../../../src/renderer/components/ProbeForm.vue';
import { API_KEY } from '../../../src/renderer/api-key';
import { useProbesStore } from '../../../src/renderer/stores/probes';
import type { TlsProbeSpec } from '../../../src/shared/model';
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

  it('offers to trust the certificate a failed TLS run met, by its SHA-256 fingerprint, and saves the pin', async () => {
    const fake = createFakeApi();
    const pinia = createPinia();
    const spec: TlsProbeSpec = { id: 'own', label: 'Own TLS', kind: 'tls', host: '127.0.0.1', port: 8443, sni: null, intervalMs: 30_000, timeoutMs: 5000, enabled: true, downAfter: 1, upAfter: 1 };
    const fingerprint = Array(32).fill('AB').join(':');
    const mountIt = (): ReturnType<typeof mount> =>
      mount(ProbeForm, { props: { initial: spec }, global: { plugins: [pinia], provide: { [API_KEY as symbol]: fake.api } } });
    const wrapper = mountIt();
    const store = useProbesStore(pinia);
    await store.load();
    await store.save(spec, false);
    expect(wrapper.find('.trust').exists()).toBe(false);
    store.applyResult({
      probeId: 'own',
      kind: 'tls',
      at: 1,
      outcome: 'tls-invalid',
      ok: false,
      latencyMs: 2,
      message: 'the certificate is self-signed',
      health: 'down',
      transition: 'down',
      tls: { protocol: 'TLSv1.3', subject: 'CN=localhost', issuer: 'CN=localhost', validTo: null, daysToExpiry: 30, selfSigned: true, authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT', fingerprintSha256: fingerprint },
    });
    await flushPromises();
    expect(wrapper.get('.trust').text()).toContain(`not trusted (self-signed): CN=localhost, SHA-256 ${fingerprint}.`);
    await wrapper.findAll('button').find((b) => b.text() === 'Trust this certificate')?.trigger('click');
    expect((wrapper.get('#pw-probe-pin').element as HTMLInputElement).value).toBe(fingerprint);
    expect(wrapper.find('.trust').exists()).toBe(false);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    const saved = fake.control.calls.filter((c) => c.method === 'saveProbe').at(-1)?.args[0];
    expect(saved).toMatchObject({ id: 'own', kind: 'tls', pinnedSha256: fingerprint });
  });

  it('puts a malformed pin’s message by the pin field', async () => {
    const { wrapper } = mountForm();
    await wrapper.get('#pw-probe-kind').setValue('tls');
    await wrapper.get('#pw-probe-host').setValue('127.0.0.1');
    await wrapper.get('#pw-probe-pin').setValue('AB:CD');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('#pw-probe-err-pinnedSha256').text()).toBe('pinnedSha256 must be a SHA-256 fingerprint: 64 hex digits (32 bytes), colons allowed');
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
