// Lint rules, and the layering guard: which folder may import what (see docs/architecture.md).
// A tsconfig cannot stop `import 'electron'` (Electron ships its own types), so this is the guard.
import { builtinModules } from 'node:module';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';

// Bare names are matched exactly (so './net' is not the `net` built-in); globs as patterns.
const NODE_BUILTINS = ['node:*', ...builtinModules.filter((name) => !name.startsWith('_'))];
const ELECTRON = ['electron', 'electron/*'];
const SI = ['systeminformation'];

const isGlob = (spec) => spec.includes('*');

/** Turns [[specs, message], …] into no-restricted-imports options. */
function restrict(forbid) {
  const paths = [];
  const patterns = [];
  for (const [specs, message] of forbid) {
    for (const name of specs.filter((spec) => !isGlob(spec))) paths.push({ name, message });
    const globs = specs.filter(isGlob);
    if (globs.length > 0) patterns.push({ group: globs, message });
  }
  return ['error', { paths, patterns }];
}

/** One layer: its files and the import groups it must not use, each with the reason. */
const LAYERS = [
  {
    name: 'shared',
    files: ['src/shared/**/*.{ts,vue}'],
    forbid: [
      [ELECTRON, 'src/shared runs everywhere: no electron.'],
      [NODE_BUILTINS, 'src/shared runs everywhere: no Node built-ins.'],
      [SI, 'Only the socket-source adapter in src/main/node imports systeminformation.'],
      [['vue', 'pinia', 'chart.js', 'ws'], 'src/shared imports no UI or server library.'],
      [['**/main/**', '**/renderer/**', '**/preload/**', '**/cli/**'], 'src/shared imports only src/shared.'],
    ],
  },
  {
    name: 'core',
    files: ['src/main/core/**/*.ts'],
    forbid: [
      [ELECTRON, 'src/main/core is pure logic: no electron.'],
      [NODE_BUILTINS, 'src/main/core is pure logic: reach the OS through the interfaces it defines.'],
      [SI, 'Only the socket-source adapter in src/main/node imports systeminformation.'],
      [['vue', 'pinia', 'chart.js', 'ws'], 'src/main/core imports no UI or server library.'],
      [['**/node/**', '**/electron/**', '**/renderer/**', '**/preload/**', '**/cli/**'], 'src/main/core imports only core and shared.'],
    ],
  },
  {
    name: 'node',
    files: ['src/main/node/**/*.ts'],
    forbid: [
      [ELECTRON, 'src/main/node runs in plain Node (the CLI, serve, the worker): no electron.'],
      [SI, 'Only src/main/node/si-source.ts imports systeminformation.'],
      [['vue', 'pinia', 'chart.js'], 'src/main/node imports no UI library.'],
      [['**/electron/**', '**/renderer/**', '**/preload/**', '**/cli/**'], 'src/main/node imports only node, core and shared.'],
    ],
  },
  {
    name: 'electron',
    files: ['src/main/electron/**/*.ts'],
    forbid: [
      [SI, 'Only src/main/node/si-source.ts imports systeminformation.'],
      [['vue', 'pinia', 'chart.js'], 'The main process imports no UI library.'],
      [['**/renderer/**', '**/preload/**', '**/cli/**'], 'src/main/electron imports main and shared only.'],
    ],
  },
  {
    name: 'preload',
    files: ['src/preload/**/*.ts'],
    forbid: [
      [NODE_BUILTINS, 'A sandboxed preload cannot load Node built-ins.'],
      [SI, 'Only src/main/node/si-source.ts imports systeminformation.'],
      [['vue', 'pinia', 'chart.js', 'ws', 'valibot'], 'The preload stays tiny: it forwards calls, main validates them.'],
      [['**/main/**', '**/renderer/**', '**/cli/**'], 'The preload imports electron and src/shared only.'],
    ],
  },
  {
    name: 'renderer',
    files: ['src/renderer/**/*.{ts,vue}'],
    forbid: [
      [ELECTRON, 'The renderer reaches main only through the injected PortwatchApi.'],
      [NODE_BUILTINS, 'The renderer runs in a browser: no Node built-ins.'],
      [SI, 'Only src/main/node/si-source.ts imports systeminformation.'],
      [['ws'], 'The renderer uses the browser WebSocket.'],
      [['**/main/**', '**/preload/**', '**/cli/**'], 'The renderer imports only src/renderer and src/shared.'],
    ],
  },
  {
    name: 'cli',
    files: ['src/cli/**/*.ts'],
    forbid: [
      [ELECTRON, 'The CLI runs in plain Node: no electron.'],
      [SI, 'Only src/main/node/si-source.ts imports systeminformation.'],
      [['vue', 'pinia', 'chart.js'], 'The CLI imports no renderer source or UI library.'],
      [['**/electron/**', '**/renderer/**', '**/preload/**'], 'The CLI imports shared, main/core and main/node only.'],
    ],
  },
];

const layerBlocks = LAYERS.map((layer) => ({
  name: `portwatch/layer-${layer.name}`,
  files: layer.files,
  rules: { 'no-restricted-imports': restrict(layer.forbid) },
}));

export default defineConfig(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'reports/**', 'test-results/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  ...vue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  {
    files: ['**/*.{ts,mts,vue}'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.{ts,vue}'],
    rules: {
      '@typescript-eslint/explicit-function-return-type': [
        'error',
        { allowExpressions: true, allowTypedFunctionExpressions: true, allowHigherOrderFunctions: true },
      ],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', __dirname: 'readonly' },
    },
  },
  {
    files: ['**/*.d.ts'],
    rules: { 'no-var': 'off' },
  },
  ...layerBlocks,
  {
    // The one module that owns systeminformation.
    name: 'portwatch/si-adapter',
    files: ['src/main/node/si-source.ts'],
    rules: {
      'no-restricted-imports': restrict([
        [ELECTRON, 'src/main/node runs in plain Node: no electron.'],
        [['**/electron/**', '**/renderer/**', '**/preload/**', '**/cli/**'], 'src/main/node imports only node, core and shared.'],
      ]),
    },
  },
);
