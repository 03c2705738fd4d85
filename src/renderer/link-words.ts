/**
 * The link's state and the data's freshness in words, for the header, the status bar and the
 * browser tab's title. Pure functions of their inputs (the time included), so they are tested
 * without a DOM or a clock.
 */
import type { ConnectionState } from '../shared/connection';
import type { Counters, PollStatus } from '../shared/model';

/** How a message should look. */
export type Tone = 'ok' | 'warn' | 'error';

/** The link in words. */
export interface LinkWords {
  /** One line for the header. */
  headline: string;
  /** What happened and what to do, stable while the state lasts (a live region reads it); null while connected. */
  detail: string | null;
  /** The part that ticks (the next retry), kept out of the live region; null when nothing ticks. */
  countdown: string | null;
  tone: Tone;
}

/** A duration in seconds, minutes or hours, the way a person says it: "12 s", "3 min", "2 h". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  return min < 90 ? `${min} min` : `${Math.round(min / 60)} h`;
}

/** Ensures a sentence starts with a capital and ends with a full stop (reasons may not). */
function sentence(text: string): string {
  const trimmed = text.trim();
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * The link in words at `now` (epoch ms). `transport` names it while connected (null: not known
 * yet).
 */
export function describeLink(state: ConnectionState, now: number, transport: string | null): LinkWords {
  switch (state.kind) {
    case 'connecting':
      return { headline: 'Connecting…', detail: null, countdown: null, tone: 'warn' };
    case 'connected':
      return { headline: transport === null ? 'Connected' : `Connected over ${transport}`, detail: null, countdown: null, tone: 'ok' };
    case 'reconnecting': {
      const wait = state.nextRetryAt - now;
      return {
        headline: `Reconnecting (attempt ${state.attempt})…`,
        detail: `${sentence(`Connection lost: ${state.reason}`)} Reconnecting, attempt ${state.attempt}.`,
        countdown: wait > 500 ? `Next try in ${ago(wait)}.` : 'Trying now.',
        tone: 'warn',
      };
    }
    case 'disconnected':
      return { headline: 'Disconnected', detail: `${sentence(state.reason)} ${sentence(state.action)}`, countdown: null, tone: 'error' };
  }
}

/** What the data on screen is: live, frozen by the user, or stale and why. */
export type Freshness =
  | { kind: 'live' }
  | { kind: 'view-paused'; waiting: number }
  | { kind: 'collection-paused' }
  | { kind: 'stale'; why: 'link' | 'collector'; ageMs: number | null };

/** What {@link freshness} looks at. */
export interface FreshnessInput {
  link: ConnectionState;
  status: PollStatus | null;
  viewPaused: boolean;
  waiting: number;
  /** Local time the last good (ok) poll arrived, epoch ms; null before one did. */
  lastGoodAt: number | null;
  /** True when the collector has gone silent (see {@link collectorSilent}). */
  silent: boolean;
  now: number;
}

/**
 * Whether the table can be called live. Never "live" over frozen data: a paused view says so, a
 * lost link or a failing collector makes the data stale with its age.
 */
export function freshness(input: FreshnessInput): Freshness {
  const age = input.lastGoodAt === null ? null : input.now - input.lastGoodAt;
  if (input.link.kind !== 'connected') return { kind: 'stale', why: 'link', ageMs: age };
  if (input.viewPaused) return { kind: 'view-paused', waiting: input.waiting };
  if (input.status?.paused) return { kind: 'collection-paused' };
  if (input.status && (!input.status.ok || input.silent)) return { kind: 'stale', why: 'collector', ageMs: age };
  return { kind: 'live' };
}

/** Freshness in a few words for the status bar. */
export function freshnessWords(value: Freshness, waitingCap: number): string {
  switch (value.kind) {
    case 'live':
      return 'Live';
    case 'view-paused': {
      const n = value.waiting >= waitingCap ? `${value.waiting.toLocaleString()}+` : value.waiting.toLocaleString();
      return `Paused — ${n} ${value.waiting === 1 ? 'change' : 'changes'} waiting`;
    }
    case 'collection-paused':
      return 'Collection paused (every window)';
    case 'stale':
      return value.ageMs === null ? 'Stale: no data yet' : `Stale: data from ${ago(value.ageMs)} ago`;
  }
}

/**
 * True when the link is up and the collector should have polled but nothing came for three
 * intervals and five seconds more: the collector is not responding (a hung worker), which a
 * PollStatus cannot say itself.
 */
export function collectorSilent(status: PollStatus | null, lastHeardAt: number | null, now: number): boolean {
  if (status === null || lastHeardAt === null || status.paused) return false;
  return now - lastHeardAt > 3 * status.intervalMs + 5000;
}

/** What the tab title shows. */
export interface TitleInput {
  link: ConnectionState;
  counters: Counters | null;
  freshness: Freshness;
  /** Locale for the numbers (default: the browser's). */
  locale?: string;
}

/**
 * The browser tab's title: the counts the tray shows on the desktop, behind a prefix when they
 * are not live ("[Disconnected] Portwatch — 1,234 sockets · 56 listening").
 */
export function formatTitle(input: TitleInput): string {
  const number = new Intl.NumberFormat(input.locale);
  const total = input.counters?.total ?? 0;
  const counts = input.counters === null ? '' : ` — ${number.format(total)} ${total === 1 ? 'socket' : 'sockets'} · ${number.format(input.counters.listening)} listening`;
  const prefix = ((): string => {
    switch (input.link.kind) {
      case 'connecting':
        return '[Connecting] ';
      case 'reconnecting':
        return '[Reconnecting] ';
      case 'disconnected':
        return '[Disconnected] ';
      case 'connected':
        break;
    }
    switch (input.freshness.kind) {
      case 'view-paused':
        return '[Paused] ';
      case 'collection-paused':
        return '[Collection paused] ';
      case 'stale':
        return '[Collector failing] ';
      case 'live':
        return '';
    }
  })();
  return `${prefix}Portwatch${counts}`;
}
