/**
 * Run-time schemas for everything that crosses a trust boundary: the arguments of every request
 * method (the renderer, a browser tab or a WebSocket peer is untrusted), settings read from disk,
 * and probe definitions. One schema library (valibot) for the whole project.
 */
import * as v from 'valibot';
import type { PortwatchApi, RequestMethod } from './api';
import { DEFAULT_SETTINGS } from './defaults';
import { EXPORT_COLUMNS } from './model';
import type { ExportRequest, HistoryWindow, ProbeSpec, Settings } from './model';
import { isHostName, isIPv4, isIPv6, isIpLiteral, parseHostPort, stripBrackets } from './net';
import { describeProbeTarget } from './probe-target';

/** Limits shared by validation, the runner and the UI. */
export const LIMITS = {
  pollIntervalMinMs: 500,
  pollIntervalMaxMs: 60_000,
  probeIntervalMinMs: 1_000,
  probeIntervalMaxMs: 3_600_000,
  probeTimeoutMinMs: 100,
  probeTimeoutMaxMs: 60_000,
  maxProbes: 200,
  historyMinMs: 60_000,
  historyMaxMs: 3_600_000,
  closedRetentionMaxMs: 3_600_000,
  labelMaxLength: 120,
  hysteresisMax: 20,
  journalRetentionMaxDays: 365,
  journalMaxMbMax: 1_000_000,
} as const;

const int = (field: string, min: number, max: number, unit = ''): v.GenericSchema<unknown, number> =>
  v.pipe(
    v.number(`${field} must be a number`),
    v.integer(`${field} must be a whole number`),
    v.minValue(min, `${field} must be at least ${min}${unit}`),
    v.maxValue(max, `${field} must be at most ${max}${unit}`),
  );

const text = (field: string, max: number): v.GenericSchema<unknown, string> =>
  v.pipe(v.string(`${field} must be text`), v.maxLength(max, `${field} must be at most ${max} characters`));

/**
 * One check whose message is the first problem found: valibot runs every action of a pipe even
 * after one fails, and "host is empty; host must be a host name…" would say the same thing twice.
 */
const firstProblem = (problem: (input: string) => string | null): v.CheckAction<string, (issue: v.CheckIssue<string>) => string> =>
  v.check(
    (input) => problem(input) === null,
    (issue) => problem(issue.input) ?? '',
  );

const hostSchema = (field: string): v.GenericSchema<unknown, string> =>
  v.pipe(
    v.string(`${field} must be text`),
    v.trim(),
    firstProblem((host) => {
      if (host === '') return `${field} is empty`;
      if (host.length > 255) return `${field} must be at most 255 characters`;
      if (isIPv4(host) || isIPv6(stripBrackets(host)) || isHostName(host)) return null;
      return `${field} must be a host name, an IPv4 address or an IPv6 address`;
    }),
    v.transform(stripBrackets),
  );

const portSchema = (field: string): v.GenericSchema<unknown, number> => int(field, 1, 65535);

/**
 * Messages for a probe object's own issues: not an object, a missing field, an unknown field. Each
 * starts with the field name so `describeIssues` does not repeat it.
 */
const probeObjectMessage = (kind: string) => (issue: v.StrictObjectIssue): string => {
  const key = issue.path?.[issue.path.length - 1]?.key;
  if (issue.expected === 'never') return `${String(key)} is not a field of a ${kind} probe`;
  if (issue.expected !== 'Object' && typeof key === 'string') return `${key} is missing`;
  return 'a probe must be an object';
};

/** Optional text where an empty string (a cleared form field) means "none". */
const optionalText = (field: string, max: number, check?: { test: (text: string) => boolean; message: string }): v.GenericSchema<unknown, string | null> =>
  v.pipe(
    v.nullable(v.string(`${field} must be text or null`)),
    v.transform((text) => (text === null || text.trim() === '' ? null : text)),
    v.check(
      (text) => text === null || (text.length <= max && (check === undefined || check.test(text.trim()))),
      (issue) => (issue.input !== null && issue.input.length > max ? `${field} must be at most ${max} characters` : (check?.message ?? `${field} is invalid`)),
    ),
  );

