import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { exportDiff, parseSnapshotDocument } from '../../../src/shared/export';
import { changedFields, diffChunks, diffSnapshots } from '../../../src/shared/export/diff';
import type { SnapshotDiff } from '../../../src/shared/export/diff';
import { headerOf, snapshotNdjsonChunks, toSnapshotDocument } from '../../../src/shared/export/json';
import { parseFilter } from '../../../src/shared/filter';
import type { Connection, SnapshotDocument } from '../../../src/shared/model';
import { makeConnection, okStatus } from '../../support/connections';

const DAY1 = 1_700_000_000_000;
const DAY2 = DAY1 + 86_400_000;

const doc = (capturedAt: number, rows: Connection[], hostname = 'host-a'): SnapshotDocument =>
  toSnapshotDocument({ hostname, capturedAt, status: okStatus({ polledAt: capturedAt }), rows }, '1.0.0');

const web = makeConnection({ localAddress: '0.0.0.0', localPort: 80, inode: 11, owners: [{ pid: 10, name: 'nginx' }], exposure: 'all-interfaces' });
const ssh = makeConnection({ localAddress: '0.0.0.0', localPort: 22, inode: 12, owners: [{ pid: 20, name: 'sshd' }], exposure: 'all-interfaces' });
const db = makeConnection({ localAddress: '127.0.0.1', localPort: 5432, inode: 13, owners: [{ pid: 30, name: 'postgres' }], exposure: 'loopback' });
const client = makeConnection({ localPort: 50_000, remoteAddress: '10.0.0.2', remotePort: 443, state: 'ESTABLISHED', owners: [{ pid: 40, name: 'curl' }] });

function crafted(): { before: SnapshotDocument; after: SnapshotDocument } {
  const before = doc(DAY1, [web, ssh, db, client]);
  const after = doc(DAY2, [
    // db: now exposed to every interface, same socket.
    { ...db, exposure: 'all-interfaces', firstSeen: DAY2, lastSeen: DAY2 },
    web,
    // client: entered TIME_WAIT and lost its owner: changed, not closed and new.
    { ...client, state: 'TIME_WAIT', owners: [], ownerVisibility: 'none' },
    makeConnection({ localAddress: '0.0.0.0', localPort: 4444, inode: 14, owners: [{ pid: 50, name: 'nc' }], exposure: 'all-interfaces' }),
  ]);
  return { before, after };
}

function summary(diff: SnapshotDiff): string[] {
  return diff.entries.map((entry) => `${entry.diff} ${entry.row.localPort} ${entry.fields.join('+')}`.trim());
}

describe('diffSnapshots', () => {
  it('finds rows opened, changed and closed, in that order', () => {
    const { before, after } = crafted();
    const diff = diffSnapshots(before, after, { portwatchVersion: '2.0.0' });
    expect(summary(diff)).toEqual(['opened 4444', 'changed 5432 exposure', 'changed 50000 state+owners', 'closed 22']);
    expect(diff.counts).toEqual({ opened: 1, closed: 1, changed: 2, unchanged: 1 });
    expect(diff.old).toEqual({ hostname: 'host-a', capturedAt: DAY1, capturedAtIso: '2023-11-14T22:13:20.000Z', portwatchVersion: '1.0.0' });
    expect(diff.new.capturedAtIso).toBe('2023-11-15T22:13:20.000Z');
    expect(diff.portwatchVersion).toBe('2.0.0');
    const changedDb = diff.entries[1];
    expect(changedDb?.previous?.exposure).toBe('loopback');
    expect(changedDb?.row.exposure).toBe('all-interfaces');
  });

  it('does not count times, change marks or reverse-DNS names as changes', () => {
    const before = doc(DAY1, [client]);
    const after = doc(DAY2, [{ ...client, firstSeen: 1, lastSeen: 2, change: 'changed', remoteHost: 'example.test' }]);
    expect(diffSnapshots(before, after, { portwatchVersion: 'x' }).counts).toEqual({ opened: 0, closed: 0, changed: 0, unchanged: 1 });
  });

  it('reads a recycled pid (same pid, new start time) and a new owner name as owner changes', () => {
    const a = makeConnection({ owners: [{ pid: 7, name: 'app', startedAt: 1000 }] });
    expect(changedFields(a, { ...a, owners: [{ pid: 7, name: 'app', startedAt: 2000 }] })).toEqual(['owners']);
    expect(changedFields(a, { ...a, owners: [{ pid: 7, name: 'other' }] })).toEqual(['owners']);
    expect(changedFields(a, { ...a, owners: [{ pid: 7, name: 'app' }] })).toEqual([]);
    expect(changedFields(a, { ...a, owners: [], ownerVisibility: 'hidden' })).toEqual(['owners']);
    const shared = makeConnection({ owners: [{ pid: 1, name: 'w' }, { pid: 2, name: 'w' }] });
    expect(changedFields(shared, { ...shared, owners: [{ pid: 2, name: 'w' }, { pid: 1, name: 'w' }] })).toEqual([]);
    expect(changedFields(a, { ...a, forward: { kind: 'socat', listenAddress: '127.0.0.1', listenPort: 8080, targetHost: 'db', targetPort: 5432, via: 'socat' } })).toEqual(['forward']);
  });

  it('ignores rows kept visible after closing, and pairs rows sharing one key in order', () => {
    const twinA = makeConnection({ localPort: 9000, owners: [{ pid: 1, name: 'a' }] });
    const twinB = makeConnection({ localPort: 9000, owners: [{ pid: 2, name: 'b' }] });
    expect(twinA.key).toBe(twinB.key);
    const before = doc(DAY1, [twinA, twinB, { ...ssh, change: 'closed' }]);
    const after = doc(DAY2, [twinA, { ...ssh, change: 'closed' }]);
    const diff = diffSnapshots(before, after, { portwatchVersion: 'x' });
    expect(summary(diff)).toEqual(['closed 9000']);
    expect(diff.entries[0]?.row.owners[0]?.name).toBe('b');
  });

  it('matches by the key recomputed from each row, not the stored one', () => {
    const before = doc(DAY1, [{ ...web, key: 'stale-key-from-another-version' }]);
    const after = doc(DAY2, [web]);
    expect(diffSnapshots(before, after, { portwatchVersion: 'x' }).counts.unchanged).toBe(1);
  });

  it('keeps only rows matching the filter on either side', () => {
    const { before, after } = crafted();
    const parsed = parseFilter('exposed');
    if (!parsed.ok) throw new Error(parsed.error);
    const diff = diffSnapshots(before, after, { portwatchVersion: 'x', filter: parsed.filter });
    // db was loopback (not exposed) before and is exposed now: kept through its new row.
    expect(summary(diff)).toEqual(['opened 4444', 'changed 5432 exposure', 'closed 22']);
    expect(diff.counts).toEqual({ opened: 1, closed: 1, changed: 1, unchanged: 1 });
    expect(diff.filter).toBe('exposed');
  });
});

