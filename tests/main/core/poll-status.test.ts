import { describe, expect, it } from 'vitest';
import {
  collectorDownStatus,
  describePollError,
  failedOutcome,
  okOutcome,
  pollStatus,
  readTimeoutMessage,
  waitingOutcome,
  withNotices,
} from '../../../src/main/core/poll-status';
import { SourceError } from '../../../src/main/core/sources';

const loop = { intervalMs: 1000, baseIntervalMs: 1000, paused: false };

describe('pollStatus (the one author of PollStatus)', () => {
  it('joins what a poll found with the state of the loop', () => {
    expect(pollStatus(okOutcome({ source: 'linux-proc', durationMs: 12, polledAt: 5000, notices: ['n'] }), loop)).toEqual({
      ok: true,
      error: null,
      errorKind: null,
      durationMs: 12,
      polledAt: 5000,
      intervalMs: 1000,
      paused: false,
      source: 'linux-proc',
      notices: ['n'],
    });
    const failed = failedOutcome({ message: 'ss is not installed', kind: 'missing-tool' }, { source: 'ss', durationMs: 3, polledAt: 9 });
    expect(pollStatus(failed, { ...loop, paused: true })).toMatchObject({ ok: false, error: 'ss is not installed', errorKind: 'missing-tool', paused: true, notices: [] });
  });

  it('says so, with the poll’s cost, while polling is slowed down', () => {
    const status = pollStatus(okOutcome({ source: 's', durationMs: 600, polledAt: 1, notices: ['first'] }), { intervalMs: 2000, baseIntervalMs: 1000, paused: false });
    expect(status.intervalMs).toBe(2000);
    expect(status.notices).toEqual(['first', 'Polling slowed to every 2 s (set: 1 s): a poll takes 600 ms']);
  });

  it('waits for the first poll in words', () => {
    expect(pollStatus(waitingOutcome('linux-proc'), loop)).toMatchObject({ ok: true, polledAt: 0, source: 'linux-proc', notices: ['Waiting for the first poll'] });
  });

  it('adds the service’s notices without touching the rest', () => {
    const status = pollStatus(waitingOutcome('x'), loop);
    expect(withNotices(status, [])).toBe(status);
    expect(withNotices(status, ['settings moved aside']).notices).toEqual(['Waiting for the first poll', 'settings moved aside']);
    expect(status.notices).toEqual(['Waiting for the first poll']);
  });

  it('builds the host’s "collector is down" status from the last one it saw', () => {
    const last = pollStatus(okOutcome({ source: 'linux-proc', durationMs: 40, polledAt: 1, notices: ['old'] }), { intervalMs: 4000, baseIntervalMs: 1000, paused: false });
    expect(collectorDownStatus('The collector is not responding', { last, source: 'auto', baseIntervalMs: 1000, paused: false, now: 77 })).toEqual({
      ok: false,
      error: 'The collector is not responding',
      errorKind: 'other',
      durationMs: 0,
      polledAt: 77,
      intervalMs: 1000,
      paused: false,
      source: 'linux-proc',
      notices: [],
    });
    expect(collectorDownStatus('gone', { last: null, source: 'auto', baseIntervalMs: 500, paused: true, now: 1 })).toMatchObject({ source: 'auto', intervalMs: 500, paused: true });
  });
});

describe('readTimeoutMessage', () => {
  it('is the one message for every read that took too long', () => {
    expect(readTimeoutMessage('the socket table (linux-proc)', 15_000)).toBe('Reading the socket table (linux-proc) did not finish within 15 s');
    expect(readTimeoutMessage('the interface counters', 2500)).toBe('Reading the interface counters did not finish within 2.5 s');
  });
});

describe('describePollError', () => {
  it('maps error codes to kinds', () => {
    expect(describePollError(Object.assign(new Error('spawn ss ENOENT'), { code: 'ENOENT' })).kind).toBe('missing-tool');
    expect(describePollError(Object.assign(new Error('open /proc/1/fd'), { code: 'EACCES' }))).toEqual({
      message: 'Permission denied reading the socket table: open /proc/1/fd',
      kind: 'permission',
    });
    expect(describePollError(new SourceError('took too long', 'timeout'))).toEqual({ message: 'took too long', kind: 'timeout' });
    expect(describePollError(new Error('boom'))).toEqual({ message: 'boom', kind: 'other' });
    expect(describePollError('weird')).toEqual({ message: 'Poll failed: weird', kind: 'other' });
  });
});
