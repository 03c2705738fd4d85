/**
 * Remembering the window's size and position: restore the saved bounds only when they are still
 * on a visible display (a monitor that was unplugged must not leave the window off-screen).
 */
import type { SavedBounds } from '../core/settings-store';

/** A display's work area (`screen.getAllDisplays()[i].workArea`). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How much of the title bar must be visible on some display to count as reachable, px. */
export const MIN_VISIBLE_PX = 64;

/** Smallest and largest sizes accepted from the settings file (it may be edited by hand). */
const MIN_SIZE = { width: 720, height: 480 };
const MAX_SIZE = 16_384;

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * The bounds to open the window with: the saved ones when their top strip (where the title bar is)
 * overlaps a display's work area by at least {@link MIN_VISIBLE_PX} in both directions; the saved
 * size without a position (the OS centres it) when only the position is unusable; the defaults when
 * nothing usable was saved.
 */
export function restoreBounds(saved: SavedBounds | null, displays: readonly Rect[], defaults: SavedBounds): SavedBounds {
  if (saved === null || !finite(saved.width) || !finite(saved.height)) return defaults;
  const width = Math.round(Math.min(Math.max(saved.width, MIN_SIZE.width), MAX_SIZE));
  const height = Math.round(Math.min(Math.max(saved.height, MIN_SIZE.height), MAX_SIZE));
  if (!finite(saved.x) || !finite(saved.y)) return { width, height };
  const titleStrip: Rect = { x: saved.x, y: saved.y, width, height: Math.min(height, MIN_VISIBLE_PX) };
  const visible = displays.some((display) => {
    const o = overlap(titleStrip, display);
    return o.width >= MIN_VISIBLE_PX && o.height >= Math.min(MIN_VISIBLE_PX, titleStrip.height) / 2;
  });
  return visible ? { x: Math.round(saved.x), y: Math.round(saved.y), width, height } : { width, height };
}

/** True when two saved bounds differ (to skip needless writes). */
export function boundsChanged(a: SavedBounds | null, b: SavedBounds | null): boolean {
  if (a === null || b === null) return a !== b;
  return a.x !== b.x || a.y !== b.y || a.width !== b.width || a.height !== b.height;
}
