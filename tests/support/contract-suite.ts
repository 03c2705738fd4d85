/**
 * The one contract suite every transport runs (the fake, Electron IPC, the WebSocket of `serve`).
 * A harness gives the API under test and a way to make a real change happen (open a loopback
 * listener), so the suite checks behaviour, not shapes alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortwatchApi } from '../../src/shared/api';
import type { Connection, PollStatus, SnapshotDelta, TcpProbeSpec } from '../../src/shared/model';
import { SOCKET_STATES } from '../../src/shared/model';
import { settingsSchema, validate } from '../../src/shared/schemas';
import { startSnapshotSync } from '../../src/shared/snapshot-sync';

/** A listener the harness opened; `close` makes it go away. */
export interface OpenedListener {
  port: number;
  close(): Promise<void>;
}

/** What a transport provides to the suite. */
export interface ContractHarness {
  api: PortwatchApi;
  openListener(): Promise<OpenedListener>;
  dispose(): Promise<void>;
}

/** Waits until `predicate` holds for a value the subscription delivers. */
function waitFor<T>(subscribe: (listener: (value: T) => void) => () => void, predicate: (value: T) => boolean, what: string, ms = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const unsubscribe = subscribe((value) => {
      if (predicate(value)) {
        clearTimeout(timer);
        unsubscribe();
        resolve(value);
      }
    });
  });
}

function checkConnection(row: Connection): void {
  expect(typeof row.key).toBe('string');
  expect(['tcp', 'udp']).toContain(row.protocol);
  expect([4, 6]).toContain(row.family);
  expect(SOCKET_STATES).toContain(row.state);
  expect(Number.isInteger(row.localPort)).toBe(true);
  expect(Array.isArray(row.owners)).toBe(true);
  expect(['visible', 'hidden', 'none']).toContain(row.ownerVisibility);
  if (row.ownerVisibility !== 'visible') expect(row.owners.every((o) => o.exited === true)).toBe(true);
}

const tcpProbe = (id: string): TcpProbeSpec => ({
  kind: 'tcp',
  id,
  label: 'contract probe',
  host: '127.0.0.1',
  port: 9,
  intervalMs: 60_000,
  timeoutMs: 1_000,
  enabled: false,
  downAfter: 3,
  upAfter: 1,
});

