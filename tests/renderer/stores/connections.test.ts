import { beforeEach, describe, expect, it } from 'vitest';
import type { Connection, PollStatus } from '../../../src/shared/model';
import { useConnectionsStore } from '../../../src/renderer/stores/connections';
import { makeConnection, okStatus } from '../../support/connections';
import { createFakeApi } from '../../support/fake-api';
import { settle, storeApp } from '../support/store-app';

const listener = (port: number, name = 'node', pid = 4242): Connection =>
  makeConnection({ localAddress: '0.0.0.0', localPort: port, owners: [{ pid, name }] });
const peer = (port: number, remotePort: number): Connection =>
  makeConnection({ localAddress: '10.0.0.1', localPort: port, remoteAddress: '10.0.0.2', remotePort, state: 'ESTABLISHED' });

const keysShown = (store: ReturnType<typeof useConnectionsStore>): string[] =>
  store.displayItems().flatMap((item) => (item.kind === 'row' ? [item.row.key] : []));

describe('useConnectionsStore', () => {
  let fake: ReturnType<typeof createFakeApi>;
  let store: ReturnType<typeof useConnectionsStore>;

  beforeEach(async () => {
    fake = createFakeApi([listener(22, 'sshd', 10), listener(80, 'nginx', 20), peer(40000, 443)]);
    storeApp(fake.api);
    store = useConnectionsStore();
    store.start();
    await settle();
  });

  it('loads the snapshot once, even when started twice', async () => {
    store.start();
    await settle();
    expect(fake.control.calls.filter((c) => c.method === 'getSnapshot')).toHaveLength(1);
    expect(store.loaded).toBe(true);
    expect(store.totalCount).toBe(3);
    expect(store.hostname).toBe('fakehost');
    expect(store.status?.source).toBe('fake');
  });

  it('applies sequenced deltas: added, changed and removed rows', async () => {
    const added = listener(443, 'caddy', 30);
    fake.control.add([added]);
    await settle();
    expect(store.totalCount).toBe(4);
    expect(keysShown(store)).toContain(added.key);

    fake.control.change([{ ...added, state: 'CLOSE', change: 'closed' }]);
    await settle();
    const row = store.displayItems().find((item) => item.key === added.key);
    expect(row?.kind === 'row' && row.row.change).toBe('closed');

    fake.control.remove([added.key]);
    await settle();
    expect(store.totalCount).toBe(3);
    expect(keysShown(store)).not.toContain(added.key);
    expect(fake.control.calls.filter((c) => c.method === 'getSnapshot')).toHaveLength(1);
  });

  it('re-fetches the snapshot after a gap and ends up with the service’s rows', async () => {
    fake.control.dropNextDelta();
    fake.control.add([listener(8080)]);
    fake.control.add([listener(9090)]);
    await settle();
    expect(fake.control.calls.filter((c) => c.method === 'getSnapshot')).toHaveLength(2);
    expect(keysShown(store).sort()).toEqual(fake.control.rows().map((r) => r.key).sort());
  });

  it('lists opened and closed sockets in recent changes, newest first', async () => {
    const a = listener(5000);
    const b = listener(5001);
    fake.control.add([a]);
    await settle();
    fake.control.add([b]);
    await settle();
    fake.control.change([{ ...a, change: 'closed' }]);
    await settle();
    // Removed without ever reading closed (retention 0): still a close.
    fake.control.remove([b.key]);
    await settle();
    expect(store.recent.map((e) => `${e.kind} ${e.row.localPort}`)).toEqual(['closed 5001', 'closed 5000', 'opened 5001', 'opened 5000']);
  });

  it('filters with the filter grammar and keeps the last good rows when the expression is bad', () => {
    store.setFilter('lport:22,80');
    expect(store.filterError).toBeNull();
    expect(store.shownCount).toBe(2);
    store.setFilter('state:bogus');
    expect(store.filterError).toContain('"bogus" is not a socket state');
    expect(store.shownCount).toBe(2);
    store.setFilter('');
    expect(store.shownCount).toBe(3);
  });

  it('new rows that match the filter appear; others stay hidden', async () => {
    store.setFilter('proc:nginx');
    fake.control.add([listener(8443, 'nginx', 20), listener(9000, 'other', 99)]);
    await settle();
    expect(store.displayItems().map((i) => (i.kind === 'row' ? i.row.localPort : -1))).toEqual([80, 8443]);
  });

  it('sorts by a column and toggles the direction', () => {
    store.toggleSort('pid');
    expect(store.sort).toEqual({ column: 'pid', dir: 'asc' });
    const pids = (): Array<number | undefined> => store.displayItems().map((i) => (i.kind === 'row' ? i.row.owners[0]?.pid : undefined));
    expect(pids()).toEqual([10, 20, 4242]);
    store.toggleSort('pid');
    expect(pids()).toEqual([4242, 20, 10]);
  });

  it('groups by process with a header per group', () => {
    store.setGroupBy('process');
    expect(store.displayItems().map((i) => (i.kind === 'group' ? `[${i.label}]` : String(i.row.localPort)))).toEqual([
      '[nginx (pid 20)]',
      '80',
      '[node (pid 4242)]',
      '40000',
      '[sshd (pid 10)]',
      '22',
    ]);
  });

  it('exports CSV with the on-screen columns and the current filter', async () => {
    store.setFilter('port:22');
    const result = await store.exportCsv();
    expect(result).toEqual({ kind: 'download', url: '/export.csv' });
    const call = fake.control.calls.find((c) => c.method === 'exportSnapshot');
    expect(call?.args[0]).toEqual({
      format: 'csv',
      filter: 'port:22',
      columns: [
        'captured_at', 'change', 'protocol', 'local_address', 'local_port', 'local_service', 'remote_address', 'remote_port',
        'remote_host', 'remote_service', 'state', 'process_name', 'pid', 'forward', 'first_seen',
      ],
    });
  });

  it('pauses and resumes through the API and shows it in the status', async () => {
    await store.pause();
    expect(store.status?.paused).toBe(true);
    await store.resume();
    expect(store.status?.paused).toBe(false);
  });

  it('reports ending a process in the service’s words, and a rejected request too', async () => {
    await expect(store.endProcess(4242)).resolves.toEqual({ ok: false, message: 'fake: will not end process 4242' });
    await expect(store.endProcess(0)).resolves.toEqual({ ok: false, message: 'endProcess: pid must be at least 1' });
  });

  it('says so when no service is connected', () => {
    storeApp(null);
    const orphan = useConnectionsStore();
    orphan.start();
    expect(orphan.loadError).toBe('No Portwatch service is connected.');
  });
});

describe('useConnectionsStore status', () => {
  it('a pause reply does not overwrite a status event that arrived while it was on its way', async () => {
    const fake = createFakeApi();
    const statusListeners: Array<(status: PollStatus) => void> = [];
    let answer: (status: PollStatus) => void = () => undefined;
    storeApp({
      ...fake.api,
      onStatus: (listener) => {
        statusListeners.push(listener);
        return () => undefined;
      },
      pause: () => new Promise<PollStatus>((resolve) => (answer = resolve)),
    });
    const store = useConnectionsStore();
    store.start();
    await settle();
    const pausing = store.pause();
    statusListeners.forEach((listener) => listener(okStatus({ paused: true, ok: false, error: 'ss failed' })));
    answer(okStatus({ paused: true }));
    await pausing;
    expect(store.status?.error).toBe('ss failed');
    // Without an event in between, the reply is the news.
    const again = store.pause();
    answer(okStatus({ paused: true, durationMs: 77 }));
    await again;
    expect(store.status?.durationMs).toBe(77);
  });
});
