import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  annotateHealth,
  evaluateHealth,
  HEALTH_NOTIFY_LIMITS,
  HealthNotifier,
  HealthTracker,
  healthSettings,
  MAX_SIGNAL_ROWS,
  parsePortRange,
  type HealthFinding,
} from '../../../src/main/core/health';
import { parseSsInfo, type SsSocket } from '../../../src/main/core/tcp-info';
import { DEFAULT_HEALTH_SETTINGS } from '../../../src/shared/defaults';
import { connectionKey } from '../../../src/shared/key';
import type { Connection, HealthSignal, ProcessOwner } from '../../../src/shared/model';

const NOW = 1_000_000;
let nextPort = 40000;

/** A table row; endpoints default to a fresh loopback pair. */
function row(over: Partial<Connection> & { owner?: ProcessOwner | null } = {}): Connection {
  const { owner, ...rest } = over;
  const base = {
    protocol: 'tcp' as const,
    family: 4 as const,
    localAddress: '127.0.0.1',
    localPort: nextPort++,
    remoteAddress: '127.0.0.1' as string | null,
    remotePort: 8080 as number | null,
    ...rest,
  };
  const owners = owner === null ? [] : [owner ?? { pid: 100, name: 'app' }];
  return {
    key: connectionKey(base),
    state: 'ESTABLISHED',
    owners,
    ownerVisibility: owners.length > 0 ? 'visible' : 'hidden',
    firstSeen: NOW,
    ...base,
  };
}

const traffic = (recvQueue: number, sendQueue: number): Connection['traffic'] => ({
  bytesSent: 0,
  bytesReceived: 0,
  sendRate: null,
  recvRate: null,
  rttMs: null,
  rttVarMs: null,
  retransmits: 0,
  sendQueue,
  recvQueue,
});

const kinds = (findings: HealthFinding[]): string[] => findings.map((f) => f.id);

describe('parsePortRange', () => {
  it('reads /proc/sys/net/ipv4/ip_local_port_range and rejects junk', () => {
    expect(parsePortRange('32768\t60999\n')).toEqual({ low: 32768, high: 60999 });
    expect(parsePortRange('1024 1024')).toEqual({ low: 1024, high: 1024 });
    expect(parsePortRange('60999 32768')).toBeNull();
    expect(parsePortRange('0 100')).toBeNull();
    expect(parsePortRange('1 70000')).toBeNull();
    expect(parsePortRange('abc')).toBeNull();
  });
});

describe('close-wait', () => {
  it('fires when one process holds at least the threshold of CLOSE_WAIT sockets, per process', () => {
    const leaky = { pid: 7, name: 'leaky' };
    const rows = [
      ...Array.from({ length: 10 }, () => row({ state: 'CLOSE_WAIT', owner: leaky })),
      ...Array.from({ length: 9 }, () => row({ state: 'CLOSE_WAIT', owner: { pid: 8, name: 'fine' } })),
    ];
    const [f, ...rest] = evaluateHealth({ rows, now: NOW, portRange: null });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      id: 'close-wait:pid:7',
      kind: 'close-wait',
      severity: 'warning',
      title: 'leaky is not closing its sockets',
      value: 10,
      threshold: 10,
      processes: [{ pid: 7, name: 'leaky' }],
    });
    expect(f?.explanation).toContain('10 connections of leaky (pid 7) are in CLOSE_WAIT');
    expect(f?.allRowKeys).toHaveLength(10);
  });

  it('is critical at five times the threshold, follows the setting, and groups hidden owners by their hint', () => {
    const hint = { label: 'unit api.service (from cgroup)', source: 'cgroup' as const, confidence: 'high' as const };
    const rows = Array.from({ length: 3 }, () => row({ state: 'CLOSE_WAIT', owner: null, ownerHint: hint }));
    const [f] = evaluateHealth({ rows, now: NOW, portRange: null, settings: { closeWaitPerProcess: 3 } });
    expect(f).toMatchObject({ id: 'close-wait:hint:unit api.service (from cgroup)', severity: 'warning', processes: [{ pid: null, name: hint.label }] });
    const many = Array.from({ length: 15 }, () => row({ state: 'CLOSE_WAIT' }));
    expect(evaluateHealth({ rows: many, now: NOW, portRange: null, settings: { closeWaitPerProcess: 3 } })[0]?.severity).toBe('critical');
  });

  it('caps the row keys a signal carries but annotates every row', () => {
    const rows = Array.from({ length: MAX_SIGNAL_ROWS + 5 }, () => row({ state: 'CLOSE_WAIT' }));
    const findings = evaluateHealth({ rows, now: NOW, portRange: null });
    expect(findings[0]?.rowKeys).toHaveLength(MAX_SIGNAL_ROWS);
    annotateHealth(rows, findings);
    expect(rows.every((r) => r.health?.[0] === 'close-wait')).toBe(true);
    annotateHealth(rows, []);
    expect(rows.some((r) => 'health' in r)).toBe(false);
  });

  it('ignores rows already marked closed', () => {
    const rows = Array.from({ length: 10 }, () => ({ ...row({ state: 'CLOSE_WAIT' }), change: 'closed' as const }));
    expect(evaluateHealth({ rows, now: NOW, portRange: null })).toEqual([]);
  });
});

