/**
 * Gates for tests that only mean something on some operating systems (they read /proc, run `ss` or
 * socat, check POSIX file modes, FIFOs or signals). A gated test is skipped with one printed line
 * saying why, and the line is kept in reports/platform-skip.txt so `npm test`'s summary lists it:
 * a skip is never a pass.
 *
 * PORTWATCH_TEST_PLATFORM=win32 (or darwin) rehearses another OS's gates on this machine: the
 * gates answer as there, so every reason they would print can be seen without that OS.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The OS the gates answer for. */
export const TEST_PLATFORM: NodeJS.Platform = (process.env.PORTWATCH_TEST_PLATFORM as NodeJS.Platform | undefined) || process.platform;

/** Linux, macOS and the BSDs: file modes, FIFOs, signals to handlers, /bin/sh. */
export const POSIX: readonly NodeJS.Platform[] = ['linux', 'darwin', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix'];

const NAMES: Partial<Record<NodeJS.Platform, string>> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' };
const REPORT = resolve(__dirname, '../../reports/platform-skip.txt');
const said = new Set<string>();

/** Prints (once per reason and process) and records why tests are skipped. */
export function sayWhySkipped(reason: string): void {
  if (said.has(reason)) return;
  said.add(reason);
  console.log(`skipped: ${reason}`);
  try {
    mkdirSync(join(REPORT, '..'), { recursive: true });
    appendFileSync(REPORT, `${reason}\n`);
  } catch {
    // The printed line is enough where reports/ cannot be written.
  }
}

/**
 * The skip flag of a test that needs one of `platforms`: true (and the reason printed) elsewhere.
 * `needs` says what it needs there, e.g. `'reads /proc'`.
 */
export function onlyOn(platforms: NodeJS.Platform | readonly NodeJS.Platform[], needs: string): boolean {
  const list: readonly NodeJS.Platform[] = typeof platforms === 'string' ? [platforms] : platforms;
  if (list.includes(TEST_PLATFORM)) return false;
  const where = list === POSIX ? 'POSIX systems' : list.map((p) => NAMES[p] ?? p).join('/');
  sayWhySkipped(`on ${NAMES[TEST_PLATFORM] ?? TEST_PLATFORM}: ${needs} (${where} only)`);
  return true;
}

/** The skip flag of a test that cannot run while `condition` holds (root, a missing tool): prints `reason`. */
export function skipWhen(condition: boolean, reason: string): boolean {
  if (condition) sayWhySkipped(reason);
  return condition;
}
