// Finds the Electron runtime binary, or says why there is none. Shared by `npm start` and the
// Electron test suite, so both agree on what "the binary exists" means.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** @returns {{ ok: true, path: string } | { ok: false, reason: string }} */
export function findElectronBinary() {
  const explicit = process.env.ELECTRON_EXEC_PATH;
  if (explicit) {
    return existsSync(explicit)
      ? { ok: true, path: explicit }
      : { ok: false, reason: `ELECTRON_EXEC_PATH names ${explicit}, which does not exist` };
  }
  const pkgDir = join(ROOT, 'node_modules', 'electron');
  if (!existsSync(join(pkgDir, 'package.json'))) {
    return { ok: false, reason: 'the electron package is not installed (run npm ci)' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return { ok: false, reason: 'the Electron runtime binary is not installed (its download needs the internet)' };
  }
  const binary = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary)
    ? { ok: true, path: binary }
    : { ok: false, reason: `node_modules/electron/path.txt names ${binary}, which does not exist` };
}