describe('syn-sent', () => {
  it('fires for attempts older than the threshold, grouped by destination, on recorded rows', () => {
    // The two SYN_SENT sockets recorded against a listener whose accept queue was full.
    const sockets = parseSsInfo(readFileSync(join(__dirname, '../../fixtures/linux/ss-tuine-1.txt'), 'latin1')).sockets.filter((s) => s.state === 'SYN_SENT');
    expect(sockets).toHaveLength(2);
    const rows = sockets.map((s: SsSocket, i) => ({
      ...row({ localAddress: s.localAddress, localPort: s.localPort, remoteAddress: s.remoteAddress, remotePort: s.remotePort, inode: s.inode ?? 0, owner: { pid: 50, name: 'client' } }),
      state: s.state,
      firstSeen: NOW - 6000 + i * 2000,
    }));
    const findings = evaluateHealth({ rows, now: NOW, portRange: null });
    expect(kinds(findings)).toEqual([`syn-sent:127.0.0.1:${sockets[0]?.remotePort}`]);
    expect(findings[0]).toMatchObject({ severity: 'warning', value: 6000, threshold: 5000, title: `No answer from 127.0.0.1:${sockets[0]?.remotePort}` });
    expect(findings[0]?.allRowKeys).toEqual([rows[0]?.key]);
    expect(findings[0]?.explanation).toContain('1 connection attempt to 127.0.0.1');
    // Six times the threshold: critical.
    expect(evaluateHealth({ rows: [{ ...(rows[0] as Connection), firstSeen: NOW - 30_000 }], now: NOW, portRange: null })[0]?.severity).toBe('critical');
    expect(evaluateHealth({ rows, now: NOW, portRange: null, settings: { synSentAfterMs: 10_000 } })).toEqual([]);
  });

  it('needs a first-seen time (no guess for rows without one)', () => {
    const { firstSeen: _f, ...noTime } = row({ state: 'SYN_SENT' });
    expect(evaluateHealth({ rows: [noTime], now: NOW, portRange: null })).toEqual([]);
  });
});