describe('diff export', () => {
  it('writes CSV with the diff and diff_fields columns first, then the normal columns', () => {
    const { before, after } = crafted();
    const prepared = exportDiff(before, after, { format: 'csv', columns: ['captured_at', 'local_port', 'state', 'process_name'] }, 'x');
    if (!prepared.ok) throw new Error(prepared.error);
    const result = Papa.parse<string[]>([...prepared.chunks].join(''), { newline: '\r\n' });
    expect(result.data.slice(0, -1)).toEqual([
      ['diff', 'diff_fields', 'captured_at', 'local_port', 'state', 'process_name'],
      ['opened', '', '2023-11-15T22:13:20.000Z', '4444', 'LISTEN', 'nc'],
      ['changed', 'exposure', '2023-11-15T22:13:20.000Z', '5432', 'LISTEN', 'postgres'],
      ['changed', 'state;owners', '2023-11-15T22:13:20.000Z', '50000', 'TIME_WAIT', ''],
      // A closed row shows the old row at the old capture time.
      ['closed', '', '2023-11-14T22:13:20.000Z', '22', 'LISTEN', 'sshd'],
    ]);
  });

  it('writes JSON and NDJSON documents of the diff that parse back to it', () => {
    const { before, after } = crafted();
    const diff = diffSnapshots(before, after, { portwatchVersion: 'x' });
    expect(JSON.parse([...diffChunks(diff, { format: 'json' })].join(''))).toEqual(diff);
    const lines = [...diffChunks(diff, { format: 'ndjson' })].join('').trim().split('\n');
    const { entries, ...head } = diff;
    expect(JSON.parse(lines[0] ?? '')).toEqual(head);
    expect(lines.slice(1).map((line) => JSON.parse(line) as unknown)).toEqual(entries);
  });

  it('diffs documents read back from JSON and NDJSON the same way', () => {
    const { before, after } = crafted();
    const oldNdjson = [...snapshotNdjsonChunks(headerOf(before), before.rows)].join('');
    const readOld = parseSnapshotDocument(oldNdjson);
    const readNew = parseSnapshotDocument(JSON.stringify(after));
    if (!readOld.ok || !readNew.ok) throw new Error('documents did not read back');
    expect(diffSnapshots(readOld.document, readNew.document, { portwatchVersion: 'x' })).toEqual(diffSnapshots(before, after, { portwatchVersion: 'x' }));
  });

  it('rejects a bad filter or request before writing', () => {
    const { before, after } = crafted();
    expect(exportDiff(before, after, { format: 'csv', filter: 'state:bogus' }, 'x')).toEqual({
      ok: false,
      error: expect.stringContaining('filter: "bogus" is not a socket state') as unknown as string,
    });
    expect(exportDiff(before, after, { format: 'csv', columns: [] }, 'x')).toEqual({ ok: false, error: 'export request: columns must name at least one column' });
  });
});
