import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/shared/defaults';
import { changedFields, checkForm, formFromSettings, inUserWords, rebaseForm } from '../../src/renderer/settings-form';

const base = formFromSettings({ ...DEFAULT_SETTINGS, pollIntervalMs: 2000, closedRetentionMs: 10_000 });

describe('the Settings form model', () => {
  it('shows milliseconds as seconds', () => {
    expect(base).toMatchObject({ intervalS: 2, retentionS: 10, theme: DEFAULT_SETTINGS.theme });
  });

  it('saves every edited field and only those, in milliseconds', () => {
    const form = { ...base, intervalS: 2.5, theme: 'dark' as const, notifications: { ...base.notifications, probeUp: false } };
    expect(changedFields(form, base)).toEqual(['intervalS', 'theme', 'notifications']);
    expect(checkForm(form, base, false)).toEqual({
      ok: true,
      patch: { pollIntervalMs: 2500, theme: 'dark', notifications: { ...base.notifications, probeUp: false } },
    });
    expect(checkForm(base, base, false)).toEqual({ ok: true, patch: {} });
  });

  it('leaves close-to-tray out where there is no tray', () => {
    const form = { ...base, closeToTray: !base.closeToTray };
    expect(checkForm(form, base, false)).toEqual({ ok: true, patch: {} });
    expect(checkForm(form, base, true)).toEqual({ ok: true, patch: { closeToTray: form.closeToTray } });
  });

  it.each([
    ['an interval under 0.5 s', { intervalS: 0.2 }, { intervalS: 'Poll interval must be between 0.5 and 60 seconds' }],
    ['an interval over 60 s', { intervalS: 61 }, { intervalS: 'Poll interval must be between 0.5 and 60 seconds' }],
    ['an empty interval', { intervalS: '' }, { intervalS: 'Poll interval must be between 0.5 and 60 seconds; enter a number' }],
    ['a negative retention', { retentionS: -1 }, { retentionS: 'Closed rows can be kept for 0 to 3 600 seconds' }],
    [
      'both wrong at once',
      { intervalS: 0, retentionS: 'x' },
      { intervalS: 'Poll interval must be between 0.5 and 60 seconds', retentionS: 'Closed rows can be kept for 0 to 3 600 seconds; enter a number' },
    ],
  ])('refuses %s in the form’s words and units', (_name, edit, errors) => {
    expect(checkForm({ ...base, ...edit }, base, false)).toEqual({ ok: false, errors });
  });

  it('accepts the limits themselves', () => {
    expect(checkForm({ ...base, intervalS: 0.5, retentionS: 3600 }, base, false)).toEqual({ ok: true, patch: { pollIntervalMs: 500, closedRetentionMs: 3_600_000 } });
    expect(checkForm({ ...base, intervalS: '60' }, base, false)).toEqual({ ok: true, patch: { pollIntervalMs: 60_000 } });
  });

  it('keeps the user’s edits when the saved settings change underneath, and takes the rest', () => {
    const edited = { ...base, intervalS: 7, theme: 'dark' as const };
    const newer = formFromSettings({ ...DEFAULT_SETTINGS, pollIntervalMs: 3000, closedRetentionMs: 0, reverseDns: !DEFAULT_SETTINGS.reverseDns });
    expect(rebaseForm(edited, base, newer)).toEqual({ ...newer, intervalS: 7, theme: 'dark' });
  });

  it('words the service’s messages for the form: labels instead of code names, seconds instead of ms', () => {
    expect(inUserWords('pollIntervalMs must be at least 500 ms')).toBe('Poll interval must be at least 0.5 seconds');
    expect(inUserWords('closedRetentionMs must be at most 3600000 ms')).toBe('Closed-row retention must be at most 3 600 seconds');
    expect(inUserWords('theme must be system, light or dark; notifications.probeUp must be true or false')).toBe(
      'Theme must be system, light or dark; Notify when a probe comes back up must be true or false',
    );
    expect(inUserWords('the settings file could not be written')).toBe('the settings file could not be written');
  });
});