describe('accept-queue', () => {
  const listener = (recvQueue: number, sendQueue: number): Connection =>
    row({ state: 'LISTEN', remoteAddress: null, remotePort: null, localPort: 9000, owner: { pid: 9, name: 'server' }, traffic: traffic(recvQueue, sendQueue) });

  it('is critical when the queue is over the backlog (the kernel drops SYNs), warning at it', () => {
    // Recorded: a listener with backlog 1 holding 2 connections (Recv-Q 2, Send-Q 1).
    expect(evaluateHealth({ rows: [listener(2, 1)], now: NOW, portRange: null })[0]).toMatchObject({
      id: expect.stringMatching(/^accept-queue:/),
      severity: 'critical',
      title: 'server is not accepting connections on 127.0.0.1:9000',
      value: 2,
      threshold: 1,
    });
    expect(evaluateHealth({ rows: [listener(128, 128)], now: NOW, portRange: null })[0]?.severity).toBe('warning');
    expect(evaluateHealth({ rows: [listener(127, 128)], now: NOW, portRange: null })).toEqual([]);
    expect(evaluateHealth({ rows: [listener(64, 128)], now: NOW, portRange: null, settings: { acceptQueueRatio: 0.5 } })).toHaveLength(1);
    expect(evaluateHealth({ rows: [listener(0, 0)], now: NOW, portRange: null })).toEqual([]);
    expect(evaluateHealth({ rows: [listener(1, 0)], now: NOW, portRange: null })[0]?.severity).toBe('critical');
  });

  it('needs the queues (traffic collection); without them it says nothing', () => {
    const { traffic: _t, ...bare } = listener(5, 1);
    expect(evaluateHealth({ rows: [bare], now: NOW, portRange: null })).toEqual([]);
  });
});

describe('ephemeral-ports (on injected numbers)', () => {
  const range = { low: 50000, high: 50009 };
  const to = (port: number, state: Connection['state'] = 'ESTABLISHED', dest = '10.0.0.1'): Connection => row({ localPort: port, remoteAddress: dest, remotePort: 443, state });

  it('fires when connections to one destination take the share of the range, counting TIME_WAIT', () => {
    const rows = [...[0, 1, 2, 3].map((i) => to(50000 + i)), ...[4, 5, 6].map((i) => to(50000 + i, 'TIME_WAIT')), to(50007, 'ESTABLISHED', '10.0.0.2'), to(40000)];
    const [f, ...rest] = evaluateHealth({ rows, now: NOW, portRange: range });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ id: 'ephemeral-ports:10.0.0.1:443', severity: 'warning', value: 0.7, threshold: 0.7 });
    expect(f?.explanation).toContain('7 of the 10 local ports');
    expect(f?.explanation).toContain('3 of them in TIME_WAIT');
    expect(f?.processes).toEqual([{ pid: 100, name: 'app' }]);
  });

  it('is critical at 90 %, quiet below the threshold, and off without a range', () => {
    const rows = Array.from({ length: 9 }, (_, i) => to(50000 + i));
    expect(evaluateHealth({ rows, now: NOW, portRange: range })[0]?.severity).toBe('critical');
    expect(evaluateHealth({ rows: rows.slice(0, 6), now: NOW, portRange: range })).toEqual([]);
    expect(evaluateHealth({ rows, now: NOW, portRange: null })).toEqual([]);
  });
});

describe('shadowed-listener', () => {
  const listen = (address: string, family: 4 | 6, owner: ProcessOwner | null, port = 3000): Connection =>
    row({ state: 'LISTEN', localAddress: address, family, localPort: port, remoteAddress: null, remotePort: null, owner });

  it('fires when 127.0.0.1 and ::1 on one port belong to different processes', () => {
    const [f] = evaluateHealth({ rows: [listen('127.0.0.1', 4, { pid: 1, name: 'old' }), listen('::1', 6, { pid: 2, name: 'new' })], now: NOW, portRange: null });
    expect(f).toMatchObject({
      id: 'shadowed-listener:tcp/3000',
      severity: 'warning',
      title: 'localhost:3000 and 127.0.0.1:3000 reach different programs',
      processes: [
        { pid: 1, name: 'old' },
        { pid: 2, name: 'new' },
      ],
    });
    expect(f?.explanation).toContain('old (pid 1) listens on 127.0.0.1:3000 and new (pid 2) on [::1]:3000');
  });

  it('covers wildcards on either side, and stays quiet for one process on both or other ports', () => {
    expect(evaluateHealth({ rows: [listen('0.0.0.0', 4, { pid: 1, name: 'a' }), listen('::', 6, { pid: 2, name: 'b' })], now: NOW, portRange: null })).toHaveLength(1);
    expect(evaluateHealth({ rows: [listen('127.0.0.1', 4, { pid: 1, name: 'a' }), listen('::1', 6, { pid: 1, name: 'a' })], now: NOW, portRange: null })).toEqual([]);
    expect(evaluateHealth({ rows: [listen('127.0.0.1', 4, { pid: 1, name: 'a' }), listen('::1', 6, { pid: 2, name: 'b' }, 3001)], now: NOW, portRange: null })).toEqual([]);
    expect(evaluateHealth({ rows: [listen('192.168.1.5', 4, { pid: 1, name: 'a' }), listen('::1', 6, { pid: 2, name: 'b' })], now: NOW, portRange: null })).toEqual([]);
  });

  it('does not accuse two hidden owners it cannot tell apart', () => {
    expect(evaluateHealth({ rows: [listen('127.0.0.1', 4, null), listen('::1', 6, null)], now: NOW, portRange: null })).toEqual([]);
    expect(evaluateHealth({ rows: [listen('127.0.0.1', 4, null), listen('::1', 6, { pid: 2, name: 'b' })], now: NOW, portRange: null })).toHaveLength(1);
  });
});

