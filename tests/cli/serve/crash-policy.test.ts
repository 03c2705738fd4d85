import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ProcessEvents } from '../../../src/cli/serve/crash-policy';
import { installCrashPolicy, isConnectionError } from '../../../src/cli/serve/crash-policy';

function setup(linesPerMinute = 20): { events: EventEmitter; lines: string[]; fatal: unknown[]; clock: { t: number }; remove: () => void } {
  const events = new EventEmitter();
  const lines: string[] = [];
  const fatal: unknown[] = [];
  const clock = { t: 0 };
  const remove = installCrashPolicy(events as unknown as ProcessEvents, {
    write: (line) => lines.push(line),
    fatal: (error) => fatal.push(error),
    linesPerMinute,
    now: () => clock.t,
  });
  return { events, lines, fatal, clock, remove };
}

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('serve crash policy', () => {
  it('logs an unhandled rejection and keeps serving', () => {
    const { events, lines, fatal } = setup();
    events.emit('unhandledRejection', 'a promise nobody awaited failed');
    expect(lines).toEqual(['portwatch serve: internal error (still serving): unhandled rejection: a promise nobody awaited failed\n']);
    expect(fatal).toEqual([]);
  });

  it('logs an uncaught error of one connection and keeps serving', () => {
    const { events, lines, fatal } = setup();
    events.emit('uncaughtException', withCode('write EPIPE', 'EPIPE'));
    events.emit('uncaughtException', withCode('accept EMFILE', 'EMFILE'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^portwatch serve: internal error on one connection \(still serving\): Error: write EPIPE/);
    expect(fatal).toEqual([]);
  });

  it('stops once, with a line, for any other uncaught exception', () => {
    const { events, lines, fatal } = setup();
    const bug = new TypeError('cannot read properties of undefined');
    events.emit('uncaughtException', bug);
    events.emit('uncaughtException', new Error('and another'));
    expect(fatal).toEqual([bug]);
    expect(lines[0]).toMatch(/^portwatch serve: internal error, stopping: TypeError: cannot read properties of undefined/);
    expect(lines).toHaveLength(2);
  });

  it('rate-limits its lines and says how many it left out', () => {
    const { events, lines, clock } = setup(3);
    for (let i = 0; i < 10; i += 1) events.emit('unhandledRejection', `failure ${i}`);
    expect(lines).toHaveLength(3);
    clock.t = 60_000;
    events.emit('unhandledRejection', 'later');
    expect(lines.slice(3)).toEqual([
      'portwatch serve: 7 more internal errors were not logged\n',
      'portwatch serve: internal error (still serving): unhandled rejection: later\n',
    ]);
  });

  it('removes its listeners', () => {
    const { events, remove } = setup();
    expect(events.listenerCount('uncaughtException')).toBe(1);
    remove();
    expect(events.listenerCount('uncaughtException') + events.listenerCount('unhandledRejection')).toBe(0);
  });

  it('knows connection errors by code', () => {
    expect(isConnectionError(withCode('x', 'ECONNRESET'))).toBe(true);
    expect(isConnectionError(withCode('x', 'HPE_INVALID_METHOD'))).toBe(true);
    expect(isConnectionError(withCode('x', 'ENOENT'))).toBe(false);
    expect(isConnectionError(new Error('no code'))).toBe(false);
    expect(isConnectionError('text')).toBe(false);
  });
});
