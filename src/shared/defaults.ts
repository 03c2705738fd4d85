/** Default values shared by main (the settings store) and the renderer (forms before load). */
import type { HealthSettings, Settings } from './model';

/** Settings a new installation starts with. */
export const DEFAULT_SETTINGS: Settings = {
  pollIntervalMs: 1000,
  closedRetentionMs: 10_000,
  theme: 'system',
  closeToTray: true,
  reverseDns: false,
  socketSource: 'auto',
  notifications: { probeDown: true, probeUp: true, newListener: true, newlyExposed: true },
  journalEnabled: true,
  journalRetentionDays: 7,
  journalMaxMb: 1024,
};

/** Health thresholds when Settings.health is unset. */
export const DEFAULT_HEALTH_SETTINGS: HealthSettings = {
  closeWaitPerProcess: 10,
  synSentAfterMs: 5000,
  acceptQueueRatio: 1,
  ephemeralPortsRatio: 0.7,
  notify: true,
};
