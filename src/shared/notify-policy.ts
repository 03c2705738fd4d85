/**
 * Which notifications to show, decided without Electron or the DOM, so the desktop (native
 * notifications, src/main/electron/notifications.ts) and the browser page of `portwatch serve` (the
 * Web Notifications API, src/renderer/notifications.ts) follow one policy: what is news (a listener
 * appearing, a probe flipping), the user's settings, and the rate limits.
 *
 * Rate limits, so a flapping probe or a burst of new listeners (a container starting twenty
 * services) cannot bury the desktop in toasts:
 * - the same subject (probe or socket) and kind at most once per {@link NOTIFY_LIMITS.repeatWindowMs};
 * - at most {@link NOTIFY_LIMITS.perKindMax} notifications per kind per {@link NOTIFY_LIMITS.perKindWindowMs}.
 */
import { formatEndpoint } from './net';
import type { ProbeResult, Settings, SnapshotDelta } from './model';

/** A newsworthy event (tray icon, notifications). */
export type Notice =
  | { kind: 'probe-down' | 'probe-up'; probeId: string; label: string; message: string; at: number }
  | { kind: 'new-listener' | 'newly-exposed'; key: string; endpoint: string; process: string | null; at: number }
  /** A socket health signal appeared (already rate-limited and filtered by Settings.health.notify). */
  | { kind: 'health'; id: string; title: string; message: string; at: number };

/** Rate limits of {@link decideNotification}. */
export const NOTIFY_LIMITS = {
  repeatWindowMs: 60_000,
  perKindWindowMs: 60_000,
  perKindMax: 3,
} as const;

/** A notice kind. */
export type NoticeKind = Notice['kind'];

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

/** The probe id or socket key a notice is about. */
export function noticeSubject(notice: Notice): string {
  return 'probeId' in notice ? notice.probeId : 'key' in notice ? notice.key : notice.id;
}

/**
 * The notices one delta carries: a listener (LISTEN, or unconnected UDP) that appeared, and one
 * that accepts connections from beyond this machine. The caller skips the first delta it sees:
 * what exists when it starts watching is not news.
 */
export function noticesFromDelta(delta: SnapshotDelta): Notice[] {
  const notices: Notice[] = [];
  for (const row of delta.added) {
    if (row.state !== 'LISTEN' && row.state !== 'UNCONN') continue;
    const endpoint = `${row.protocol.toUpperCase()} ${formatEndpoint(row.localAddress, row.localPort)}`;
    const process = row.owners[0]?.name ?? null;
    const at = delta.capturedAt;
    if (row.state === 'LISTEN') notices.push({ kind: 'new-listener', key: row.key, endpoint, process, at });
    if (row.exposure === 'all-interfaces' || row.exposure === 'specific') notices.push({ kind: 'newly-exposed', key: row.key, endpoint, process, at });
  }
  return notices;
}

/** The notice of a probe result that flipped the probe's health, or null when it did not. */
export function noticeFromProbeResult(result: ProbeResult, label: string | undefined): Notice | null {
  if (result.transition === null) return null;
  return {
    kind: result.transition === 'down' ? 'probe-down' : 'probe-up',
    probeId: result.probeId,
    label: label || result.label || result.probeId,
    message: result.message,
    at: result.at,
  };
}

function textOf(notice: Notice): { title: string; body: string } {
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
  notice: Notice,
  notifications: Settings['notifications'],
  history: readonly SentNotification[],
  now: number,
): NotifyDecision {
  if (notice.kind !== 'health' && !notifications[SETTING_OF[notice.kind]]) return { notify: false, reason: 'muted' };
  const subject = noticeSubject(notice);
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

/**
 * The policy with its memory: feed it notices, it answers what to show. One per surface (the
 * desktop shell, each browser page).
 */
export interface Notifier {
  decide(notice: Notice, notifications: Settings['notifications'], now: number): NotifyDecision;
}

/** Creates a {@link Notifier} with an empty memory. */
export function createNotifier(): Notifier {
  let history: SentNotification[] = [];
  return {
    decide(notice, notifications, now) {
      history = pruneHistory(history, now);
      const decision = decideNotification(notice, notifications, history, now);
      if (decision.notify) history.push(decision.record);
      return decision;
    },
  };
}
