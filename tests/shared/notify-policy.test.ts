import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/shared/defaults';
import type { ProbeResult } from '../../src/shared/model';
import { NOTIFY_LIMITS, createNotifier, decideNotification, noticeFromProbeResult, noticesFromDelta, pruneHistory } from '../../src/shared/notify-policy';
import type { Notice, SentNotification } from '../../src/shared/notify-policy';
import { addedDelta, makeConnection } from '../support/connections';

const all = DEFAULT_SETTINGS.notifications;
const up = (probeId = 'web', message = 'open in 3 ms'): Notice => ({ kind: 'probe-up', probeId, label: 'Web server', message, at: 0 });
const down = (probeId = 'web', at = 0): Notice => ({ kind: 'probe-down', probeId, label: 'Web server', message: 'connection refused', at });
const listener = (key: string, at = 0): Notice => ({ kind: 'new-listener', key, endpoint: `TCP 0.0.0.0:${key}`, process: 'nginx', at });

/** Feeds notices through one notifier (the policy with its memory) and returns what was shown. */
function run(notices: { notice: Notice; now: number }[]): (string | null)[] {
  const notifier = createNotifier();
  return notices.map(({ notice, now }) => {
    const decision = notifier.decide(notice, all, now);
    return decision.notify ? decision.title : null;
  });
}

describe('decideNotification', () => {
  it('words each kind for the user', () => {
    expect(decideNotification(down(), all, [], 0)).toMatchObject({ notify: true, title: 'Probe down: Web server', body: 'connection refused' });
    expect(decideNotification(up(), all, [], 0)).toMatchObject({
      title: 'Probe up again: Web server',
      body: 'open in 3 ms',
    });
    expect(decideNotification(listener('8080'), all, [], 0)).toMatchObject({
      title: 'New listener on TCP 0.0.0.0:8080',
      body: 'nginx started listening on TCP 0.0.0.0:8080.',
    });
    const exposed: Notice = { kind: 'newly-exposed', key: 'k', endpoint: 'TCP 0.0.0.0:5432', process: null, at: 0 };
    expect(decideNotification(exposed, all, [], 0)).toMatchObject({
      title: 'Now reachable from the network: TCP 0.0.0.0:5432',
      body: 'An unknown process accepts connections from other machines on TCP 0.0.0.0:5432.',
    });
  });

  it('records what it sent: kind, subject and time', () => {
    expect(decideNotification(down('db'), all, [], 1234)).toMatchObject({ record: { kind: 'probe-down', subject: 'db', at: 1234 } });
  });

  it('respects the per-kind mute settings', () => {
    const muted = { ...all, probeDown: false };
    expect(decideNotification(down(), muted, [], 0)).toEqual({ notify: false, reason: 'muted' });
    expect(decideNotification(up(), muted, [], 0).notify).toBe(true);
    expect(decideNotification(listener('1'), { ...all, newListener: false }, [], 0)).toEqual({ notify: false, reason: 'muted' });
    expect(decideNotification({ kind: 'newly-exposed', key: 'k', endpoint: 'e', process: null, at: 0 }, { ...all, newlyExposed: false }, [], 0)).toEqual({
      notify: false,
      reason: 'muted',
    });
  });

  it('does not repeat the same subject and kind within the repeat window', () => {
    const titles = run([
      { notice: down('web'), now: 0 },
      { notice: down('web'), now: NOTIFY_LIMITS.repeatWindowMs - 1 },
      { notice: down('web'), now: NOTIFY_LIMITS.repeatWindowMs },
    ]);
    expect(titles).toEqual(['Probe down: Web server', null, 'Probe down: Web server']);
  });

  it('caps each kind per minute, and other kinds still get through', () => {
    const burst = Array.from({ length: 5 }, (_, i) => ({ notice: listener(String(9000 + i)), now: i * 1000 }));
    const titles = run([...burst, { notice: down('web'), now: 5_000 }, { notice: listener('9100'), now: 60_000 }]);
    expect(titles).toEqual([
      'New listener on TCP 0.0.0.0:9000',
      'New listener on TCP 0.0.0.0:9001',
      'New listener on TCP 0.0.0.0:9002',
      null,
      null,
      'Probe down: Web server',
      // 60 s after the first one, a slot is free again.
      'New listener on TCP 0.0.0.0:9100',
    ]);
  });

  it('reports why it stayed quiet', () => {
    const history: SentNotification[] = [{ kind: 'probe-down', subject: 'web', at: 0 }];
    expect(decideNotification(down('web'), all, history, 10)).toEqual({ notify: false, reason: 'repeat' });
    const full: SentNotification[] = [1, 2, 3].map((i) => ({ kind: 'probe-down', subject: `p${i}`, at: i }));
    expect(decideNotification(down('web'), all, full, 10)).toEqual({ notify: false, reason: 'rate-limited' });
  });
});

