/**
 * Validation of frames arriving at a server from a client (the browser, the renderer, the host of
 * the collector worker): the peer may be hostile, so every field is checked before anything acts
 * on it. Arguments are validated later, per method (see `dispatchRequest`). Kept apart from
 * frames.ts so the preload, which only ever receives server frames, does not bundle valibot.
 */
import * as v from 'valibot';
import { validate } from '../schemas';
import type { Validated } from '../schemas';
import type { ClientFrame } from './frames';

const frameId = (field: string): v.GenericSchema<unknown, number> =>
  v.pipe(v.number(`${field} must be a number`), v.integer(`${field} must be a whole number`), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

/** Longest `bye` reason accepted, characters. */
const MAX_REASON_LENGTH = 500;

/** The schema of a client frame for a contract with these event names. */
export function clientFrameSchema(events: readonly string[]): v.GenericSchema<unknown, ClientFrame> {
  return v.variant(
    't',
    [
      v.strictObject({
        t: v.literal('req'),
        id: frameId('id'),
        m: v.pipe(v.string('m must be a method name'), v.maxLength(64, 'm is too long')),
        a: v.pipe(v.array(v.unknown(), 'a must be an argument list'), v.maxLength(4, 'a has too many arguments')),
      }),
      v.strictObject({ t: v.literal('cancel'), id: frameId('id') }),
      v.strictObject({
        t: v.literal('sub'),
        ev: v.picklist(events as string[], 'ev must be an event name'),
        on: v.boolean('on must be true or false'),
      }),
      v.strictObject({ t: v.literal('ping'), n: frameId('n') }),
      v.strictObject({ t: v.literal('pong'), n: frameId('n') }),
      v.strictObject({ t: v.literal('bye'), reason: v.pipe(v.string('reason must be text'), v.maxLength(MAX_REASON_LENGTH)) }),
    ],
    't must be req, cancel, sub, ping, pong or bye',
  );
}

/** A validator for client frames of a contract with these event names; never throws. */
export function clientFrameValidator(events: readonly string[]): (frame: unknown) => Validated<ClientFrame> {
  const schema = clientFrameSchema(events);
  return (frame) => validate(schema, frame);
}
