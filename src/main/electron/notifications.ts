/**
 * Desktop notifications for the service's notices. What to show is decided by the shared policy
 * (src/shared/notify-policy.ts, which the browser page uses too); this file shows Electron's.
 */
import { Notification } from 'electron';
import type { Unsubscribe } from '../../shared/api';
import type { Settings } from '../../shared/model';
import { createNotifier } from '../core/notify-policy';
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
  const notifier = createNotifier();
  return options.service.onNotice((notice) => {
    options.onNotice?.(notice);
    if (!Notification.isSupported()) return;
    const decision = notifier.decide(notice, options.settings(), options.now());
    if (!decision.notify) return;
    const notification = new Notification({ title: decision.title, body: decision.body, silent: notice.kind === 'probe-up' });
    notification.on('click', () => options.showWindow());
    notification.show();
  });
}
