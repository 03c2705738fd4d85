// Shared by the bench:* scripts: bundling a TypeScript entry for plain Node, and the median.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runtime dependencies stay external, as in the app's own bundles. */
const EXTERNAL = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies ?? {});

/**
 * Bundles `entry` (a path relative to the root) with Vite into node_modules/.cache and loads it:
 * the benchmarks measure the same source the app ships, without a separate build step.
 */
export async function bundleForBench(entry) {
  return createRequire(import.meta.url)(await bundleFile(entry));
}

/** Bundles `entry` (relative to the root) into one CommonJS file for plain Node; resolves to its path. */
export async function bundleFile(entry) {
  const { build } = await import('vite');
  const name = basename(entry).replace(/\.ts$/, '');
  const outDir = join(ROOT, 'node_modules/.cache', `portwatch-bench-${name}`);
  mkdirSync(outDir, { recursive: true });
  await build({
    configFile: false,
    logLevel: 'warn',
    root: ROOT,
    build: {
      ssr: join(ROOT, entry),
      outDir,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      rolldownOptions: { output: { format: 'cjs', entryFileNames: `${name}.cjs` }, external: EXTERNAL },
    },
  });
  return join(outDir, `${name}.cjs`);
}

/** The median of a list of numbers (the upper one for an even count). */
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** CPU ms of waited-for children so far (utime+stime of children, /proc/self/stat fields 16–17). */
export function childCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[13]) + Number(rest[14])) * 1000) / 100;
}
