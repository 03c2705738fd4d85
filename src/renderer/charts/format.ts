/** Number and time formatting for chart axes and tooltips. */
import type { ValueFormat } from './spec';

/** `14:03:27` in local time. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Bytes per second in B/s, kB/s, MB/s, GB/s (powers of 1000, as network rates are quoted). */
export function bytesPerSec(value: number): string {
  const units = ['B/s', 'kB/s', 'MB/s', 'GB/s'];
  let v = value;
  let unit = 0;
  while (Math.abs(v) >= 1000 && unit < units.length - 1) {
    v /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? Math.round(v) : v.toFixed(1)} ${units[unit]}`;
}

/** A value in the chart's unit. */
export function formatValue(value: number, format: ValueFormat): string {
  switch (format) {
    case 'count':
      return Number.isInteger(value) ? String(value) : value.toFixed(1);
    case 'bytesPerSec':
      return bytesPerSec(value);
    case 'ms':
      return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
  }
}