const probeBaseEntries = {
  id: v.pipe(
    v.string('id must be text'),
    v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'id must be 1–64 letters, digits, "-" or "_"'),
  ),
  label: v.pipe(text('label', LIMITS.labelMaxLength), v.trim()),
  intervalMs: int('intervalMs', LIMITS.probeIntervalMinMs, LIMITS.probeIntervalMaxMs, ' ms'),
  timeoutMs: int('timeoutMs', LIMITS.probeTimeoutMinMs, LIMITS.probeTimeoutMaxMs, ' ms'),
  enabled: v.boolean('enabled must be true or false'),
  downAfter: int('downAfter', 1, LIMITS.hysteresisMax),
  upAfter: int('upAfter', 1, LIMITS.hysteresisMax),
};

const httpUrl = v.pipe(
  v.string('url must be text'),
  v.trim(),
  firstProblem((url) => {
    if (url === '') return 'url is empty';
    if (url.length > 2000) return 'url must be at most 2000 characters';
    if (!URL.canParse(url)) return 'url is not a valid URL (write http://host[:port]/path)';
    const parsed = new URL(url);
    if (!/^https?:$/.test(parsed.protocol)) return 'url must start with http:// or https://';
    if (!isIpLiteral(parsed.hostname) && !isHostName(parsed.hostname)) return 'url has no valid host';
    return null;
  }),
);

function hostOf(server: string): string {
  const parsed = parseHostPort(server);
  return parsed.ok ? parsed.host : '';
}

const dnsServer = optionalText('server', 300, {
  test: (server) => parseHostPort(server).ok && isIpLiteral(hostOf(server)),
  message: 'server must be an IP address, optionally with :port (IPv6 as [addr]:port)',
});

/**
 * A pinned certificate fingerprint: 64 hex digits, colons or spaces between bytes allowed (as
 * `openssl x509 -fingerprint -sha256` prints it); kept upper case with colons, as Node reports it.
 * Empty means none.
 */
const sha256Pin: v.GenericSchema<unknown, string | null> = v.pipe(
  v.nullable(v.string('pinnedSha256 must be text or null')),
  v.transform((text) => (text === null || text.trim() === '' ? null : text.trim().replace(/^sha256 fingerprint=/i, '').replace(/[\s:]/g, '').toUpperCase())),
  v.check(
    (hex) => hex === null || /^[0-9A-F]{64}$/.test(hex),
    'pinnedSha256 must be a SHA-256 fingerprint: 64 hex digits (32 bytes), colons allowed',
  ),
  v.transform((hex) => (hex === null ? null : (hex.match(/../g) ?? []).join(':'))),
);

/**
 * A probe definition, checked field by field with messages that name the field: THE probe
 * validator. Every way in uses it: the API's `saveProbe` arguments (below), `validateProbe` in
 * shared/probes.ts (the form, the CLI, the settings file), so each gives the same message.
 */
