import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../src/shared/filter';
import type { Filter } from '../../../src/shared/filter';
import type { Connection, SocketState } from '../../../src/shared/model';
import { COLUMN_IDS } from '../../../src/renderer/table/columns';
import { TableModel } from '../../../src/renderer/table/table-model';
import type { GroupBy } from '../../../src/renderer/table/table-model';
import { makeConnection } from '../../support/connections';

/** A deterministic pseudo-random row generator (no Math.random: failures must reproduce). */
function rowMaker(seed: number): () => Connection {
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  let serial = 0;
  const states: SocketState[] = ['ESTABLISHED', 'LISTEN', 'TIME_WAIT', 'CLOSE_WAIT'];
  const names = ['firefox', 'node', 'sshd', 'postgres'];
  return () => {
    serial += 1;
    const listening = next() < 0.2;
    const name = names[Math.floor(next() * names.length)] ?? 'node';
    return makeConnection({
      localAddress: next() < 0.5 ? '10.0.0.1' : '127.0.0.1',
      localPort: 1 + Math.floor(next() * 2000),
      remoteAddress: listening ? null : `10.1.${Math.floor(next() * 5)}.${serial % 250}`,
      remotePort: listening ? null : 10_000 + serial,
      state: listening ? 'LISTEN' : (states[Math.floor(next() * states.length)] ?? 'ESTABLISHED'),
      owners: next() < 0.1 ? [] : [{ pid: 100 + names.indexOf(name), name }],
      firstSeen: Math.floor(next() * 100_000),
      inode: serial,
    });
  };
}

const keys = (model: TableModel): string[] => model.rows.map((e) => e.row.key);
const filterOf = (text: string): Filter => {
  const parsed = parseFilter(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.filter;
};

describe('TableModel', () => {
  it('after any sequence of ticks, matches a full rebuild for every column, direction, filter and grouping', () => {
    const groupings: GroupBy[] = ['none', 'process', 'localPort', 'remoteHost'];
    for (const [index, column] of COLUMN_IDS.entries()) {
      const make = rowMaker(index + 1);
      const source = new Map<string, Connection>();
      for (let i = 0; i < 300; i += 1) {
        const row = make();
        source.set(row.key, row);
      }
      const incremental = new TableModel();
      const dir = index % 2 === 0 ? 'asc' : 'desc';
      const filter = index % 3 === 0 ? filterOf('-state:time_wait') : null;
      incremental.setFilter(filter, source.values());
      incremental.setGroupBy(groupings[index % groupings.length] ?? 'none', source.values());
      incremental.setSort({ column, dir }, source.values());
      for (let tick = 0; tick < 8; tick += 1) {
        const all = [...source.values()];
        const removed = all.filter((_, i) => (i + tick) % 23 === 0).map((r) => r.key);
        const changed = all
          .filter((_, i) => (i + tick) % 17 === 0)
          .map((r) => ({ ...r, state: 'CLOSE_WAIT' as const, change: 'changed' as const, owners: r.owners.slice(0, 0), firstSeen: (r.firstSeen ?? 0) + 1 }));
        const added = Array.from({ length: 5 }, () => ({ ...make(), change: 'new' as const }));
        for (const key of removed) source.delete(key);
        for (const row of [...changed, ...added]) source.set(row.key, row);
        incremental.apply([...added, ...changed.filter((r) => !removed.includes(r.key))], removed);
        changed.filter((r) => removed.includes(r.key)).forEach((r) => source.delete(r.key));
      }
      const rebuilt = new TableModel();
      rebuilt.setFilter(filter, source.values());
      rebuilt.setGroupBy(groupings[index % groupings.length] ?? 'none', source.values());
      rebuilt.setSort({ column, dir }, source.values());
      expect(keys(incremental), `column ${column}`).toEqual(keys(rebuilt));
      expect(incremental.size).toBe([...source.values()].filter((r) => filter === null || r.state !== 'TIME_WAIT').length);
    }
  });

  it('counts a row listed twice in one tick once, the later copy winning', () => {
    const model = new TableModel();
    const row = makeConnection({ localPort: 1 });
    model.reset([row]);
    model.apply([{ ...row, state: 'CLOSE' }, { ...row, state: 'LISTEN', change: 'changed' }], []);
    expect(model.rows.map((e) => [e.row.key, e.row.change])).toEqual([[row.key, 'changed']]);
  });

  it('sorts addresses numerically: 10.0.0.9 before 10.0.0.10, IPv4 before IPv6', () => {
    const model = new TableModel();
    const rows = [
      makeConnection({ localAddress: '::1', localPort: 1 }),
      makeConnection({ localAddress: '10.0.0.10', localPort: 1 }),
      makeConnection({ localAddress: '10.0.0.9', localPort: 80 }),
      makeConnection({ localAddress: '10.0.0.9', localPort: 443 }),
    ];
    model.setSort({ column: 'local', dir: 'asc' }, rows);
    expect(model.rows.map((e) => `${e.row.localAddress}:${e.row.localPort}`)).toEqual(['10.0.0.9:80', '10.0.0.9:443', '10.0.0.10:1', '::1:1']);
  });

  it('groups rows under headers with counts, and folds a group', () => {
    const model = new TableModel();
    const rows = [
      makeConnection({ localPort: 80, owners: [{ pid: 2, name: 'nginx' }] }),
      makeConnection({ localPort: 443, owners: [{ pid: 2, name: 'nginx' }] }),
      makeConnection({ localPort: 22, owners: [], ownerVisibility: 'hidden' }),
    ];
    model.setGroupBy('process', rows);
    const view = (): string[] => model.displayItems().map((i) => (i.kind === 'group' ? `${i.label}:${i.count}${i.collapsed ? '+' : ''}` : String(i.row.localPort)));
    expect(view()).toEqual(['nginx (pid 2):2', '80', '443', 'Another user’s process:1', '22']);
    const nginx = model.displayItems()[0];
    model.toggleGroup(nginx?.kind === 'group' ? nginx.key.slice('group:'.length) : '');
    expect(view()).toEqual(['nginx (pid 2):2+', 'Another user’s process:1', '22']);
  });

  it('groups by local port and by remote host', () => {
    const rows = [
      makeConnection({ localPort: 80, remoteAddress: '10.0.0.2', remotePort: 5000, state: 'ESTABLISHED', remoteHost: 'b.example' }),
      makeConnection({ localPort: 80 }),
      makeConnection({ localPort: 9, remoteAddress: '10.0.0.3', remotePort: 5001, state: 'ESTABLISHED' }),
    ];
    const model = new TableModel();
    model.setGroupBy('localPort', rows);
    expect(model.displayItems().filter((i) => i.kind === 'group').map((i) => (i.kind === 'group' ? `${i.label}:${i.count}` : ''))).toEqual(['tcp/9:1', 'tcp/80:2']);
    model.setGroupBy('remoteHost', rows);
    expect(model.displayItems().filter((i) => i.kind === 'group').map((i) => (i.kind === 'group' ? i.label : ''))).toEqual([
      '10.0.0.3',
      'b.example',
      'No remote end (listeners, unconnected UDP)',
    ]);
  });
});