describe('pruneHistory', () => {
  it('drops entries older than the longest window and entries from the future', () => {
    const history: SentNotification[] = [
      { kind: 'probe-down', subject: 'a', at: 0 },
      { kind: 'probe-down', subject: 'b', at: 30_000 },
      { kind: 'probe-down', subject: 'c', at: 200_000 },
    ];
    expect(pruneHistory(history, 70_000).map((s) => s.subject)).toEqual(['b']);
  });

  it('shows health notices in their own words, limited like the other kinds (muting is Settings.health.notify, upstream)', () => {
    const health = (id: string, at = 0): Notice => ({ kind: 'health', id, title: `Signal ${id}`, message: 'why', at });
    const muted = { probeDown: false, probeUp: false, newListener: false, newlyExposed: false };
    expect(decideNotification(health('x'), muted, [], 0)).toMatchObject({ notify: true, title: 'Signal x', body: 'why', record: { kind: 'health', subject: 'x' } });
    expect(run([0, 1, 2, 3].map((i) => ({ notice: health(`s${i}`), now: i })))).toEqual(['Signal s0', 'Signal s1', 'Signal s2', null]);
  });
});

describe('noticesFromDelta', () => {
  it('finds new listeners, and listeners reachable beyond this machine, among the added rows only', () => {
    const loopback = makeConnection({ localAddress: '127.0.0.1', localPort: 8080, exposure: 'loopback' });
    const wide = makeConnection({ localAddress: '0.0.0.0', localPort: 5432, exposure: 'all-interfaces', owners: [] });
    const udp = makeConnection({ protocol: 'udp', state: 'UNCONN', localAddress: '::', family: 6, localPort: 5353, exposure: 'all-interfaces' });
    const client = makeConnection({ state: 'ESTABLISHED', localPort: 50_000, remoteAddress: '127.0.0.1', remotePort: 8080 });
    expect(noticesFromDelta(addedDelta(5, [loopback, wide, udp, client]))).toEqual([
      { kind: 'new-listener', key: loopback.key, endpoint: 'TCP 127.0.0.1:8080', process: 'node', at: 5000 },
      { kind: 'new-listener', key: wide.key, endpoint: 'TCP 0.0.0.0:5432', process: null, at: 5000 },
      { kind: 'newly-exposed', key: wide.key, endpoint: 'TCP 0.0.0.0:5432', process: null, at: 5000 },
      { kind: 'newly-exposed', key: udp.key, endpoint: 'UDP [::]:5353', process: 'node', at: 5000 },
    ]);
  });
});

describe('noticeFromProbeResult', () => {
  const result = (transition: ProbeResult['transition']): ProbeResult => ({
    probeId: 'db',
    kind: 'tcp',
    at: 7,
    outcome: 'refused',
    ok: false,
    latencyMs: null,
    message: 'connection refused',
    health: 'down',
    transition,
  });

  it('is a notice only when the health flipped, labelled by the probe’s name or else its id', () => {
    expect(noticeFromProbeResult(result(null), 'Database')).toBeNull();
    expect(noticeFromProbeResult(result('down'), 'Database')).toEqual({ kind: 'probe-down', probeId: 'db', label: 'Database', message: 'connection refused', at: 7 });
    expect(noticeFromProbeResult(result('up'), undefined)).toMatchObject({ kind: 'probe-up', label: 'db' });
  });

  it('names a probe the client does not know yet by the label the result carries (a first run can beat the save reply)', () => {
    expect(noticeFromProbeResult({ ...result('down'), label: 'Closed port' }, undefined)).toMatchObject({ label: 'Closed port' });
    expect(noticeFromProbeResult({ ...result('down'), label: 'Old name' }, 'Renamed')).toMatchObject({ label: 'Renamed' });
  });
});
