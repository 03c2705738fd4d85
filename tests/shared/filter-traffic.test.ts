import { describe, expect, it } from 'vitest';
import { filterRows, parseFilter } from '../../src/shared/filter';
import type { Connection, TrafficInfo } from '../../src/shared/model';
import { makeConnection } from '../support/connections';

const traffic = (sendRate: number | null, recvRate: number | null, bytesSent: number | null, bytesReceived: number | null): TrafficInfo => ({
  bytesSent,
  bytesReceived,
  sendRate,
  recvRate,
  rttMs: 1,
  rttVarMs: 0.5,
  retransmits: 0,
  sendQueue: 0,
  recvQueue: 0,
});

const rows: Record<string, Connection> = {
  busy: makeConnection({ localPort: 1, remoteAddress: '127.0.0.1', remotePort: 9, state: 'ESTABLISHED', traffic: traffic(1_500_000, 600_000, 5e9, 2e6), health: ['close-wait'] }),
  slow: makeConnection({ localPort: 2, remoteAddress: '127.0.0.1', remotePort: 9, state: 'ESTABLISHED', traffic: traffic(9_000, 1_000, 10_000, 24_000) }),
  fresh: makeConnection({ localPort: 3, remoteAddress: '127.0.0.1', remotePort: 9, state: 'ESTABLISHED', traffic: traffic(null, null, 1_000, 0) }),
  udp: makeConnection({ protocol: 'udp', localPort: 4, state: 'UNCONN', traffic: null }),
  stuck: makeConnection({ localPort: 5, remoteAddress: '127.0.0.1', remotePort: 10, state: 'SYN_SENT', traffic: traffic(0, 0, 0, 0), health: ['syn-sent', 'accept-queue'] }),
  untracked: makeConnection({ localPort: 6, remoteAddress: '127.0.0.1', remotePort: 9, state: 'ESTABLISHED' }),
};

const names = (filter: string): string[] => {
  const result = filterRows(filter, Object.values(rows));
  if (!result.ok) throw new Error(result.error);
  return Object.entries(rows)
    .filter(([, row]) => result.rows.includes(row))
    .map(([name]) => name);
};

describe('traffic comparisons', () => {
  it.each([
    ['rate>10k', ['busy']],
    ['rate>=10k', ['busy', 'slow']],
    ['rate<10k', ['stuck']],
    ['rate=10000', ['slow']],
    ['rate>2MB/s', ['busy']],
    ['rate>2.2M', []],
    ['rate>2Mi', ['busy']],
    ['rate>0', ['busy', 'slow']],
    ['bytes>1G', ['busy']],
    ['bytes<=1k', ['fresh', 'stuck']],
    ['bytes>=34000', ['busy', 'slow']],
    ['BYTES>1kib', ['busy', 'slow']],
  ])('%s', (filter, expected) => {
    expect(names(filter)).toEqual(expected);
  });

  it('never matches a socket without counters (UDP, not measured), except through negation', () => {
    expect(names('rate<1')).toEqual(['stuck']);
    expect(names('-rate>0')).toEqual(['fresh', 'udp', 'stuck', 'untracked']);
    expect(names('udp rate>=0')).toEqual([]);
  });

  it('combines with the rest of the grammar', () => {
    expect(names('state:established rate>1k -bytes>1G')).toEqual(['slow']);
  });

  it.each([
    ['rate>fast', /"fast" is not a rate \(bytes per second like 500, 10k, 1.5M or 2MiB\/s\)/],
    ['bytes>5/s', /"5\/s" is not a byte count/],
    ['rate>', /"" is not a rate/],
    ['rate>1x', /"1x" is not a rate/],
  ])('rejects %s with a message', (filter, message) => {
    const parsed = parseFilter(filter);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });

  it('reads a quoted "rate>10k" as free text, not a comparison', () => {
    const parsed = parseFilter('"rate>10k"');
    expect(parsed.ok && parsed.filter.terms[0]).toMatchObject({ kind: 'text', values: ['rate>10k'] });
  });
});

describe('health:', () => {
  it.each([
    ['health:close-wait', ['busy']],
    ['health:syn-sent,close-wait', ['busy', 'stuck']],
    ['health:accept_queue', ['stuck']],
    ['health:any', ['busy', 'stuck']],
    ['-health:any', ['slow', 'fresh', 'udp', 'untracked']],
    ['health:shadowed-listener', []],
  ])('%s', (filter, expected) => {
    expect(names(filter)).toEqual(expected);
  });

  it('rejects an unknown signal, listing the known ones', () => {
    const parsed = parseFilter('health:slow');
    expect(parsed).toEqual({
      ok: false,
      error: '"slow" is not a health signal (close-wait, syn-sent, accept-queue, ephemeral-ports, shadowed-listener, any)',
      position: 0,
    });
  });
});
