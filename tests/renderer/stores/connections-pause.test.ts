import { beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/shared/model';
import { useConnectionsStore } from '../../../src/renderer/stores/connections';
import { makeConnection } from '../../support/connections';
import { createFakeApi } from '../../support/fake-api';
import { settle, storeApp } from '../support/store-app';

const listener = (port: number): Connection => makeConnection({ localAddress: '0.0.0.0', localPort: port });
const keysShown = (store: ReturnType<typeof useConnectionsStore>): string[] =>
  store.displayItems().flatMap((item) => (item.kind === 'row' ? [item.row.key] : []));

// Pause freezes THIS view: the store holds deltas back (counting what changed), the collector and
// every other window keep going; Resume shows the latest table at once.
describe('pausing one view', () => {
  let fake: ReturnType<typeof createFakeApi>;
  let store: ReturnType<typeof useConnectionsStore>;
  const a = listener(22);
  const b = listener(80);

  beforeEach(async () => {
    fake = createFakeApi([a, b]);
    storeApp(fake.api);
    store = useConnectionsStore();
    store.start();
    await settle();
  });

  it('freezes rows, counters and aggregates, counts the changed sockets, and never asks the collector to pause', async () => {
    const countersBefore = store.counters;
    store.pauseView();
    expect(store.viewPaused).toBe(true);
    const c = listener(443);
    fake.control.add([c]);
    fake.control.change([{ ...a, state: 'CLOSE', change: 'closed' }]);
    fake.control.remove([b.key]);
    fake.control.add([listener(8080)]);
    await settle();
    expect(keysShown(store).sort()).toEqual([a.key, b.key].sort());
    expect(store.displayItems().find((item) => item.key === a.key)).toMatchObject({ row: { state: 'LISTEN' } });
    expect(store.totalCount).toBe(2);
    expect(store.counters).toBe(countersBefore);
    expect(store.waitingChanges).toBe(4);
    expect(fake.control.calls.map((call) => call.method)).not.toContain('pause');
  });

  it('counts one socket once however often it changed', async () => {
    store.pauseView();
    fake.control.change([{ ...a, state: 'CLOSE_WAIT' }]);
    fake.control.change([{ ...a, state: 'CLOSE', change: 'closed' }]);
    await settle();
    expect(store.waitingChanges).toBe(1);
  });

  it('keeps the collector’s status live while the view is frozen', async () => {
    store.pauseView();
    fake.control.setStatus({ ok: false, error: 'ss failed', errorKind: 'other' });
    await settle();
    expect(store.status).toMatchObject({ ok: false, error: 'ss failed' });
  });

  it('filters and sorts the frozen rows, not the newer ones', async () => {
    store.pauseView();
    fake.control.add([listener(2222)]);
    await settle();
    store.setFilter('port:2222');
    expect(keysShown(store)).toEqual([]);
    store.setFilter('');
    expect(keysShown(store).sort()).toEqual([a.key, b.key].sort());
  });

  it('resumes with the latest table at once, without a new fetch', async () => {
    store.pauseView();
    const c = listener(443);
    fake.control.add([c]);
    fake.control.remove([b.key]);
    await settle();
    store.resumeView();
    expect(store.viewPaused).toBe(false);
    expect(store.waitingChanges).toBe(0);
    expect(keysShown(store).sort()).toEqual([a.key, c.key].sort());
    expect(store.counters?.total).toBe(2);
    expect(fake.control.calls.filter((call) => call.method === 'getSnapshot')).toHaveLength(1);
    // And follows deltas again.
    fake.control.add([listener(9000)]);
    await settle();
    expect(store.totalCount).toBe(3);
  });

  it('counts what a full re-fetch after a gap changed against the frozen rows', async () => {
    store.pauseView();
    fake.control.dropNextDelta();
    fake.control.add([listener(5000)]);
    fake.control.remove([b.key]);
    await settle();
    expect(fake.control.calls.filter((call) => call.method === 'getSnapshot')).toHaveLength(2);
    // The new listener and the removed one; the untouched row does not count.
    expect(store.waitingChanges).toBe(2);
    expect(keysShown(store).sort()).toEqual([a.key, b.key].sort());
  });

  it('pausing the collection (every window) still goes through the API', async () => {
    await store.pause();
    expect(fake.control.calls.map((call) => call.method)).toContain('pause');
    expect(store.status?.paused).toBe(true);
    expect(store.viewPaused).toBe(false);
  });
});
