import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

const pkg = JSON.parse(readFileSync(resolve(__dirname, 'package.json'), 'utf8')) as { version: string };
const define = { __PORTWATCH_VERSION__: JSON.stringify(pkg.version) };

// Projects: `node` and `renderer` run before the build; `built` and `browser` test the build
// output (bundles, the built CLI, the UI in Chromium); `electron` needs the Electron binary.
export default defineConfig({
  define,
  test: {
    projects: [
      {
        define,
        test: {
          name: 'node',
          environment: 'node',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/renderer/**', 'tests/built/**', 'tests/browser/**', 'tests/electron/**'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        define,
        plugins: [vue()],
        test: { name: 'renderer', environment: 'happy-dom', include: ['tests/renderer/**/*.test.ts'] },
      },
      {
        define,
        test: { name: 'built', environment: 'node', include: ['tests/built/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
      {
        define,
        test: {
          name: 'browser',
          environment: 'node',
          include: ['tests/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One Chromium at a time on 2 cores.
          fileParallelism: false,
        },
      },
      {
        define,
        test: { name: 'electron', environment: 'node', include: ['tests/electron/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
    ],
  },
});
