import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Lints sample sources at virtual paths with the project's real config: the allow-list guard
// (scripts/eslint-layers.mjs) must report a wrong import in each layer, a file in no layer and a
// package no layer lists, and accept the right ones.
const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'portwatch/imports').map((m) => m.message);
}

describe('layering guard', () => {
  it.each([
    ['src/renderer/sample.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n"],
    ['src/renderer/sample.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['src/renderer/sample.ts', "import { readFileSync } from 'fs';\nexport const x = readFileSync;\n"],
    ['src/renderer/Sample.vue', "<script setup lang=\"ts\">\nimport { shell } from 'electron';\nconst s = shell;\n</script>\n<template><p>{{ s }}</p></template>\n"],
    ['src/renderer/sample.ts', "import { x } from '../main/core/ports';\nexport const y = x;\n"],
    ['src/main/core/sample.ts', "import si from 'systeminformation';\nexport const x = si;\n"],
    ['src/main/core/sample.ts', "import { spawn } from 'node:child_process';\nexport const x = spawn;\n"],
    ['src/main/core/sample.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['src/shared/sample.ts', "import { ref } from 'vue';\nexport const x = ref;\n"],
    ['src/shared/sample.ts', "import { hostname } from 'node:os';\nexport const x = hostname;\n"],
    ['src/main/node/sample.ts', "import si from 'systeminformation';\nexport const x = si;\n"],
    ['src/main/node/sample.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['src/preload/sample.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['src/cli/sample.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['src/cli/sample.ts', "import si from 'systeminformation';\nexport const x = si;\n"],
    ['src/main/core/sample.ts', "import { v4 } from 'uuid';\nexport const x = v4;\n"],
    ['src/main/core/sample.ts', "export const load = (): Promise<unknown> => import('node:fs');\n"],
    ['src/main/node/sample.ts', "import left from 'left-pad';\nexport const x = left;\n"],
    ['src/main/node/sample.ts', "export { serve } from '../../cli/serve/server';\n"],
    ['src/renderer/sample.ts', "import type { TrayView } from '../main/core/tray-presenter';\nexport type X = TrayView;\n"],
    ['src/renderer/sample.ts', "import { z } from 'zod';\nexport const x = z;\n"],
    ['src/shared/sample.ts', "import { data } from '../../package.json';\nexport const x = data;\n"],
    ['src/preload/sample.ts', "import * as v from 'valibot';\nexport const x = v;\n"],
  ])('reports the forbidden import in %s (%#)', async (filePath, code) => {
    const messages = await restrictedImports(filePath, code);
    expect(messages).toHaveLength(1);
  });

  it.each(['src/main/newlayer/sample.ts', 'src/tools/sample.ts', 'src/sample.ts'])('reports %s as a file in no layer', async (filePath) => {
    const messages = await restrictedImports(filePath, 'export const x = 1;\n');
    expect(messages).toEqual([`${filePath} is in no layer: add its folder to LAYERS in scripts/eslint-layers.mjs (and docs/architecture.md) or move it into one`]);
  });

  it('names the reason and the one module that may use a restricted package', async () => {
    const [message] = await restrictedImports('src/main/node/sample.ts', "import si from 'systeminformation';\nexport const x = si;\n");
    expect(message).toBe('node may not import the package systeminformation (only src/main/node/si-source.ts may); src/main/node holds the Node adapters (CLI, serve, the worker): no Electron, no UI');
  });

  it.each([
    ['src/renderer/sample.ts', "import { ref } from 'vue';\nimport { formatEndpoint } from '../shared/net';\nexport const x = [ref, formatEndpoint];\n"],
    ['src/main/core/sample.ts', "import { parseFilter } from '../../shared/filter';\nexport const x = parseFilter;\n"],
    ['src/shared/sample.ts', "import { isIPv4 } from './net';\nexport const x = isIPv4;\n"],
    ['src/main/node/si-source.ts', "import si from 'systeminformation';\nexport const x = si;\n"],
    ['src/main/node/sample.ts', "import { readFile } from 'node:fs/promises';\nexport const x = readFile;\n"],
    ['src/main/electron/sample.ts', "import { app } from 'electron';\nimport { portClass } from '../core/ports';\nexport const x = [app, portClass];\n"],
    ['src/preload/sample.ts', "import { contextBridge } from 'electron';\nimport { CHANNELS } from '../shared/api';\nexport const x = [contextBridge, CHANNELS];\n"],
  ])('accepts the allowed imports in %s (%#)', async (filePath, code) => {
    expect(await restrictedImports(filePath, code)).toEqual([]);
  });
});
