import { describe, expect, it } from 'vitest';
import { RelayTracker } from '../../../src/main/core/relays';
import type { Connection, ProcessOwner } from '../../../src/shared/model';
import { makeConnection } from '../../support/connections';

const relay: ProcessOwner = { pid: 10, name: 'relay' };
const web: ProcessOwner = { pid: 20, name: 'web' };

/**
 * One poll of a process owning a listener on `port`, with `clients` accepted connections (by
 * client port) and `outbound` connections to `target` (by local port).
 */
function poll(owner: ProcessOwner, port: number, clients: number[], outbound: number[], target = { address: '127.0.0.1', port: 5432 }): Connection[] {
  return [
    makeConnection({ localAddress: '127.0.0.1', localPort: port, state: 'LISTEN', owners: [owner] }),
    ...clients.map((c) => makeConnection({ localAddress: '127.0.0.1', localPort: port, remoteAddress: '127.0.0.1', remotePort: c, state: 'ESTABLISHED', owners: [owner] })),
    ...outbound.map((p) =>
      makeConnection({ localAddress: '127.0.0.1', localPort: p, remoteAddress: target.address, remotePort: target.port, state: 'ESTABLISHED', owners: [owner] }),
    ),
  ];
}

/** Runs the polls through a tracker; returns the last poll's rows. */
function run(tracker: RelayTracker, polls: Connection[][]): Connection[] {
  let last: Connection[] = [];
  for (const rows of polls) {
    tracker.observe(rows);
    last = rows;
  }
  return last;
}

describe('RelayTracker', () => {
  it('recognises a relay after two paired openings/closings, and marks listener, accepted and outbound rows', () => {
    const tracker = new RelayTracker();
    const rows = run(tracker, [
      poll(relay, 8000, [40001], [50001]), // baseline
      poll(relay, 8000, [40001, 40002], [50001, 50002]), // paired event 1
      poll(relay, 8000, [40002], [50002]), // paired event 2: relay
    ]);
    const expected = { kind: 'relay', listenAddress: '127.0.0.1', listenPort: 8000, targetHost: '127.0.0.1', targetPort: 5432, via: 'relay pairs each connection with one to 127.0.0.1:5432' };
    expect(rows.map((r) => r.forward ?? null)).toEqual([expected, expected, expected]);
    expect(tracker.state()).toEqual([{ listenerKey: rows[0]?.key, target: '127.0.0.1:5432', events: 2, relay: true }]);
  });

  it('needs two events: one pairing is not enough', () => {
    const tracker = new RelayTracker();
    const rows = run(tracker, [poll(relay, 8000, [40001], [50001]), poll(relay, 8000, [40001, 40002], [50001, 50002])]);
    expect(rows.every((r) => r.forward === undefined)).toBe(true);
  });

  it('forgives one poll between an accept and the matching connect', () => {
    const tracker = new RelayTracker();
    const rows = run(tracker, [
      poll(relay, 8000, [40001], [50001]),
      poll(relay, 8000, [40001, 40002], [50001]), // accepted, not connected yet
      poll(relay, 8000, [40001, 40002], [50001, 50002]), // paired
      poll(relay, 8000, [40001, 40002, 40003], [50001, 50002, 50003]), // paired
    ]);
    expect(rows[0]?.forward?.kind).toBe('relay');
  });

  it('stays a relay while idle (nothing open on either side)', () => {
    const tracker = new RelayTracker();
    const rows = run(tracker, [
      poll(relay, 8000, [40001], [50001]),
      poll(relay, 8000, [40001, 40002], [50001, 50002]),
      poll(relay, 8000, [], []),
      poll(relay, 8000, [], []),
    ]);
    expect(rows[0]?.forward?.targetPort).toBe(5432);
  });

  it('does not call a web server with a steady database pool a relay, even when the counts coincide', () => {
    const tracker = new RelayTracker();
    const pool = [50001, 50002];
    const rows = run(tracker, [
      poll(web, 8080, [40001, 40002], pool), // 2 clients, 2 pooled connections: equal by chance
      poll(web, 8080, [40001, 40002, 40003], pool),
      poll(web, 8080, [40002, 40003], pool), // equal again, but the pool did not move
      poll(web, 8080, [40003, 40004], pool),
      poll(web, 8080, [40004, 40005], pool),
      poll(web, 8080, [40005], pool),
      poll(web, 8080, [40005, 40006], pool),
    ]);
    expect(rows.every((r) => r.forward === undefined)).toBe(true);
    expect(tracker.state().every((c) => !c.relay && c.events === 0)).toBe(true);
  });

  it('does not call a server a relay when its database connections open more often than its clients', () => {
    const tracker = new RelayTracker();
    const rows = run(tracker, [
      poll(web, 8080, [40001], [50001]),
      poll(web, 8080, [40001, 40002], [50001, 50002, 50003]),
      poll(web, 8080, [40002], [50003, 50004]),
      poll(web, 8080, [40002, 40003], [50005, 50006]),
      poll(web, 8080, [40003], [50007]),
    ]);
    expect(rows.every((r) => r.forward === undefined)).toBe(true);
  });

  it('stops calling it a relay once the pairing breaks for two polls', () => {
    const tracker = new RelayTracker();
    const pairs = [poll(relay, 8000, [40001], [50001]), poll(relay, 8000, [40001, 40002], [50001, 50002]), poll(relay, 8000, [40002], [50002])];
    run(tracker, pairs);
    const rows = run(tracker, [poll(relay, 8000, [40002, 40003], [50002]), poll(relay, 8000, [40002, 40003, 40004], [50002])]);
    expect(rows[0]?.forward).toBeUndefined();
  });

  it('leaves rows that carry a known forward alone', () => {
    const tracker = new RelayTracker();
    const known = { kind: 'socat' as const, listenAddress: '127.0.0.1', listenPort: 8000, targetHost: '127.0.0.1', targetPort: 5432, via: 'socat' };
    const mark = (rows: Connection[]): Connection[] => rows.map((r) => ({ ...r, forward: known }));
    const rows = run(tracker, [mark(poll(relay, 8000, [40001], [50001])), mark(poll(relay, 8000, [40001, 40002], [50001, 50002])), mark(poll(relay, 8000, [40002], [50002]))]);
    expect(rows.every((r) => r.forward === known)).toBe(true);
    expect(tracker.state()).toEqual([]);
  });

  it('forgets a listener once it is gone', () => {
    const tracker = new RelayTracker();
    run(tracker, [poll(relay, 8000, [40001], [50001]), poll(relay, 8000, [40001, 40002], [50001, 50002])]);
    expect(tracker.state()).toHaveLength(1);
    tracker.observe([]);
    expect(tracker.state()).toEqual([]);
  });

  it('tracks no more candidates than its limit', () => {
    const tracker = new RelayTracker({ maxCandidates: 1 });
    tracker.observe([...poll(relay, 8000, [40001], [50001]), ...poll(web, 8080, [40002], [50002], { address: '127.0.0.1', port: 6379 })]);
    expect(tracker.state()).toHaveLength(1);
  });
});
