/**
 * The decisions of the IPC bridge, on plain values and without Electron, so they are unit-tested in
 * Node: who may talk to us (sender check), what an invoke returns (validated dispatch), and the
 * ready-queue that holds events until the renderer has subscribed.
 */
import type { ApiHandlers, Envelope, EventMethod, EventPayload } from '../../shared/api';
import { EVENT_METHODS } from '../../shared/api';
import { dispatchRequest } from '../core/service';

/** The channel on which the preload says "a listener for this event is attached". */
export const READY_CHANNEL = 'portwatch:ready';

/** What is known about the frame that sent an IPC message. */
export interface SenderInfo {
  /** False when `event.senderFrame` is null (the frame navigated away or was destroyed). */
  hasFrame: boolean;
  /** True when the sending frame is our window's main frame (`senderFrame === mainFrame`). */
  isOurMainFrame: boolean;
  /** The sending frame's URL. */
  url: string;
}

/** The sender check's answer. */
export type SenderVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Strips the query and fragment: the renderer may use a hash route, but the document must be our
 * own file.
 */
function documentOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return null;
  }
}

/**
 * Accepts a message only from our window's main frame showing our own renderer document
 * (`rendererUrl`, the file:// URL of out/renderer/index.html). Subframes, other windows and any page
 * that got navigated to (despite `will-navigate` being blocked) are refused.
 */
export function checkSender(sender: SenderInfo, rendererUrl: string): SenderVerdict {
  if (!sender.hasFrame) return { ok: false, reason: 'the sending frame is gone' };
  if (!sender.isOurMainFrame) return { ok: false, reason: 'the sender is not the main frame of the Portwatch window' };
  const expected = documentOf(rendererUrl);
  const actual = documentOf(sender.url);
  if (expected === null || actual === null || actual !== expected) {
    return { ok: false, reason: `the sender shows ${JSON.stringify(sender.url.slice(0, 200))}, not the Portwatch renderer` };
  }
  return { ok: true };
}

/**
 * One invoke, start to end: sender check, then argument validation and the handler through
 * `dispatchRequest`. Never throws; a refused sender gets an error envelope too (the renderer sees a
 * rejected promise with a clear message rather than a hang).
 */
export async function handleInvoke(
  handlers: ApiHandlers,
  sender: SenderInfo,
  rendererUrl: string,
  method: unknown,
  args: unknown,
): Promise<Envelope<unknown>> {
  const verdict = checkSender(sender, rendererUrl);
  if (!verdict.ok) return { ok: false, error: `request refused: ${verdict.reason}` };
  return dispatchRequest(handlers, method, args);
}

/** True for one of the contract's event names (narrowing an untrusted `portwatch:ready` payload). */
export function isEventMethod(name: unknown): name is EventMethod {
  return typeof name === 'string' && (EVENT_METHODS as readonly string[]).includes(name);
}

/** Sends one event to the renderer. */
export type EventSender = <K extends EventMethod>(event: K, payload: EventPayload<K>) => void;

/** Queued events, per event name. */
type Queues = { [K in EventMethod]: EventPayload<K>[] };

/** How many events of one kind wait at most for the renderer. */
export const DEFAULT_QUEUE_LIMIT = 256;

/**
 * Holds events until the renderer has a listener for them, then forwards them as they come.
 *
 * Overflow policy, per event:
 * - `onSnapshotDelta`: all queued deltas are dropped. The next delta delivered has a seq gap, so the
 *   client's gap detection re-fetches the full snapshot, which is cheaper than a long replay.
 * - `onStatus`: only the newest status matters; the queue keeps just the last one.
 * - `onProbeResult`: the oldest results are dropped (the probe list re-reads state on load anyway).
 */
export class ReadyQueue {
  private readonly ready = new Set<EventMethod>();
  private readonly queues: Queues = { onSnapshotDelta: [], onProbeResult: [], onStatus: [] };
  private dropped = 0;

  constructor(
    private readonly send: EventSender,
    private readonly limit: number = DEFAULT_QUEUE_LIMIT,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`queue limit must be a positive integer, got ${limit}`);
  }

  /** Delivers an event now if the renderer is ready for it, otherwise queues it. */
  push<K extends EventMethod>(event: K, payload: EventPayload<K>): void {
    if (this.ready.has(event)) {
      this.send(event, payload);
      return;
    }
    const queue: EventPayload<K>[] = this.queues[event];
    if (event === 'onStatus') {
      this.dropped += queue.length;
      queue.length = 0;
    } else if (queue.length >= this.limit) {
      const drop = event === 'onSnapshotDelta' ? queue.length : 1;
      queue.splice(0, drop);
      this.dropped += drop;
    }
    queue.push(payload);
  }

  /** The renderer attached a listener: flush the queued events of that kind, in order. */
  markReady(event: EventMethod): void {
    this.ready.add(event);
    this.flush(event);
  }

  /**
   * The renderer is reloading or gone: stop sending until it subscribes again. What was queued
   * before is kept: a reloaded renderer re-fetches the snapshot, and deltas only need their seq.
   */
  reset(): void {
    this.ready.clear();
  }

  /** Events queued for `event`, for tests and diagnostics. */
  pending(event: EventMethod): number {
    return this.queues[event].length;
  }

  /** Events dropped by the overflow policy so far. */
  droppedCount(): number {
    return this.dropped;
  }

  private flush<K extends EventMethod>(event: K): void {
    const queue: EventPayload<K>[] = this.queues[event];
    const batch = queue.splice(0, queue.length);
    for (const payload of batch) this.send(event, payload);
  }
}
