/**
 * Locations inside the build output. Bundled code may sit in out/main/ or in a shared chunk under
 * out/main/chunks/, so `__dirname` alone cannot be trusted to name out/main.
 */
import { basename, dirname, join } from 'node:path';

/** out/main: where index.js, cli.js and collector-worker.js are. */
export function outMainDir(here: string = __dirname): string {
  return basename(here) === 'chunks' ? dirname(here) : here;
}

/** The collector worker bundle. */
export function workerBundlePath(): string {
  return join(outMainDir(), 'collector-worker.js');
}

/** The built renderer (index.html and assets/). */
export function rendererBundleDir(): string {
  return join(outMainDir(), '..', 'renderer');
}
