import { describe, expect, it } from 'vitest';
import { ConnectionTable } from '../../../src/main/core/diff';
import { makeConnection } from '../../support/connections';
import type { Connection } from '../../../src/shared/model';

const T0 = 1_700_000_000_000;

const listener = (): Connection => makeConnection({ localPort: 8080, state: 'LISTEN', inode: 100 });
const established = (partial: Partial<Connection> = {}): Connection =>
  makeConnection({
    localPort: 40000,
    remoteAddress: '127.0.0.1',
    remotePort: 8080,
    state: 'ESTABLISHED',
    owners: [{ pid: 10, name: 'client', startedAt: 5 }],
    ...partial,
  });

describe('ConnectionTable', () => {
  it('adds the first poll as an unmarked baseline', () => {
    const table = new ConnectionTable({ closedRetentionMs: 10_000 });
    const diff = table.apply([listener(), established()], T0);
    expect(diff.added.map((r) => r.change)).toEqual([null, null]);
    expect(diff.added.map((r) => r.firstSeen)).toEqual([T0, T0]);
    expect(diff.newCount).toBe(0);
    expect(diff.changed).toEqual([]);
    expect(table.size).toBe(2);
  });

  it("marks a later row 'new' for one tick, then re-sends it unmarked", () => {
    const table = new ConnectionTable({ closedRetentionMs: 10_000 });
    table.apply([listener()], T0);
    const conn = established();
    const d1 = table.apply([listener(), conn], T0 + 1000);
    expect(d1.added).toHaveLength(1);
    expect(d1.added[0]?.change).toBe('new');
    expect(d1.newCount).toBe(1);
    const d2 = table.apply([listener(), established()], T0 + 2000);
    expect(d2.added).toEqual([]);
    expect(d2.changed).toHaveLength(1);
    expect(d2.changed[0]?.key).toBe(conn.key);
    expect(d2.changed[0]?.change).toBeNull();
    expect(d2.changed[0]?.firstSeen).toBe(T0 + 1000);
    const d3 = table.apply([listener(), established()], T0 + 3000);
    expect(d3.changed).toEqual([]);
    expect(table.get(conn.key)?.lastSeen).toBe(T0 + 3000);
  });

  it('holds a mark for markHoldMs when polls come faster', () => {
    const table = new ConnectionTable({ closedRetentionMs: 10_000, markHoldMs: 1000 });
    table.apply([], T0);
    table.apply([listener()], T0 + 500);
    expect(table.apply([listener()], T0 + 1000).changed).toEqual([]);
    const d = table.apply([listener()], T0 + 1500);
    expect(d.changed.map((r) => r.change)).toEqual([null]);
  });

  it('lets a poll that comes a little early (timer jitter) end the hold', () => {
    const table = new ConnectionTable({ closedRetentionMs: 10_000 });
    table.apply([], T0);
    table.apply([listener()], T0 + 1000);
    expect(table.apply([listener()], T0 + 1950).changed.map((r) => r.change)).toEqual([null]);
  });

  it('reads a connection entering TIME_WAIT without an owner as changed, keeping the owner as exited', () => {
    const table = new ConnectionTable({ closedRetentionMs: 10_000 });
    const before = established();
    table.apply([before], T0);
    const timeWait = established({ state: 'TIME_WAIT', owners: [], ownerVisibility: 'none' });
    expect(timeWait.key).toBe(before.key);
    const diff = table.apply([timeWait], T0 + 1000);
    expect(diff.added).toEqual([]);
    expect(diff.removedKeys).toEqual([]);
    expect(diff.closedCount).toBe(0);
    expect(diff.changed).toHaveLength(1);
    const row = diff.changed[0] as Connection;
    expect(row.change).toBe('changed');
    expect(row.state).toBe('TIME_WAIT');
    expect(row.ownerVisibility).toBe('none');
    expect(row.owners).toEqual([{ pid: 10, name: 'client', startedAt: 5, exited: true }]);
    expect(row.firstSeen).toBe(T0);
    // Still ownerless next poll: nothing to send (the mark lapses, that is all).
    const again = table.apply([established({ state: 'TIME_WAIT', owners: [], ownerVisibility: 'none' })], T0 + 2000);
    expect(again.changed.map((r) => [r.change, r.owners[0]?.exited])).toEqual([[null, true]]);
    expect(table.apply([established({ state: 'TIME_WAIT', owners: [], ownerVisibility: 'none' })], T0 + 3000).changed).toEqual([]);
  });

  it('marks the owner exited when a socket outlives its process in the same state', () => {
    const table = new ConnectionTable({ closedRetentionMs: 10_000 });
    table.apply([established({ state: 'FIN_WAIT2' })], T0);
    const diff = table.apply([established({ state: 'FIN_WAIT2', owners: [], ownerVisibility: 'none' })], T0 + 1000);
    expect(diff.changed.map((r) => [r.change, r.owners])).toEqual([['changed', [{ pid: 10, name: 'client', startedAt: 5, exited: true }]]]);
  });

  it('treats a reused pid (same pid, another start time) as a change of owner', () => {
    const table = new ConnectionTable({ closedRetentionMs: 10_000 });
    table.apply([makeConnection({ localPort: 8080, state: 'LISTEN', inode: 100, owners: [{ pid: 4242, name: 'node', startedAt: 1 }] })], T0);
    const reused = makeConnection({ localPort: 8080, state: 'LISTEN', inode: 100, owners: [{ pid: 4242, name: 'node', startedAt: 999 }] });
    const diff = table.apply([reused], T0 + 1000);
    expect(diff.changed.map((r) => [r.change, r.owners[0]?.startedAt])).toEqual([['changed', 999]]);
    expect(diff.added).toEqual([]);
  });

  it('treats a new name on the same pid without start times as another process', () => {
    const table = new ConnectionTable({ closedRetentionMs: 10_000 });
    table.apply([listener()], T0);
    const diff = table.apply([makeConnection({ localPort: 8080, state: 'LISTEN', inode: 100, owners: [{ pid: 4242, name: 'python3' }] })], T0 + 1000);
    expect(diff.changed.map((r) => r.change)).toEqual(['changed']);
  });

  it('re-sends a row whose owner details arrive later without marking it', () => {
    const table = new ConnectionTable({ closedRetentionMs: 10_000 });
    table.apply([established()], T0);
    const detailed = established({ owners: [{ pid: 10, name: 'client', startedAt: 5, path: '/usr/bin/client', user: 'root' }] });
    const diff = table.apply([detailed], T0 + 1000);
    expect(diff.changed).toHaveLength(1);
    expect(diff.changed[0]?.change).toBeNull();
    expect(diff.changed[0]?.owners[0]?.path).toBe('/usr/bin/client');
  });

  it('keeps a known remote host name when a poll does not carry one', () => {
    const table = new ConnectionTable({ closedRetentionMs: 10_000 });
    table.apply([established({ remoteHost: 'localhost' })], T0);
    expect(table.apply([established()], T0 + 1000).changed).toEqual([]);
    const state = table.apply([established({ state: 'CLOSE_WAIT' })], T0 + 2000);
    expect(state.changed[0]?.remoteHost).toBe('localhost');
  });

  it('marks a vanished row closed, keeps it for the retention, then removes it', () => {
    const table = new ConnectionTable({ closedRetentionMs: 5000 });
    const conn = established();
    table.apply([listener(), conn], T0);
    const closed = table.apply([listener()], T0 + 1000);
    expect(closed.closedCount).toBe(1);
    expect(closed.changed.map((r) => [r.key, r.change, r.state])).toEqual([[conn.key, 'closed', 'ESTABLISHED']]);
    expect(closed.removedKeys).toEqual([]);
    expect(table.apply([listener()], T0 + 5999).removedKeys).toEqual([]);
    expect(table.get(conn.key)?.change).toBe('closed');
    expect([...table.liveRows()].map((r) => r.key)).toEqual([listener().key]);
    const gone = table.apply([listener()], T0 + 6000);
    expect(gone.removedKeys).toEqual([conn.key]);
    expect(gone.changed).toEqual([]);
    expect(table.get(conn.key)).toBeUndefined();
    expect(table.size).toBe(1);
  });

  it('removes a vanished row at once when the retention is 0', () => {
    const table = new ConnectionTable({ closedRetentionMs: 0 });
    const conn = established();
    table.apply([conn], T0);
    const diff = table.apply([], T0 + 1000);
    expect(diff).toEqual({ added: [], changed: [], removedKeys: [conn.key], newCount: 0, closedCount: 1 });
  });

  it('adds a closed key that comes back as a new socket', () => {
    const table = new ConnectionTable({ closedRetentionMs: 10_000 });
    const conn = established();
    table.apply([conn], T0);
    table.apply([], T0 + 1000);
    const back = table.apply([established()], T0 + 2000);
    expect(back.added.map((r) => [r.key, r.change, r.firstSeen])).toEqual([[conn.key, 'new', T0 + 2000]]);
    expect(back.newCount).toBe(1);
    // It must not expire with the old closing time.
    expect(table.apply([established()], T0 + 20_000).removedKeys).toEqual([]);
  });

  it('follows a shorter retention set later', () => {
    const table = new ConnectionTable({ closedRetentionMs: 60_000 });
    const conn = established();
    table.apply([conn], T0);
    table.apply([], T0 + 1000);
    table.setClosedRetention(2000);
    expect(table.apply([], T0 + 3000).removedKeys).toEqual([conn.key]);
  });

  it('expires closed rows on a failed poll without closing anything else', () => {
    const table = new ConnectionTable({ closedRetentionMs: 2000 });
    const conn = established();
    table.apply([listener(), conn], T0);
    table.apply([listener()], T0 + 1000);
    const diff = table.expireOnly(T0 + 3000);
    expect(diff.removedKeys).toEqual([conn.key]);
    expect(diff.closedCount).toBe(0);
    expect(table.get(listener().key)?.change).toBeNull();
  });

  it('keeps SO_REUSEPORT twins apart by inode and ignores a duplicate key in one poll', () => {
    const table = new ConnectionTable({ closedRetentionMs: 1000 });
    const a = makeConnection({ inode: 1 });
    const b = makeConnection({ inode: 2 });
    const diff = table.apply([a, b, makeConnection({ inode: 1 })], T0);
    expect(diff.added.map((r) => r.key)).toEqual([a.key, b.key]);
    expect(a.key).not.toBe(b.key);
  });

  it('matches rows by key whatever order a poll lists them in', () => {
    const table = new ConnectionTable({ closedRetentionMs: 10_000 });
    const rows = (ports: number[]): Connection[] => ports.map((p) => established({ localPort: p }));
    table.apply(rows([1, 2, 3, 4]), T0);
    const inserted = table.apply(rows([9, 1, 3, 2, 4]), T0 + 1000);
    expect(inserted.added.map((r) => r.localPort)).toEqual([9]);
    expect(inserted.changed).toEqual([]);
    const reversed = table.apply(rows([4, 3, 2, 1, 9]), T0 + 1100);
    expect(reversed.added).toEqual([]);
    expect(reversed.changed).toEqual([]);
    const dropped = table.apply(rows([4, 2, 9]), T0 + 1200);
    // Closed rows come in first-seen order.
    expect(dropped.changed.map((r) => [r.localPort, r.change])).toEqual([
      [1, 'closed'],
      [3, 'closed'],
    ]);
    expect([...table.liveRows()].map((r) => r.localPort).sort()).toEqual([2, 4, 9]);
  });

  it('rejects a negative retention with a clear message', () => {
    expect(() => new ConnectionTable({ closedRetentionMs: -1 })).toThrow('closedRetentionMs must be a number of milliseconds ≥ 0 (got -1)');
  });
});
