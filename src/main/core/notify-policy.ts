/**
 * Which desktop notifications to show, decided without Electron: a notice from the service, the
 * user's settings and what was sent recently go in; "notify, with this title and body" or "do not,
 * for this reason" comes out. The shell only turns the answer into an Electron `Notification`.
 *
 * Rate limits, so a flapping probe or a burst of new listeners (a container starting twenty
 * services) cannot bury the desktop in toasts:
 * - the same subject (probe or socket) and kind at most once per {@link NOTIFY_LIMITS.repeatWindowMs};
 * - at most {@link NOTIFY_LIMITS.perKindMax} notifications per kind per {@link NOTIFY_LIMITS.perKindWindowMs}.
 */
import type { Settings } from '../../shared/model';
import type { ServiceNotice } from './service';

/** Rate limits of {@link decideNotification}. */
export const NOTIFY_LIMITS = {
  repeatWindowMs: 60_000,
  perKindWindowMs: 60_000,
  perKindMax: 3,
} as const;

/** A notice kind. */
export type NoticeKind = ServiceNotice['kind'];

/** A notification that was shown (the policy's memory). */
export interface SentNotification {
  kind: NoticeKind;
  /** The probe id or socket key the notification was about. */
  subject: string;
  at: number;
}

/** The policy's answer. */
export type NotifyDecision =
  | { notify: true; title: string; body: string; record: SentNotification }
  | { notify: false; reason: 'muted' | 'repeat' | 'rate-limited' };

/** The setting that mutes each kind (health is muted by Settings.health.notify before it gets here). */
const SETTING_OF: Record<Exclude<NoticeKind, 'health'>, keyof Settings['notifications']> = {
  'probe-down': 'probeDown',
  'probe-up': 'probeUp',
  'new-listener': 'newListener',
  'newly-exposed': 'newlyExposed',
};

function subjectOf(notice: ServiceNotice): string {
  return 'probeId' in notice ? notice.probeId : 'key' in notice ? notice.key : notice.id;
}

function textOf(notice: ServiceNotice): { title: string; body: string } {
  switch (notice.kind) {
    case 'probe-down':
      return { title: `Probe down: ${notice.label}`, body: notice.message };
    case 'probe-up':
      return { title: `Probe up again: ${notice.label}`, body: notice.message };
    case 'new-listener':
      return { title: `New listener on ${notice.endpoint}`, body: `${notice.process ?? 'An unknown process'} started listening on ${notice.endpoint}.` };
    case 'newly-exposed':
      return {
        title: `Now reachable from the network: ${notice.endpoint}`,
        body: `${notice.process ?? 'An unknown process'} accepts connections from other machines on ${notice.endpoint}.`,
      };
    case 'health':
      return { title: notice.title, body: notice.message };
  }
}

/** Decides whether to show a notification for `notice` at `now` (epoch ms). */
export function decideNotification(
  notice: ServiceNotice,
  notifications: Settings['notifications'],
  history: readonly SentNotification[],
  now: number,
): NotifyDecision {
  if (notice.kind !== 'health' && !notifications[SETTING_OF[notice.kind]]) return { notify: false, reason: 'muted' };
  const subject = subjectOf(notice);
  const recent = history.filter((sent) => sent.kind === notice.kind && now - sent.at >= 0);
  if (recent.some((sent) => sent.subject === subject && now - sent.at < NOTIFY_LIMITS.repeatWindowMs)) {
    return { notify: false, reason: 'repeat' };
  }
  if (recent.filter((sent) => now - sent.at < NOTIFY_LIMITS.perKindWindowMs).length >= NOTIFY_LIMITS.perKindMax) {
    return { notify: false, reason: 'rate-limited' };
  }
  return { notify: true, ...textOf(notice), record: { kind: notice.kind, subject, at: now } };
}

/** The history without entries too old to matter, so the shell's memory stays bounded. */
export function pruneHistory(history: readonly SentNotification[], now: number): SentNotification[] {
  const horizon = Math.max(NOTIFY_LIMITS.repeatWindowMs, NOTIFY_LIMITS.perKindWindowMs);
  return history.filter((sent) => now - sent.at < horizon && now - sent.at >= 0);
}