export const probeSpecSchema: v.GenericSchema<unknown, ProbeSpec> = v.pipe(
  v.variant(
    'kind',
    [
      v.strictObject(
        { ...probeBaseEntries, kind: v.literal('tcp'), host: hostSchema('host'), port: portSchema('port') },
        probeObjectMessage('tcp'),
      ),
      v.strictObject(
        {
          ...probeBaseEntries,
          kind: v.literal('dns'),
          name: v.pipe(
            v.string('name must be text'),
            v.trim(),
            firstProblem((name) => (name === '' ? 'name is empty' : isHostName(name) ? null : 'name must be a DNS host name')),
          ),
          recordType: v.picklist(['A', 'AAAA', 'both'], 'recordType must be A, AAAA or both'),
          server: v.pipe(dnsServer, v.transform((server) => (server === null ? null : server.trim()))),
        },
        probeObjectMessage('dns'),
      ),
      v.pipe(
        v.strictObject(
          {
            ...probeBaseEntries,
            kind: v.literal('http'),
            url: httpUrl,
            expectStatusMin: int('expectStatusMin', 100, 599),
            expectStatusMax: int('expectStatusMax', 100, 599),
            bodyContains: optionalText('bodyContains', 1000),
            acceptInvalidCert: v.boolean('acceptInvalidCert must be true or false'),
          },
          probeObjectMessage('http'),
        ),
        v.check(
          (spec) => spec.expectStatusMin <= spec.expectStatusMax,
          'expectStatusMin must not be greater than expectStatusMax',
        ),
      ),
      v.strictObject(
        {
          ...probeBaseEntries,
          kind: v.literal('tls'),
          host: hostSchema('host'),
          port: portSchema('port'),
          sni: v.pipe(
            optionalText('sni', 253, { test: (name) => isHostName(name), message: 'sni must be a DNS host name' }),
            v.transform((name) => (name === null ? null : name.trim())),
          ),
          pinnedSha256: v.optional(sha256Pin),
        },
        probeObjectMessage('tls'),
      ),
    ],
    // With a path the issue is about the discriminator; without one the input was no object.
    (issue) =>
      issue.path === undefined
        ? 'a probe must be an object'
        : issue.input === undefined
          ? 'kind is missing (tcp, dns, http or tls)'
          : 'kind must be tcp, dns, http or tls',
  ),
  v.check((spec) => spec.timeoutMs <= spec.intervalMs, 'timeoutMs must not exceed intervalMs'),
  // An empty label reads badly in lists and notifications: the target stands in (cut to the label
  // limit, so the saved probe passes this schema again when the file is read back).
  v.transform((spec): ProbeSpec => (spec.label === '' ? { ...spec, label: describeProbeTarget(spec).slice(0, LIMITS.labelMaxLength) } : spec)),
);

const settingsEntries = {
  pollIntervalMs: int('pollIntervalMs', LIMITS.pollIntervalMinMs, LIMITS.pollIntervalMaxMs, ' ms'),
  closedRetentionMs: int('closedRetentionMs', 0, LIMITS.closedRetentionMaxMs, ' ms'),
  theme: v.picklist(['system', 'light', 'dark'], 'theme must be system, light or dark'),
  closeToTray: v.boolean('closeToTray must be true or false'),
  reverseDns: v.boolean('reverseDns must be true or false'),
  socketSource: v.picklist(['auto', 'systeminformation', 'linux-proc'], 'socketSource must be auto, systeminformation or linux-proc'),
  notifications: v.strictObject({
    probeDown: v.boolean('notifications.probeDown must be true or false'),
    probeUp: v.boolean('notifications.probeUp must be true or false'),
    newListener: v.boolean('notifications.newListener must be true or false'),
    newlyExposed: v.boolean('notifications.newlyExposed must be true or false'),
  }),
  // Optional, so settings files written before these existed still load.
  trafficEnabled: v.optional(v.boolean('trafficEnabled must be true or false')),
  health: v.optional(
    v.strictObject({
      closeWaitPerProcess: int('health.closeWaitPerProcess', 1, 1_000_000, ''),
      synSentAfterMs: int('health.synSentAfterMs', 1000, 600_000, ' ms'),
      acceptQueueRatio: v.pipe(v.number('health.acceptQueueRatio must be a number'), v.minValue(0.1, 'health.acceptQueueRatio must be at least 0.1'), v.maxValue(1, 'health.acceptQueueRatio must be at most 1')),
      ephemeralPortsRatio: v.pipe(v.number('health.ephemeralPortsRatio must be a number'), v.minValue(0.1, 'health.ephemeralPortsRatio must be at least 0.1'), v.maxValue(1, 'health.ephemeralPortsRatio must be at most 1')),
      notify: v.boolean('health.notify must be true or false'),
    }),
  ),
  // Optional with defaults: settings files written before the journal existed stay valid.
  journalEnabled: v.optional(v.boolean('journalEnabled must be true or false'), DEFAULT_SETTINGS.journalEnabled),
  journalRetentionDays: v.optional(int('journalRetentionDays', 1, LIMITS.journalRetentionMaxDays, ' days'), DEFAULT_SETTINGS.journalRetentionDays),
  journalMaxMb: v.optional(int('journalMaxMb', 0, LIMITS.journalMaxMbMax, ' MB'), DEFAULT_SETTINGS.journalMaxMb),
};

