/**
 * Type tests: `tsc -p tsconfig.tests.json` (part of npm test) fails when an `@ts-expect-error` below
 * stops being an error, so these prove that the compiler rejects a channel map missing a method and
 * handlers with the wrong signature. The runtime assertions pin the real channel map.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { CHANNELS, EVENT_METHODS, REQUEST_METHODS } from '../../src/shared/api';
import type { ApiHandlers, ApiMethod, PortwatchApi } from '../../src/shared/api';
import type { History, HistoryWindow, Snapshot } from '../../src/shared/model';

// A channel map without `getHistory`.
const { getHistory: _dropped, ...incomplete } = CHANNELS;
// @ts-expect-error a channel map missing a method is a compile error
const missingChannel: Record<ApiMethod, string> = incomplete;

// @ts-expect-error an extra, unknown channel is a compile error too
const extraChannel = { ...CHANNELS, bogus: 'portwatch:bogus' } as const satisfies Record<ApiMethod, string>;

type GetHistoryHandler = ApiHandlers['getHistory'];
// @ts-expect-error a handler taking the wrong argument type is rejected
const wrongArgument: GetHistoryHandler = (window: string): History => ({ from: 0, to: window.length, samples: [] });
// @ts-expect-error a handler resolving to the wrong type is rejected
const wrongResult: GetHistoryHandler = async (_window: HistoryWindow): Promise<Snapshot | null> => null;
const rightHandler: GetHistoryHandler = async (window) => ({ from: 0, to: window.durationMs, samples: [] });

// @ts-expect-error handlers missing a request method are rejected
const partialHandlers: ApiHandlers = { getHistory: rightHandler };

describe('contract types', () => {
  it('maps every contract member to a unique channel', () => {
    const members: ApiMethod[] = [...REQUEST_METHODS, ...EVENT_METHODS];
    expect(new Set(members).size).toBe(Object.keys(CHANNELS).length);
    expect(new Set(Object.values(CHANNELS)).size).toBe(members.length);
    expect(EVENT_METHODS).toEqual(['onSnapshotDelta', 'onProbeResult', 'onStatus']);
    expectTypeOf<Parameters<PortwatchApi['getHistory']>>().toEqualTypeOf<[HistoryWindow]>();
    expect([missingChannel, extraChannel, wrongArgument, wrongResult, partialHandlers].length).toBe(5);
  });
});