/** Registers the contract suite for one transport. */
export function runContractSuite(name: string, createHarness: () => Promise<ContractHarness>): void {
  describe(`PortwatchApi contract: ${name}`, () => {
    let harness: ContractHarness;
    let api: PortwatchApi;

    beforeAll(async () => {
      harness = await createHarness();
      api = harness.api;
    });
    afterAll(async () => {
      await harness?.dispose();
    });

    it('returns a snapshot of well-formed rows with unique keys', async () => {
      const snapshot = await api.getSnapshot();
      expect(Number.isInteger(snapshot.seq)).toBe(true);
      expect(typeof snapshot.hostname).toBe('string');
      expect(typeof snapshot.status.ok).toBe('boolean');
      snapshot.rows.forEach(checkConnection);
      expect(new Set(snapshot.rows.map((r) => r.key)).size).toBe(snapshot.rows.length);
    });

    it('describes its capabilities', async () => {
      const caps = await api.getCapabilities();
      expect(['ipc', 'websocket', 'fake']).toContain(caps.transport);
      expect(typeof caps.version).toBe('string');
      expect(typeof caps.nativeSaveDialog).toBe('boolean');
    });

    it('answers getNatRules with the rules or, in words, why they could not be read', async () => {
      const result = await api.getNatRules();
      if (result.readable) {
        expect(typeof result.source).toBe('string');
        expect(Array.isArray(result.rules)).toBe(true);
        for (const rule of result.rules) {
          expect(['redirect', 'dnat']).toContain(rule.action);
          expect(typeof rule.text).toBe('string');
        }
      } else {
        expect(result.reason).toMatch(/\w{3,}/);
      }
      await expect((api.getNatRules as (...a: unknown[]) => Promise<unknown>)('extra')).rejects.toThrow();
    });

    it('delivers a new listener in a sequenced delta, then its closing', async () => {
      const before = await api.getSnapshot();
      const seqs: number[] = [];
      const stopSeq = api.onSnapshotDelta((d) => seqs.push(d.seq));
      let port = -1;
      const opened = waitFor<SnapshotDelta>(api.onSnapshotDelta, (d) => d.added.some((r) => r.state === 'LISTEN' && r.localPort === port), 'the listener to appear');
      const listener = await harness.openListener();
      port = listener.port;
      const added = await opened;
      expect(added.seq).toBeGreaterThan(before.seq);
      const row = added.added.find((r) => r.localPort === listener.port);
      expect(row).toBeDefined();
      checkConnection(row as Connection);

      const closed = waitFor<SnapshotDelta>(
        api.onSnapshotDelta,
        (d) => d.removedKeys.includes((row as Connection).key) || d.changed.some((r) => r.key === (row as Connection).key && r.change === 'closed'),
        'the listener to close',
      );
      await listener.close();
      await closed;
      stopSeq();
      for (let i = 1; i < seqs.length; i += 1) expect(seqs[i]).toBe((seqs[i - 1] as number) + 1);
    });

    it('keeps a client table in step through SnapshotSync', async () => {
      let sawPort = false;
      const listener = await harness.openListener();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('sync never showed the listener')), 15_000);
        const sync = startSnapshotSync(api, ({ table }) => {
          if ([...table.rows.values()].some((r) => r.localPort === listener.port && r.change !== 'closed')) {
            sawPort = true;
            clearTimeout(timer);
            sync.stop();
            resolve();
          }
        });
      });
      await listener.close();
      expect(sawPort).toBe(true);
    });

    it('stops delivering after unsubscribe', async () => {
      let count = 0;
      const stop = api.onSnapshotDelta(() => {
        count += 1;
      });
      stop();
      const listener = await harness.openListener();
      await waitFor<SnapshotDelta>(api.onSnapshotDelta, (d) => d.added.some((r) => r.localPort === listener.port), 'a delta');
      await listener.close();
      expect(count).toBe(0);
    });

    it('round-trips settings and rejects a bad value naming the field, changing nothing', async () => {
      const initial = await api.getSettings();
      expect(validate(settingsSchema, initial).ok).toBe(true);
      const updated = await api.setSettings({ closedRetentionMs: 20_000 });
      expect(updated.closedRetentionMs).toBe(20_000);
      expect((await api.getSettings()).closedRetentionMs).toBe(20_000);
      await expect(api.setSettings({ pollIntervalMs: 10 })).rejects.toThrow(/pollIntervalMs/);
      await expect(api.setSettings({ theme: 'neon' } as never)).rejects.toThrow(/theme/);
      expect((await api.getSettings()).pollIntervalMs).toBe(updated.pollIntervalMs);
      await api.setSettings({ closedRetentionMs: initial.closedRetentionMs });
    });

    it('saves, lists and deletes a probe; a bad probe is refused whole', async () => {
      const before = (await api.listProbes()).length;
      await expect(api.saveProbe({ ...tcpProbe('contract-bad'), port: 70_000 })).rejects.toThrow(/port/);
      await expect(api.saveProbe({ ...tcpProbe('contract-bad'), host: 'bad host!' })).rejects.toThrow(/host/);
      expect((await api.listProbes()).length).toBe(before);
      const saved = await api.saveProbe(tcpProbe('contract-ok'));
      expect(saved.spec.id).toBe('contract-ok');
      expect((await api.listProbes()).map((p) => p.spec.id)).toContain('contract-ok');
      await api.deleteProbe('contract-ok');
      expect((await api.listProbes()).map((p) => p.spec.id)).not.toContain('contract-ok');
      await expect(api.runProbe('no-such-probe')).rejects.toThrow(/no-such-probe/);
    });

    it('rejects malformed arguments with an Error, never hangs', async () => {
      const loose = api as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      await expect(loose.getHistory?.({ durationMs: 'an hour' })).rejects.toThrow(/durationMs/);
      await expect(loose.getHistory?.()).rejects.toThrow(Error);
      await expect(loose.exportSnapshot?.({ format: 'xls' })).rejects.toThrow(/format/);
      await expect(loose.deleteProbe?.(42)).rejects.toThrow(/id/);
      await expect(loose.endProcess?.({ pid: -1 })).rejects.toThrow(/pid/);
      await expect(loose.getSnapshot?.('extra')).rejects.toThrow(Error);
    });

    it('returns history for a valid window', async () => {
      const history = await api.getHistory({ durationMs: 60_000 });
      expect(history.to).toBeGreaterThanOrEqual(history.from);
      expect(Array.isArray(history.samples)).toBe(true);
    });

    it('pauses and resumes, reporting it in the status', async () => {
      const seen: PollStatus[] = [];
      const stop = api.onStatus((s) => seen.push(s));
      expect((await api.pause()).paused).toBe(true);
      expect((await api.resume()).paused).toBe(false);
      const pausedThenResumed = (): boolean => {
        const firstPaused = seen.findIndex((s) => s.paused);
        return firstPaused >= 0 && seen.slice(firstPaused).some((s) => !s.paused);
      };
      const deadline = Date.now() + 15_000;
      while (!pausedThenResumed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      stop();
      expect(pausedThenResumed()).toBe(true);
    });
  });
}
