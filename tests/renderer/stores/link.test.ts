import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONNECTION_KEY } from '../../../src/renderer/api-key';
import { useConnectionsStore } from '../../../src/renderer/stores/connections';
import { useLinkStore } from '../../../src/renderer/stores/link';
import { useSettingsStore } from '../../../src/renderer/stores/settings';
import { createFakeApi } from '../../support/fake-api';
import { createFakeMonitor } from '../../support/fake-monitor';
import { settle, storeApp } from '../support/store-app';

/** A link store over the fake API and a scripted monitor, started, at a fake 100 s clock. */
async function startLink(): Promise<{ fake: ReturnType<typeof createFakeApi>; scripted: ReturnType<typeof createFakeMonitor>; connections: ReturnType<typeof useConnectionsStore>; link: ReturnType<typeof useLinkStore> }> {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(100_000);
  const fake = createFakeApi();
  const scripted = createFakeMonitor();
  const { app } = storeApp(fake.api);
  app.provide(CONNECTION_KEY, scripted.monitor);
  const connections = useConnectionsStore();
  connections.start();
  const link = useLinkStore();
  link.start();
  await settle();
  return { fake, scripted, connections, link };
}

describe('useLinkStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads connected, named after the transport, when no monitor is provided', async () => {
    const fake = createFakeApi();
    storeApp(fake.api);
    const link = useLinkStore();
    expect(link.monitored).toBe(false);
    expect(link.words.headline).toBe('Connected');
    await useSettingsStore().load();
    expect(link.words.headline).toBe('Connected over fake');
  });

  it('follows the monitor, marks the data stale with its age, and names the state in the title', async () => {
    const { scripted, connections, link } = await startLink();
    expect(connections.status).not.toBeNull();
    expect(link.freshness).toEqual({ kind: 'live' });
    expect(link.title).toMatch(/^Portwatch — 1 socket · 1 listening$/);

    scripted.set({ kind: 'reconnecting', attempt: 2, nextRetryAt: 104_000, reason: 'the server stopped answering' });
    expect(link.words).toMatchObject({ headline: 'Reconnecting (attempt 2)…', countdown: 'Next try in 4 s.' });
    vi.advanceTimersByTime(2000);
    expect(link.words.countdown).toBe('Next try in 2 s.');
    expect(link.freshness).toEqual({ kind: 'stale', why: 'link', ageMs: 2000 });
    expect(link.title.startsWith('[Reconnecting] Portwatch — ')).toBe(true);

    scripted.set({ kind: 'disconnected', reason: 'the token changed', action: 'open the new URL that portwatch serve printed' });
    expect(link.words.detail).toBe('The token changed. Open the new URL that portwatch serve printed.');
    expect(link.title.startsWith('[Disconnected] Portwatch — ')).toBe(true);
    link.stop();
    expect(scripted.listeners()).toBe(0);
  });

  it('tells a collector that stopped answering apart from a lost link', async () => {
    const { fake, link } = await startLink();
    // The fake's interval is 1 s: silent after 3 × 1 s + 5 s without a poll.
    fake.control.setStatus({ intervalMs: 1000 });
    await settle();
    vi.advanceTimersByTime(8000);
    expect(link.silent).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(link.silent).toBe(true);
    expect(link.freshness).toMatchObject({ kind: 'stale', why: 'collector' });
    expect(link.words.headline).toBe('Connected over websocket');
    fake.control.setStatus({ ok: true });
    await settle();
    expect(link.silent).toBe(false);
    link.stop();
  });
});
