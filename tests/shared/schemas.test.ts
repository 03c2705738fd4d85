import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/shared/defaults';
import { settingsSchema, validate, validateArgs } from '../../src/shared/schemas';

describe('argument schemas', () => {
  it('accepts valid arguments for each method', () => {
    expect(validateArgs('getSnapshot', []).ok).toBe(true);
    expect(validateArgs('getHistory', [{ durationMs: 60_000 }]).ok).toBe(true);
    expect(validateArgs('exportSnapshot', [{ format: 'csv', columns: ['protocol', 'pid'], separator: ';', bom: true }]).ok).toBe(true);
    expect(validateArgs('setSettings', [{ theme: 'dark' }]).ok).toBe(true);
    expect(validateArgs('endProcess', [{ pid: 123 }]).ok).toBe(true);
  });

  it.each([
    ['getSnapshot', ['extra'], /getSnapshot: /],
    ['getHistory', [{ durationMs: 1 }], /durationMs must be at least 60000 ms/],
    ['getHistory', [{ durationMs: 60_000, extra: 1 }], /extra/],
    ['getHistory', [], /getHistory: /],
    ['exportSnapshot', [{ format: 'csv', columns: ['protocol', 'protocol'] }], /columns must not repeat a column/],
    ['exportSnapshot', [{ format: 'csv', columns: ['nope'] }], /columns must be among/],
    ['exportSnapshot', [{ format: 'csv', separator: '|' }], /separator must be a comma, a semicolon or a tab/],
    ['setSettings', [{ pollIntervalMs: 100 }], /pollIntervalMs must be at least 500 ms/],
    ['setSettings', [{ notifications: { probeDown: 'yes' } }], /notifications/],
    ['endProcess', [{ pid: 1.5 }], /pid must be a whole number/],
    ['deleteProbe', ['../etc'], /id is not a probe id/],
  ] as const)('%s(%j) is refused: %s', (method, args, message) => {
    const result = validateArgs(method, args);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('the defaults satisfy the settings schema', () => {
    expect(validate(settingsSchema, DEFAULT_SETTINGS)).toEqual({ ok: true, value: DEFAULT_SETTINGS });
  });

  it('never throws on hostile input', () => {
    const hostile: unknown[] = [null, undefined, 42, 'x', [], [null], [Symbol('x')], [new Proxy({}, {})]];
    for (const value of hostile) {
      expect(() => validateArgs('exportSnapshot', value)).not.toThrow();
      expect(validateArgs('exportSnapshot', value).ok).toBe(false);
    }
  });
});
