import { describe, expect, it } from 'vitest';
import { MIN_VISIBLE_PX, boundsChanged, restoreBounds } from '../../../src/main/electron/window-bounds';

const defaults = { width: 1280, height: 800 };
const laptop = { x: 0, y: 0, width: 1920, height: 1050 };
const rightMonitor = { x: 1920, y: 0, width: 2560, height: 1400 };

describe('restoreBounds', () => {
  it('uses the defaults when nothing was saved', () => {
    expect(restoreBounds(null, [laptop], defaults)).toBe(defaults);
  });

  it('restores saved bounds that are on a display', () => {
    expect(restoreBounds({ x: 100, y: 50, width: 1000, height: 700 }, [laptop], defaults)).toEqual({ x: 100, y: 50, width: 1000, height: 700 });
    expect(restoreBounds({ x: 2000, y: 100, width: 1000, height: 700 }, [laptop, rightMonitor], defaults)).toEqual({ x: 2000, y: 100, width: 1000, height: 700 });
  });

  it('keeps the size but drops the position when the display it was on is gone', () => {
    expect(restoreBounds({ x: 2000, y: 100, width: 1000, height: 700 }, [laptop], defaults)).toEqual({ width: 1000, height: 700 });
  });

  it('drops a position whose title bar would be out of reach', () => {
    // Only a sliver of the window on screen: less than MIN_VISIBLE_PX wide.
    const x = laptop.width - MIN_VISIBLE_PX + 1;
    expect(restoreBounds({ x, y: 10, width: 800, height: 600 }, [laptop], defaults)).toEqual({ width: 800, height: 600 });
    // Title bar above the top of the work area.
    expect(restoreBounds({ x: 10, y: -600, width: 800, height: 600 }, [laptop], defaults)).toEqual({ width: 800, height: 600 });
  });

  it('accepts a window partly off-screen as long as its title bar can be grabbed', () => {
    expect(restoreBounds({ x: -400, y: 10, width: 800, height: 600 }, [laptop], defaults)).toEqual({ x: -400, y: 10, width: 800, height: 600 });
  });

  it('clamps hand-edited sizes and ignores garbage', () => {
    expect(restoreBounds({ x: 0, y: 0, width: 10, height: 10 }, [laptop], defaults)).toEqual({ x: 0, y: 0, width: 720, height: 480 });
    expect(restoreBounds({ width: 99_999, height: 1000.6 }, [laptop], defaults)).toEqual({ width: 16_384, height: 1001 });
    expect(restoreBounds({ width: Number.NaN, height: 600 }, [laptop], defaults)).toBe(defaults);
    expect(restoreBounds({ x: Number.POSITIVE_INFINITY, y: 0, width: 800, height: 600 }, [laptop], defaults)).toEqual({ width: 800, height: 600 });
  });

  it('drops the position when no display is known', () => {
    expect(restoreBounds({ x: 0, y: 0, width: 800, height: 600 }, [], defaults)).toEqual({ width: 800, height: 600 });
  });
});

describe('boundsChanged', () => {
  it('compares position and size', () => {
    expect(boundsChanged({ x: 1, y: 2, width: 3, height: 4 }, { x: 1, y: 2, width: 3, height: 4 })).toBe(false);
    expect(boundsChanged({ x: 1, y: 2, width: 3, height: 4 }, { x: 1, y: 2, width: 3, height: 5 })).toBe(true);
    expect(boundsChanged(null, { width: 3, height: 4 })).toBe(true);
    expect(boundsChanged(null, null)).toBe(false);
  });
});
