/**
 * The Settings form as a model: what the user is editing (in the units the form shows: seconds),
 * what it was based on, which fields differ, the checks in the user's words, and the patch to save.
 * Pure functions, so the view stays thin and the rules are tested without a DOM.
 */
import type { Settings } from '../shared/model';
import { LIMITS } from '../shared/schemas';

/** The form's values. Number inputs hold '' while empty, so numbers may arrive as text. */
export interface SettingsForm {
  intervalS: number | string;
  retentionS: number | string;
  theme: Settings['theme'];
  closeToTray: boolean;
  reverseDns: boolean;
  notifications: Settings['notifications'];
}

/** A field of the form. */
export type FormField = keyof SettingsForm;

/** What each field is called on screen (the words messages use). */
export const FIELD_LABELS: Record<FormField, string> = {
  intervalS: 'Poll interval',
  retentionS: 'Closed-row retention',
  theme: 'Theme',
  closeToTray: 'Close to tray',
  reverseDns: 'Reverse DNS',
  notifications: 'Notifications',
};

const FIELDS = Object.keys(FIELD_LABELS) as FormField[];

/** The form for saved settings. */
export function formFromSettings(settings: Settings): SettingsForm {
  return {
    intervalS: settings.pollIntervalMs / 1000,
    retentionS: settings.closedRetentionMs / 1000,
    theme: settings.theme,
    closeToTray: settings.closeToTray,
    reverseDns: settings.reverseDns,
    notifications: { ...settings.notifications },
  };
}

function same(form: SettingsForm, other: SettingsForm, field: FormField): boolean {
  if (field === 'notifications') {
    const a = form.notifications;
    const b = other.notifications;
    return (Object.keys(a) as Array<keyof Settings['notifications']>).every((key) => a[key] === b[key]);
  }
  if (field === 'intervalS' || field === 'retentionS') return String(form[field]) === String(other[field]);
  return form[field] === other[field];
}

/** The fields where `form` differs from `base`, in form order. */
export function changedFields(form: SettingsForm, base: SettingsForm): FormField[] {
  return FIELDS.filter((field) => !same(form, base, field));
}

/**
 * The form after its base changed underneath it (settings loaded, or saved by another window):
 * fields the user edited keep the edit, the others take the new values.
 */
export function rebaseForm(form: SettingsForm, oldBase: SettingsForm, newBase: SettingsForm): SettingsForm {
  const next: SettingsForm = { ...newBase, notifications: { ...newBase.notifications } };
  for (const field of changedFields(form, oldBase)) {
    if (field === 'notifications') next.notifications = { ...form.notifications };
    else (next as unknown as Record<FormField, unknown>)[field] = form[field];
  }
  return next;
}

/** `1.5` → "1.5", `3600` → "3 600": numbers as a message should show them. */
function plain(value: number): string {
  return value >= 1000 ? value.toLocaleString('en-US').replace(/,/g, ' ') : String(value);
}

/** Milliseconds from a form value in seconds, or the `rule` it breaks (said in the form's words). */
function seconds(value: number | string, rule: string, minMs: number, maxMs: number): { ok: true; ms: number } | { ok: false; error: string } {
  const text = String(value).trim();
  const number = typeof value === 'number' ? value : Number(text);
  if (text === '' || !Number.isFinite(number)) return { ok: false, error: `${rule}; enter a number` };
  const ms = Math.round(number * 1000);
  return ms < minMs || ms > maxMs ? { ok: false, error: rule } : { ok: true, ms };
}

/** The outcome of checking the form: the patch to save, or one message per bad field. */
export type FormCheck = { ok: true; patch: Partial<Settings> } | { ok: false; errors: Partial<Record<FormField, string>> };

/**
 * Checks every field in the form's own units and words, and builds the patch of the fields that
 * differ from `base` (so a save never overwrites what another window changed in other fields).
 * `tray`: whether close-to-tray exists here.
 */
export function checkForm(form: SettingsForm, base: SettingsForm, tray: boolean): FormCheck {
  const interval = seconds(
    form.intervalS,
    `${FIELD_LABELS.intervalS} must be between ${plain(LIMITS.pollIntervalMinMs / 1000)} and ${plain(LIMITS.pollIntervalMaxMs / 1000)} seconds`,
    LIMITS.pollIntervalMinMs,
    LIMITS.pollIntervalMaxMs,
  );
  const retention = seconds(form.retentionS, `Closed rows can be kept for 0 to ${plain(LIMITS.closedRetentionMaxMs / 1000)} seconds`, 0, LIMITS.closedRetentionMaxMs);
  if (!interval.ok || !retention.ok) {
    const errors: Partial<Record<FormField, string>> = {};
    if (!interval.ok) errors.intervalS = interval.error;
    if (!retention.ok) errors.retentionS = retention.error;
    return { ok: false, errors };
  }
  const patch: Partial<Settings> = {};
  for (const field of changedFields(form, base)) {
    switch (field) {
      case 'intervalS':
        patch.pollIntervalMs = interval.ms;
        break;
      case 'retentionS':
        patch.closedRetentionMs = retention.ms;
        break;
      case 'theme':
        patch.theme = form.theme;
        break;
      case 'closeToTray':
        if (tray) patch.closeToTray = form.closeToTray;
        break;
      case 'reverseDns':
        patch.reverseDns = form.reverseDns;
        break;
      case 'notifications':
        patch.notifications = { ...form.notifications };
        break;
    }
  }
  return { ok: true, patch };
}

/** Settings fields in milliseconds, with what the form calls them. */
const MS_FIELDS: Record<string, string> = { pollIntervalMs: FIELD_LABELS.intervalS, closedRetentionMs: FIELD_LABELS.retentionS };
/** Other settings fields, with their words. */
const OTHER_FIELDS: Record<string, string> = {
  theme: FIELD_LABELS.theme,
  closeToTray: FIELD_LABELS.closeToTray,
  reverseDns: FIELD_LABELS.reverseDns,
  socketSource: 'Socket source',
  'notifications.probeDown': 'Notify when a probe goes down',
  'notifications.probeUp': 'Notify when a probe comes back up',
  'notifications.newListener': 'Notify about a new listening port',
  'notifications.newlyExposed': 'Notify about a newly reachable port',
};

/**
 * A message from the service about settings, in the form's words and units: the service names
 * code fields in milliseconds (`pollIntervalMs must be at least 500 ms`); the form says "Poll
 * interval must be at least 0.5 seconds".
 */
export function inUserWords(message: string): string {
  let text = message.replace(/\b(pollIntervalMs|closedRetentionMs)\b([^;]*?)(-?\d+) ms\b/g, (_all, field: string, middle: string, ms: string) => {
    return `${MS_FIELDS[field] ?? field}${middle}${plain(Number(ms) / 1000)} seconds`;
  });
  for (const [field, label] of Object.entries({ ...MS_FIELDS, ...OTHER_FIELDS })) {
    text = text.replace(new RegExp(`\\b${field.replace('.', '\\.')}\\b`, 'g'), label);
  }
  return text;
}
