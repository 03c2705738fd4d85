/**
 * The notification policy lives in src/shared/notify-policy.ts, so the browser page of `portwatch
 * serve` applies the same rules and rate limits as the desktop; re-exported here for main.
 */
export { NOTIFY_LIMITS, createNotifier, decideNotification, noticeFromProbeResult, noticesFromDelta, pruneHistory } from '../../shared/notify-policy';
export type { Notice, NoticeKind, Notifier, NotifyDecision, SentNotification } from '../../shared/notify-policy';
