/** Debian's Chromium driven by the playwright library (never a downloaded browser). */
import type { Browser } from 'playwright';
import { chromium } from 'playwright';

/** The system Chromium; CI installs it with apt. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches headless Chromium with flags that keep it off the (closed) network. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--disable-default-apps',
      '--disable-extensions',
    ],
  });
}

/**
 * Where the browser suite saves its screenshots: reports/screenshots on every test run, and the
 * README's docs/screenshots only when asked (`npm run screenshots`), so a test run never rewrites
 * committed pictures.
 */
export const SCREENSHOT_DIR = process.env.PORTWATCH_SCREENSHOTS_DIR ?? 'reports/screenshots';
