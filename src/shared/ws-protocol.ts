/**
 * The wire protocol between the browser client and `portwatch serve`: JSON text frames carrying
 * `PortwatchApi` requests, their replies, and events. Shared so both ends agree.
 */
import * as v from 'valibot';
import type { EventMethod, EventPayload } from './api';
import { EVENT_METHODS } from './api';

/** Largest frame either side accepts, bytes (a request is small; replies may be large snapshots). */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/** A client → server frame. */
export type ClientFrame =
  /** A request: `m` is the method name, `a` its arguments. */
  | { t: 'req'; id: number; m: string; a: unknown[] }
  /** Start or stop receiving an event. */
  | { t: 'sub'; ev: EventMethod; on: boolean };

/** A server → client frame. */
export type ServerFrame =
  | { t: 'res'; id: number; ok: true; v: unknown }
  | { t: 'res'; id: number; ok: false; e: string }
  | { [K in EventMethod]: { t: 'evt'; ev: K; p: EventPayload<K> } }[EventMethod]
  /** A frame the server could not accept (malformed, too large, too fast): the connection stays. */
  | { t: 'err'; e: string; id?: number };

/** Validates a parsed client frame (arguments are validated later, per method). */
export const clientFrameSchema: v.GenericSchema<unknown, ClientFrame> = v.variant(
  't',
  [
    v.strictObject({
      t: v.literal('req'),
      id: v.pipe(v.number('id must be a number'), v.integer('id must be a whole number'), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)),
      m: v.pipe(v.string('m must be a method name'), v.maxLength(64)),
      a: v.pipe(v.array(v.unknown(), 'a must be an argument list'), v.maxLength(4, 'a has too many arguments')),
    }),
    v.strictObject({
      t: v.literal('sub'),
      ev: v.picklist(EVENT_METHODS as EventMethod[], 'ev must be an event name'),
      on: v.boolean('on must be true or false'),
    }),
  ],
  't must be req or sub',
);
