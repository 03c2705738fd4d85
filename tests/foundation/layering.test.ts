import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Lints sample sources at virtual paths with the project's real config: the guard must report a
// wrong import in each layer and accept the right ones.
const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
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
  ])('reports the forbidden import in %s (%#)', async (filePath, code) => {
    const messages = await restrictedImports(filePath, code);
    expect(messages).toHaveLength(1);
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
