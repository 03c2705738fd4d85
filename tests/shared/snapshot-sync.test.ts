import { describe, expect, it } from 'vitest';
import type { SyncUpdate } from '../../src/shared/snapshot-sync';
import { startSnapshotSync } from '../../src/shared/snapshot-sync';
import { makeConnection } from '../support/connections';
import { createFakeApi } from '../support/fake-api';

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('startSnapshotSync', () => {
  it('loads the snapshot, then applies deltas in order', async () => {
    const { api, control } = createFakeApi([]);
    const updates: SyncUpdate[] = [];
    const sync = startSnapshotSync(api, (u) => updates.push({ table: u.table, delta: u.delta }));
    await sync.ready;
    const a = makeConnection({ localPort: 1001 });
    control.add([a]);
    await settle();
    control.change([{ ...a, state: 'CLOSE', change: 'closed' }]);
    await settle();
    control.remove([a.key]);
    await settle();
    expect(updates.map((u) => (u.delta ? u.delta.seq : 'snapshot'))).toEqual(['snapshot', 2, 3, 4]);
    expect(sync.current()?.rows.size).toBe(0);
    expect(sync.resyncs()).toBe(0);
    sync.stop();
  });

  it('re-fetches the snapshot when a seq is missed', async () => {
    const { api, control } = createFakeApi([]);
    const sync = startSnapshotSync(api, () => undefined);
    await sync.ready;
    control.dropNextDelta();
    control.add([makeConnection({ localPort: 2001 })]);
    control.add([makeConnection({ localPort: 2002 })]);
    await settle();
    await settle();
    const table = sync.current();
    expect(sync.resyncs()).toBe(1);
    expect(table?.seq).toBe(3);
    expect([...(table?.rows.values() ?? [])].map((r) => r.localPort).sort()).toEqual([2001, 2002]);
    sync.stop();
  });

  it('ignores stale deltas and stops delivering after stop()', async () => {
    const { api, control } = createFakeApi([]);
    let count = 0;
    const sync = startSnapshotSync(api, () => {
      count += 1;
    });
    await sync.ready;
    sync.stop();
    control.add([makeConnection({ localPort: 3001 })]);
    await settle();
    expect(count).toBe(1);
  });
});