describe('settings', () => {
  it('takes valid user thresholds and falls back to the defaults for the rest', () => {
    expect(healthSettings(undefined)).toEqual(DEFAULT_HEALTH_SETTINGS);
    expect(healthSettings({ closeWaitPerProcess: 3, synSentAfterMs: -1, acceptQueueRatio: Number.NaN, notify: false })).toEqual({
      ...DEFAULT_HEALTH_SETTINGS,
      closeWaitPerProcess: 3,
      notify: false,
    });
  });
});

describe('HealthTracker and HealthNotifier', () => {
  const finding = (id: string): HealthFinding => ({
    id,
    kind: 'close-wait',
    severity: 'warning',
    title: `t ${id}`,
    explanation: `e ${id}`,
    rowKeys: [],
    allRowKeys: [],
    processes: [],
    value: 1,
    threshold: 1,
  });

  it('keeps first-seen across polls, reports only new signals as raised, and starts over after a signal clears', () => {
    const tracker = new HealthTracker();
    const a = tracker.update([finding('x')], 100);
    expect(a.raised.map((s) => s.id)).toEqual(['x']);
    expect(a.signals[0]).toMatchObject({ firstSeen: 100, lastSeen: 100 });
    expect(a.signals[0]).not.toHaveProperty('allRowKeys');
    const b = tracker.update([finding('x'), finding('y')], 200);
    expect(b.raised.map((s) => s.id)).toEqual(['y']);
    expect(b.signals.map((s) => [s.id, s.firstSeen, s.lastSeen])).toEqual([
      ['x', 100, 200],
      ['y', 200, 200],
    ]);
    tracker.update([], 300);
    expect(tracker.update([finding('x')], 400).signals[0]?.firstSeen).toBe(400);
  });

  it('notifies a signal once per repeat window and at most windowMax per minute; nothing when off', () => {
    const notifier = new HealthNotifier();
    const sig = (id: string): HealthSignal => ({ ...finding(id), firstSeen: 0, lastSeen: 0 });
    expect(notifier.decide([sig('a')], 0, false)).toEqual([]);
    expect(notifier.decide([sig('a')], 0, true)).toEqual([{ id: 'a', title: 't a', body: 'e a' }]);
    expect(notifier.decide([sig('a')], 1000, true)).toEqual([]);
    expect(notifier.decide([sig('b'), sig('c'), sig('d')], 2000, true).map((n) => n.id)).toEqual(['b', 'c']);
    expect(notifier.decide([sig('d')], HEALTH_NOTIFY_LIMITS.windowMs + 1, true).map((n) => n.id)).toEqual(['d']);
    expect(notifier.decide([sig('a')], HEALTH_NOTIFY_LIMITS.repeatWindowMs, true).map((n) => n.id)).toEqual(['a']);
  });
});
