/**
 * Notifications in the browser (the page of `portwatch serve`), through the Web Notifications API,
 * with the desktop's policy and rate limits (src/shared/notify-policy.ts). The desktop app keeps its
 * native notifications from the main process, so this stays off when the transport is IPC.
 *
 * Permission is asked only from a user's action (enabling a notification in Settings, or the
 * "Allow notifications" button): browsers ignore or penalise prompts nobody asked for.
 */
import { defineStore } from 'pinia';
import { inject, ref } from 'vue';
import type { Ref } from 'vue';
import { createNotifier, noticeFromProbeResult, noticeSubject, noticesFromDelta } from '../../shared/notify-policy';
import type { Notice } from '../../shared/notify-policy';
import { API_KEY } from '../api-key';
import { useProbesStore } from './probes';
import { useSettingsStore } from './settings';

/** The part of the Web Notifications API used here (the browser's `Notification`, or a fake). */
export interface WebNotificationApi {
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  new (title: string, options?: NotificationOptions): { onclick: ((event: Event) => void) | null };
}

/** Where notifications stand in this browser, for Settings to explain. */
export type WebNotificationState = NotificationPermission | 'unsupported' | 'insecure' | 'desktop';

/** What the notifications store exposes. */
export interface NotificationsStore {
  state: Ref<WebNotificationState>;
  /** How many notifications this page has shown (for tests and the Settings line). */
  shown: Ref<number>;
  /** Starts listening once capabilities are known; does nothing on the desktop. */
  start(): void;
  stop(): void;
  /** Asks the browser for permission; call from a user's action only. */
  requestPermission(): Promise<WebNotificationState>;
}

/** The browser's Notification, or null where there is none. */
function browserNotification(): WebNotificationApi | null {
  const candidate = (globalThis as { Notification?: WebNotificationApi }).Notification;
  return typeof candidate === 'function' ? candidate : null;
}

/** The notifications store. */
export const useNotificationsStore = defineStore('notifications', (): NotificationsStore => {
  const api = inject(API_KEY, null);
  const settings = useSettingsStore();
  const probes = useProbesStore();
  const state = ref<WebNotificationState>('default');
  const shown = ref(0);
  const notifier = createNotifier();
  let unsubscribers: Array<() => void> = [];

  const web = (): WebNotificationApi | null => browserNotification();

  function currentState(): WebNotificationState {
    if (settings.capabilities?.transport === 'ipc') return 'desktop';
    const N = web();
    if (N === null) return 'unsupported';
    // Browsers offer notifications to secure pages only (https, or loopback over http).
    if (globalThis.isSecureContext === false) return 'insecure';
    return N.permission;
  }

  function show(notice: Notice): void {
    state.value = currentState();
    const N = web();
    if (N === null || state.value !== 'granted') return;
    const decision = notifier.decide(notice, settings.settings.notifications, Date.now());
    if (!decision.notify) return;
    // The tag makes two tabs of the same server show one notification, not two.
    const notification = new N(decision.title, { body: decision.body, tag: `portwatch:${notice.kind}:${noticeSubject(notice)}`, silent: notice.kind === 'probe-up' });
    notification.onclick = () => globalThis.focus?.();
    shown.value += 1;
  }

  function start(): void {
    state.value = currentState();
    if (!api || unsubscribers.length > 0 || state.value === 'desktop') return;
    // What exists when the page starts watching is not news: skip the first delta, as main does.
    let baseline = true;
    unsubscribers = [
      api.onSnapshotDelta((delta) => {
        if (baseline) {
          baseline = false;
          return;
        }
        noticesFromDelta(delta).forEach(show);
      }),
      api.onProbeResult((result) => {
        const notice = noticeFromProbeResult(result, probes.probes.find((p) => p.spec.id === result.probeId)?.spec.label);
        if (notice) show(notice);
      }),
    ];
  }

  function stop(): void {
    unsubscribers.forEach((unsubscribe) => unsubscribe());
    unsubscribers = [];
  }

  async function requestPermission(): Promise<WebNotificationState> {
    const N = web();
    state.value = currentState();
    if (N === null || state.value !== 'default') return state.value;
    try {
      await N.requestPermission();
    } catch {
      // Old browsers take a callback instead; the permission below tells what happened.
    }
    state.value = currentState();
    return state.value;
  }

  return { state, shown, start, stop, requestPermission };
});