/** Settings, every field required (what the store holds). */
export const settingsSchema: v.GenericSchema<unknown, Settings> = v.strictObject(settingsEntries);

/** A settings patch: any subset of the fields (notifications as a whole object). */
export const settingsPatchSchema: v.GenericSchema<unknown, Partial<Settings>> = v.partial(v.strictObject(settingsEntries));

/** A history window. */
export const historyWindowSchema: v.GenericSchema<unknown, HistoryWindow> = v.strictObject({
  durationMs: int('durationMs', LIMITS.historyMinMs, LIMITS.historyMaxMs, ' ms'),
  maxPoints: v.optional(int('maxPoints', 2, 10_000)),
});

/** An export request. */
export const exportRequestSchema: v.GenericSchema<unknown, ExportRequest> = v.strictObject({
  format: v.picklist(['csv', 'json', 'ndjson'], 'format must be csv, json or ndjson'),
  columns: v.optional(
    v.pipe(
      v.array(v.picklist(EXPORT_COLUMNS, `columns must be among: ${EXPORT_COLUMNS.join(', ')}`), 'columns must be a list'),
      v.minLength(1, 'columns must name at least one column'),
      v.check((cols) => new Set(cols).size === cols.length, 'columns must not repeat a column'),
    ),
  ),
  separator: v.optional(v.picklist([',', ';', '\t'], 'separator must be a comma, a semicolon or a tab')),
  bom: v.optional(v.boolean('bom must be true or false')),
  filter: v.optional(text('filter', 2000)),
});

const idSchema = v.pipe(v.string('id must be text'), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'id is not a probe id'));

/** Argument tuple schemas, one per request method, typed from the contract. */
export const ARG_SCHEMAS: { [K in RequestMethod]: v.GenericSchema<unknown, Parameters<PortwatchApi[K]>> } = {
  getSnapshot: v.strictTuple([]),
  getHistory: v.strictTuple([historyWindowSchema]),
  listProbes: v.strictTuple([]),
  saveProbe: v.strictTuple([probeSpecSchema]),
  deleteProbe: v.strictTuple([idSchema]),
  runProbe: v.strictTuple([idSchema]),
  getSettings: v.strictTuple([]),
  setSettings: v.strictTuple([settingsPatchSchema]),
  exportSnapshot: v.strictTuple([exportRequestSchema]),
  endProcess: v.strictTuple([
    v.strictObject({
      pid: int('pid', 1, 2 ** 31 - 1),
      startedAt: v.optional(v.pipe(v.number('startedAt must be a number'), v.finite('startedAt must be finite'))),
    }),
  ]),
  pause: v.strictTuple([]),
  resume: v.strictTuple([]),
  getCapabilities: v.strictTuple([]),
  getNatRules: v.strictTuple([]),
};

/** Result of validating untrusted input. */
export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

/** One line per problem, each naming its field (valibot's path, then our message). */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const lines = issues.map((issue) => {
    const path = (issue.path ?? [])
      .map((item) => String(item.key))
      .filter((key) => !/^\d+$/.test(key));
    const field = path.join('.');
    // Our messages start with the field name; valibot's generic ones get the path in front.
    return field !== '' && !issue.message.startsWith(path[path.length - 1] ?? '') ? `${field}: ${issue.message}` : issue.message;
  });
  return [...new Set(lines)].join('; ');
}

/** Validates a value against a schema; never throws. */
export function validate<T>(schema: v.GenericSchema<unknown, T>, value: unknown): Validated<T> {
  const result = v.safeParse(schema, value);
  return result.success ? { ok: true, value: result.output } : { ok: false, error: describeIssues(result.issues) };
}

/** Validates the argument list of a request method; never throws. */
export function validateArgs<K extends RequestMethod>(method: K, args: unknown): Validated<Parameters<PortwatchApi[K]>> {
  const schema = ARG_SCHEMAS[method] as v.GenericSchema<unknown, Parameters<PortwatchApi[K]>>;
  const result = validate(schema, args);
  return result.ok ? result : { ok: false, error: `${method}: ${result.error}` };
}
