import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_SETTINGS, DEFAULT_SETTINGS } from '../../src/shared/defaults';
import { settingsPatchSchema, settingsSchema, validate } from '../../src/shared/schemas';

describe('settings: trafficEnabled and health', () => {
  it('are optional, so settings saved before they existed still load', () => {
    expect(validate(settingsSchema, DEFAULT_SETTINGS)).toEqual({ ok: true, value: DEFAULT_SETTINGS });
    const full = { ...DEFAULT_SETTINGS, trafficEnabled: false, health: DEFAULT_HEALTH_SETTINGS };
    expect(validate(settingsSchema, full)).toEqual({ ok: true, value: full });
  });

  it.each([
    [{ trafficEnabled: 'yes' }, 'trafficEnabled must be true or false'],
    [{ health: { ...DEFAULT_HEALTH_SETTINGS, closeWaitPerProcess: 0 } }, 'health.closeWaitPerProcess must be at least 1'],
    [{ health: { ...DEFAULT_HEALTH_SETTINGS, synSentAfterMs: 10 } }, 'health.synSentAfterMs must be at least 1000 ms'],
    [{ health: { ...DEFAULT_HEALTH_SETTINGS, acceptQueueRatio: 2 } }, 'health.acceptQueueRatio must be at most 1'],
    [{ health: { ...DEFAULT_HEALTH_SETTINGS, ephemeralPortsRatio: 0 } }, 'health.ephemeralPortsRatio must be at least 0.1'],
    [{ health: { ...DEFAULT_HEALTH_SETTINGS, extra: 1 } }, 'extra'],
  ])('rejects %j', (patch, message) => {
    const checked = validate(settingsPatchSchema, patch);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.error).toContain(message);
  });
});
