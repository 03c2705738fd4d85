import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PortwatchApi } from '../../../src/shared/api';
import type { ProbeResult } from '../../../src/shared/model';
import { NOTIFY_LIMITS } from '../../../src/shared/notify-policy';
import { useNotificationsStore } from '../../../src/renderer/stores/notifications';
import { useProbesStore } from '../../../src/renderer/stores/probes';
import { useSettingsStore } from '../../../src/renderer/stores/settings';
import { makeConnection } from '../../support/connections';
import { createFakeApi } from '../../support/fake-api';
import { settle, storeApp } from '../support/store-app';

/** A Web Notifications API that records what the page showed and asked. */
function fakeNotificationApi(initial: NotificationPermission): {
  shown: Array<{ title: string; options: NotificationOptions | undefined }>;
  requests: () => number;
  Fake: unknown;
} {
  const shown: Array<{ title: string; options: NotificationOptions | undefined }> = [];
  let requests = 0;
  class Fake {
    static permission: NotificationPermission = initial;
    static requestPermission(): Promise<NotificationPermission> {
      requests += 1;
      Fake.permission = 'granted';
      return Promise.resolve(Fake.permission);
    }
    onclick: ((event: Event) => void) | null = null;
    constructor(title: string, options?: NotificationOptions) {
      shown.push({ title, options });
    }
  }
  return { shown, requests: () => requests, Fake };
}

const down = (probeId: string, at: number): ProbeResult => ({
  probeId,
  kind: 'tcp',
  at,
  outcome: 'refused',
  ok: false,
  latencyMs: null,
  message: 'connection refused: nothing listens on 127.0.0.1:9',
  health: 'down',
  transition: 'down',
});

async function setup(transport: 'websocket' | 'ipc', permission: NotificationPermission = 'granted'): Promise<{
  fake: ReturnType<typeof createFakeApi>;
  browser: ReturnType<typeof fakeNotificationApi>;
  store: ReturnType<typeof useNotificationsStore>;
}> {
  const fake = createFakeApi();
  const browser = fakeNotificationApi(permission);
  vi.stubGlobal('Notification', browser.Fake);
  const api: PortwatchApi = { ...fake.api, getCapabilities: async () => ({ ...(await fake.api.getCapabilities()), transport }) };
  storeApp(api);
  await useSettingsStore().load();
  await useProbesStore().load();
  const store = useNotificationsStore();
  store.start();
  return { fake, browser, store };
}

describe('notifications in the browser', () => {
  beforeEach(() => {
    vi.useRealTimers();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('shows a probe that went down, worded and rate-limited as on the desktop', async () => {
    const { fake, browser } = await setup('websocket');
    await useProbesStore().save({ id: 'db', label: 'Database', kind: 'tcp', host: '127.0.0.1', port: 9, intervalMs: 1000, timeoutMs: 500, enabled: true, downAfter: 1, upAfter: 1 }, false);
    fake.control.emitProbeResult(down('db', 1));
    // The same probe again within the repeat window: the policy stays quiet.
    fake.control.emitProbeResult(down('db', 2));
    expect(browser.shown).toEqual([
      {
        title: 'Probe down: Database',
        options: { body: 'connection refused: nothing listens on 127.0.0.1:9', tag: 'portwatch:probe-down:db', silent: false },
      },
    ]);
    for (let i = 0; i < NOTIFY_LIMITS.perKindMax + 2; i += 1) fake.control.emitProbeResult(down(`p${i}`, 10 + i));
    expect(browser.shown).toHaveLength(NOTIFY_LIMITS.perKindMax);
  });

  it('skips the listeners present when the page started, then shows new ones', async () => {
    const { fake, browser } = await setup('websocket');
    fake.control.add([makeConnection({ localAddress: '127.0.0.1', localPort: 7000 })]);
    await settle();
    expect(browser.shown).toEqual([]);
    fake.control.add([makeConnection({ localAddress: '127.0.0.1', localPort: 7001, owners: [{ pid: 5, name: 'redis-server' }] })]);
    await settle();
    expect(browser.shown.map((n) => n.title)).toEqual(['New listener on TCP 127.0.0.1:7001']);
  });

  it('follows the settings: a muted kind shows nothing', async () => {
    const { fake, browser } = await setup('websocket');
    await useSettingsStore().save({ notifications: { probeDown: false, probeUp: true, newListener: true, newlyExposed: true } });
    fake.control.emitProbeResult(down('db', 1));
    expect(browser.shown).toEqual([]);
  });

  it('shows nothing until the browser allows it, and asks only when told to (a user’s action)', async () => {
    const { fake, browser, store } = await setup('websocket', 'default');
    expect(store.state).toBe('default');
    fake.control.emitProbeResult(down('db', 1));
    expect(browser.shown).toEqual([]);
    expect(browser.requests()).toBe(0);
    await expect(store.requestPermission()).resolves.toBe('granted');
    expect(browser.requests()).toBe(1);
    fake.control.emitProbeResult(down('web', 2));
    expect(browser.shown.map((n) => n.title)).toEqual(['Probe down: web']);
  });

  it('stays out of the desktop app, whose main process shows native notifications', async () => {
    const { fake, browser, store } = await setup('ipc');
    expect(store.state).toBe('desktop');
    fake.control.emitProbeResult(down('db', 1));
    await expect(store.requestPermission()).resolves.toBe('desktop');
    expect(browser.shown).toEqual([]);
    expect(browser.requests()).toBe(0);
  });

  it('says when the browser has no notifications at all', async () => {
    const { store } = await setup('websocket');
    vi.stubGlobal('Notification', undefined);
    await expect(store.requestPermission()).resolves.toBe('unsupported');
  });
});
