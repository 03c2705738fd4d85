/** A log that a flood of failures cannot turn into a flood of lines (or a full disk). */

/** Options of {@link rateLimited}. */
export interface RateLimitOptions {
  /** Lines per minute that get through (default 20). */
  perMinute?: number;
  /** The line that reports how many were left out in the last minute. */
  summary: (dropped: number) => string;
  now?: () => number;
}

/** Wraps `write` so at most `perMinute` lines a minute get through; the rest are counted. */
export function rateLimited(write: (line: string) => void, options: RateLimitOptions): (line: string) => void {
  const perMinute = options.perMinute ?? 20;
  const now = options.now ?? Date.now;
  let windowStart = now();
  let written = 0;
  let dropped = 0;
  return (line) => {
    const t = now();
    if (t - windowStart >= 60_000) {
      if (dropped > 0) write(options.summary(dropped));
      windowStart = t;
      written = 0;
      dropped = 0;
    }
    if (written >= perMinute) {
      dropped += 1;
      return;
    }
    written += 1;
    write(line);
  };
}
