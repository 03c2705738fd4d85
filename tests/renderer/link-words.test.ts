import { describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../src/shared/connection';
import { ago, collectorSilent, describeLink, formatTitle, freshness, freshnessWords } from '../../src/renderer/link-words';
import type { FreshnessInput } from '../../src/renderer/link-words';
import { okStatus } from '../support/connections';

const connected: ConnectionState = { kind: 'connected', transport: 'websocket' };
const reconnecting: ConnectionState = { kind: 'reconnecting', attempt: 3, nextRetryAt: 14_000, reason: 'the server stopped answering' };
const disconnected: ConnectionState = { kind: 'disconnected', reason: 'the token changed (portwatch serve restarted)', action: 'open the new URL it printed' };
const counters = { total: 1234, established: 900, listening: 56, udp: 12, newLastMinute: 0, closedLastMinute: 0 };

describe('describeLink', () => {
  it('says each state, what happened and what to do', () => {
    expect(describeLink({ kind: 'connecting' }, 0, null)).toEqual({ headline: 'Connecting…', detail: null, countdown: null, tone: 'warn' });
    expect(describeLink(connected, 0, 'websocket')).toEqual({ headline: 'Connected over websocket', detail: null, countdown: null, tone: 'ok' });
    expect(describeLink(connected, 0, null).headline).toBe('Connected');
    expect(describeLink(reconnecting, 10_000, 'websocket')).toEqual({
      headline: 'Reconnecting (attempt 3)…',
      detail: 'Connection lost: the server stopped answering. Reconnecting, attempt 3.',
      countdown: 'Next try in 4 s.',
      tone: 'warn',
    });
    expect(describeLink(reconnecting, 13_800, 'websocket').countdown).toBe('Trying now.');
    expect(describeLink(disconnected, 0, 'websocket')).toEqual({
      headline: 'Disconnected',
      detail: 'The token changed (portwatch serve restarted). Open the new URL it printed.',
      countdown: null,
      tone: 'error',
    });
  });
});

describe('ago', () => {
  it.each([
    [0, '0 s'],
    [12_400, '12 s'],
    [89_000, '89 s'],
    [180_000, '3 min'],
    [7_200_000, '2 h'],
  ])('%d ms is %s', (ms, words) => expect(ago(ms)).toBe(words));
});

describe('freshness', () => {
  const input = (patch: Partial<FreshnessInput>): FreshnessInput => ({
    link: connected,
    status: okStatus(),
    viewPaused: false,
    waiting: 0,
    lastGoodAt: 1000,
    silent: false,
    now: 13_000,
    ...patch,
  });

  it('is live only when the link is up, the view follows, the collector runs and answers', () => {
    expect(freshness(input({}))).toEqual({ kind: 'live' });
    expect(freshness(input({ viewPaused: true, waiting: 5 }))).toEqual({ kind: 'view-paused', waiting: 5 });
    expect(freshness(input({ status: okStatus({ paused: true }) }))).toEqual({ kind: 'collection-paused' });
    expect(freshness(input({ status: okStatus({ ok: false, error: 'ss failed' }) }))).toEqual({ kind: 'stale', why: 'collector', ageMs: 12_000 });
    expect(freshness(input({ silent: true }))).toEqual({ kind: 'stale', why: 'collector', ageMs: 12_000 });
  });

  it('never calls frozen data live when the link is down, paused or not', () => {
    expect(freshness(input({ link: reconnecting }))).toEqual({ kind: 'stale', why: 'link', ageMs: 12_000 });
    expect(freshness(input({ link: disconnected, viewPaused: true, lastGoodAt: null }))).toEqual({ kind: 'stale', why: 'link', ageMs: null });
  });

  it('words each state for the status bar', () => {
    expect(freshnessWords({ kind: 'live' }, 100)).toBe('Live');
    expect(freshnessWords({ kind: 'view-paused', waiting: 1 }, 100)).toBe('Paused — 1 change waiting');
    expect(freshnessWords({ kind: 'view-paused', waiting: 42 }, 100)).toBe('Paused — 42 changes waiting');
    expect(freshnessWords({ kind: 'view-paused', waiting: 100 }, 100)).toBe('Paused — 100+ changes waiting');
    expect(freshnessWords({ kind: 'collection-paused' }, 100)).toBe('Collection paused (every window)');
    expect(freshnessWords({ kind: 'stale', why: 'link', ageMs: 12_000 }, 100)).toBe('Stale: data from 12 s ago');
    expect(freshnessWords({ kind: 'stale', why: 'link', ageMs: null }, 100)).toBe('Stale: no data yet');
  });
});

describe('collectorSilent', () => {
  it('is true after three intervals and five seconds without a poll, unless the collector is paused', () => {
    const status = okStatus({ intervalMs: 1000 });
    expect(collectorSilent(status, 0, 8000)).toBe(false);
    expect(collectorSilent(status, 0, 8001)).toBe(true);
    expect(collectorSilent(okStatus({ intervalMs: 1000, paused: true }), 0, 60_000)).toBe(false);
    expect(collectorSilent(null, 0, 60_000)).toBe(false);
    expect(collectorSilent(status, null, 60_000)).toBe(false);
  });
});

describe('formatTitle', () => {
  it('carries the counts the tray shows, with the locale’s digit grouping', () => {
    expect(formatTitle({ link: connected, counters, freshness: { kind: 'live' }, locale: 'en-US' })).toBe('Portwatch — 1,234 sockets · 56 listening');
    expect(formatTitle({ link: connected, counters, freshness: { kind: 'live' }, locale: 'de-DE' })).toBe('Portwatch — 1.234 sockets · 56 listening');
  });

  it('says one socket, not one sockets', () => {
    expect(formatTitle({ link: connected, counters: { ...counters, total: 1, listening: 0 }, freshness: { kind: 'live' }, locale: 'en-US' })).toBe('Portwatch — 1 socket · 0 listening');
  });

  it('is just the name before the first poll', () => {
    expect(formatTitle({ link: connected, counters: null, freshness: { kind: 'live' }, locale: 'en-US' })).toBe('Portwatch');
  });

  it('puts a prefix in front whenever the counts are not live', () => {
    const title = (link: ConnectionState, fresh: Parameters<typeof formatTitle>[0]['freshness']): string =>
      formatTitle({ link, counters, freshness: fresh, locale: 'en-US' });
    const stale = { kind: 'stale', why: 'link', ageMs: 1 } as const;
    expect(title(disconnected, stale)).toBe('[Disconnected] Portwatch — 1,234 sockets · 56 listening');
    expect(title(reconnecting, stale)).toBe('[Reconnecting] Portwatch — 1,234 sockets · 56 listening');
    expect(title({ kind: 'connecting' }, stale)).toBe('[Connecting] Portwatch — 1,234 sockets · 56 listening');
    expect(title(connected, { kind: 'view-paused', waiting: 3 })).toBe('[Paused] Portwatch — 1,234 sockets · 56 listening');
    expect(title(connected, { kind: 'collection-paused' })).toBe('[Collection paused] Portwatch — 1,234 sockets · 56 listening');
    expect(title(connected, { kind: 'stale', why: 'collector', ageMs: 5 })).toBe('[Collector failing] Portwatch — 1,234 sockets · 56 listening');
  });
});
