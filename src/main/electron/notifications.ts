/**
 * Desktop notifications for the service's notices. What to show is decided by the pure policy
 * (src/main/core/notify-policy.ts); this file keeps its memory and shows Electron notifications.
 */
import { Notification } from 'electron';
import type { Unsubscribe } from '../../shared/api';
import type { Settings } from '../../shared/model';
import { decideNotification, pruneHistory } from '../core/notify-policy';
import type { SentNotification } from '../core/notify-policy';
import type { PortwatchService, ServiceNotice } from '../core/service';

/** What {@link setupNotifications} needs. */
export interface NotificationOptions {
  service: PortwatchService;
  /** The current notification settings (read on every notice: the user may mute a kind any time). */
  settings(): Settings['notifications'];
  now(): number;
  /** Brings the window to the front when a notification is clicked. */
  showWindow(): void;
  /** Also told about every notice (the tray's attention icon). */
  onNotice?(notice: ServiceNotice): void;
}

/** Shows notifications for the service's notices; returns the unsubscribe function. */
export function setupNotifications(options: NotificationOptions): Unsubscribe {
  let history: SentNotification[] = [];
  return options.service.onNotice((notice) => {
    options.onNotice?.(notice);
    const now = options.now();
    history = pruneHistory(history, now);
    const decision = decideNotification(notice, options.settings(), history, now);
    if (!decision.notify || !Notification.isSupported()) return;
    history.push(decision.record);
    const notification = new Notification({ title: decision.title, body: decision.body, silent: notice.kind === 'probe-up' });
    notification.on('click', () => options.showWindow());
    notification.show();
  });
}
