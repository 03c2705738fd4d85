/**
 * One table of bad probes, each written the three ways a probe comes in: the API's `saveProbe`
 * argument, the `portwatch probe` command line and the form's fields. The same message must come
 * back every way (the one probe validator: `probeSpecSchema`). Used by
 * tests/shared/probe-validator-paths.test.ts (API, CLI) and tests/renderer/components/ProbeForm.test.ts.
 */
import type { ProbeKind } from '../../src/shared/model';

/** One bad probe. */
export interface ProbeValidationCase {
  /** The message every way in gives. */
  message: string;
  /** The field it is about: the form shows it in `#pw-probe-err-<field>`. */
  field: string;
  /** The probe as the API receives it. */
  spec: Record<string, unknown>;
  /** The same probe as `portwatch probe` arguments. */
  cli: string[];
  /** The same probe typed into the form: its kind, then the value of each `#pw-probe-<input>`. */
  form: { kind: ProbeKind; inputs: Record<string, string> };
}

const base = { id: 'table', label: '', intervalMs: 30_000, timeoutMs: 5000, enabled: true, downAfter: 3, upAfter: 1 };
const tcp = { ...base, kind: 'tcp', host: '127.0.0.1', port: 80 };
const dns = { ...base, kind: 'dns', name: 'example.com', recordType: 'both', server: null };
const http = { ...base, kind: 'http', url: 'http://127.0.0.1/', expectStatusMin: 200, expectStatusMax: 399, bodyContains: null, acceptInvalidCert: false };
const tls = { ...base, kind: 'tls', host: '127.0.0.1', port: 443, sni: null };

/** The table. */
export const PROBE_VALIDATION_CASES: readonly ProbeValidationCase[] = [
  {
    message: 'host must be a host name, an IPv4 address or an IPv6 address',
    field: 'host',
    spec: { ...tcp, host: 'bad!host' },
    cli: ['tcp', 'bad!host:80'],
    form: { kind: 'tcp', inputs: { host: 'bad!host', port: '80' } },
  },
  {
    message: 'port must be at most 65535',
    field: 'port',
    spec: { ...tcp, port: 70_000 },
    cli: ['tcp', '127.0.0.1:70000'],
    form: { kind: 'tcp', inputs: { host: '127.0.0.1', port: '70000' } },
  },
  {
    message: 'timeoutMs must be at least 100 ms',
    field: 'timeoutMs',
    spec: { ...tcp, timeoutMs: 50 },
    cli: ['tcp', '127.0.0.1:80', '--timeout', '50'],
    form: { kind: 'tcp', inputs: { host: '127.0.0.1', port: '80', timeout: '50' } },
  },
  {
    message: 'name must be a DNS host name',
    field: 'name',
    spec: { ...dns, name: 'bad name!' },
    cli: ['dns', 'bad name!'],
    form: { kind: 'dns', inputs: { name: 'bad name!' } },
  },
  {
    message: 'server must be an IP address, optionally with :port (IPv6 as [addr]:port)',
    field: 'server',
    spec: { ...dns, server: 'dns.google' },
    cli: ['dns', 'example.com', '--server', 'dns.google'],
    form: { kind: 'dns', inputs: { name: 'example.com', server: 'dns.google' } },
  },
  {
    message: 'url must start with http:// or https://',
    field: 'url',
    spec: { ...http, url: 'ftp://127.0.0.1/' },
    cli: ['http', 'ftp://127.0.0.1/'],
    form: { kind: 'http', inputs: { url: 'ftp://127.0.0.1/' } },
  },
  {
    message: 'sni must be a DNS host name',
    field: 'sni',
    spec: { ...tls, sni: 'bad sni!' },
    cli: ['tls', '127.0.0.1:443', '--sni', 'bad sni!'],
    form: { kind: 'tls', inputs: { host: '127.0.0.1', port: '443', sni: 'bad sni!' } },
  },
];
