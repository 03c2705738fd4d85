import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// A sandboxed preload can only require('electron') (and a few built-ins Electron polyfills, which we
// do not use): anything else must be bundled in.
describe('preload bundle', () => {
  const code = readFileSync('out/preload/index.js', 'utf8');

  it('is CommonJS and requires nothing but electron', () => {
    const requires = [...code.matchAll(/\brequire\(\s*(['"`])([^'"`]+)\1\s*\)/g)].map((m) => m[2]);
    expect(requires.length).toBeGreaterThan(0);
    expect(new Set(requires)).toEqual(new Set(['electron']));
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).not.toMatch(/\bimport\(/);
  });

  it('exposes the API under window.portwatch', () => {
    expect(code).toContain('exposeInMainWorld');
    expect(code).toContain('"portwatch"');
  });
});
