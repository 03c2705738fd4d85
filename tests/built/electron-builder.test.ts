import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { trayIconFile } from '../../src/main/core/tray-presenter';

// electron-builder's own configuration loader and schema validation, run offline.
const require = createRequire(resolve('package.json'));
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

interface PlatformConfig {
  target?: string[];
  icon?: string;
  category?: string;
  [key: string]: unknown;
}
interface BuilderConfig {
  appId?: string;
  productName?: string;
  directories?: { buildResources?: string; output?: string };
  /** Normalised by getConfig to `[{ filter: [...] }]`. */
  files?: ({ filter?: string[] } | string)[];
  extraResources?: { from: string; to: string; filter?: string[] }[];
  mac?: PlatformConfig;
  win?: PlatformConfig;
  linux?: PlatformConfig & { desktop?: { entry?: Record<string, string> } };
  [key: string]: unknown;
}

/** Width, height and RGBA pixels of a PNG (8-bit RGBA or RGB, any filter), enough to check icons. */
function readPng(path: string): { width: number; height: number; rgba: Uint8Array } {
  const buf = readFileSync(path);
  expect(buf.subarray(0, 8).toString('hex'), `${path} is not a PNG`).toBe('89504e470d0a1a0a');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 4;
  const idat: Buffer[] = [];
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('ascii', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8], `${path}: bit depth`).toBe(8);
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      expect(channels, `${path}: colour type must be RGB or RGBA`).not.toBe(0);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const left = x >= channels ? (pixels[y * stride + x - channels] ?? 0) : 0;
      const up = y > 0 ? (pixels[(y - 1) * stride + x] ?? 0) : 0;
      const upLeft = y > 0 && x >= channels ? (pixels[(y - 1) * stride + x - channels] ?? 0) : 0;
      const p = left + up - upLeft;
      const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
      const paeth = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      const predictor = [0, left, up, (left + up) >> 1, paeth][filter ?? 0];
      if (predictor === undefined) throw new Error(`${path}: unknown PNG filter ${String(filter)}`);
      pixels[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: pixels };
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([pixels[i * 3] ?? 0, pixels[i * 3 + 1] ?? 0, pixels[i * 3 + 2] ?? 0, 255], i * 4);
  return { width, height, rgba };
}

describe('electron-builder configuration', async () => {
  const config = await getConfig(process.cwd(), null, null);

  it('passes electron-builder’s own schema validation', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('is really validated: a misspelt option is refused', async () => {
    await expect(validateConfiguration({ ...config, linux: { ...config.linux, categroy: 'Network' } }, new DebugLogger(false))).rejects.toThrow(
      /Invalid configuration object/,
    );
  });

  it('names the app and ships only the build output', () => {
    expect(config.appId).toBe('org.portwatch.app');
    expect(config.productName).toBe('Portwatch');
    expect(config.directories).toEqual({ buildResources: 'resources', output: 'dist' });
    expect(config.files).toEqual([{ filter: ['out/**', 'package.json'] }]);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { main: string };
    expect(pkg.main.startsWith('out/')).toBe(true);
  });

  it('builds AppImage and deb on Linux, dmg (+ zip for updates) for x64 and arm64 on macOS, nsis on Windows, in the Network category', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toEqual([
      { target: 'dmg', arch: ['x64', 'arm64'] },
      { target: 'zip', arch: ['x64', 'arm64'] },
    ]);
    expect(config.win?.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(config.linux?.category).toBe('Network');
    expect(config.mac?.category).toBe('public.app-category.developer-tools');
    expect(config.linux?.desktop?.entry).toMatchObject({ Name: 'Portwatch', Categories: expect.stringMatching(/^Network;/) });
  });

  it('publishes drafts to GitHub releases, where electron-updater looks', () => {
    expect(config.publish).toEqual({ provider: 'github', releaseType: 'draft' });
  });

  it('packs the journal driver: libsql, pinned, with prebuilt binaries unpacked from the asar', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies.libsql).toBe('0.5.29');
    expect(config.asarUnpack).toEqual(['node_modules/@libsql/**']);
    // The binaries come from npm as optional dependencies, one per platform (no compiler needed).
    const driver = JSON.parse(readFileSync('node_modules/libsql/package.json', 'utf8')) as { optionalDependencies: Record<string, string> };
    expect(Object.keys(driver.optionalDependencies)).toEqual(
      expect.arrayContaining(['@libsql/linux-x64-gnu', '@libsql/linux-arm64-gnu', '@libsql/darwin-x64', '@libsql/darwin-arm64', '@libsql/win32-x64-msvc']),
    );
  });

  it('names only files that exist', () => {
    for (const platform of [config.mac, config.win, config.linux]) expect(existsSync(platform?.icon ?? 'missing'), platform?.icon).toBe(true);
    for (const extra of config.extraResources ?? []) expect(existsSync(extra.from), extra.from).toBe(true);
    expect(existsSync(join(config.directories?.buildResources ?? 'missing', 'icon.png'))).toBe(true);
  });

  it('has a 1024×1024 app icon', () => {
    const icon = readPng('resources/icon.png');
    expect([icon.width, icon.height]).toEqual([1024, 1024]);
    // Transparent corners (a rounded body), opaque centre.
    expect(icon.rgba[3]).toBe(0);
    expect(icon.rgba[(512 * 1024 + 512) * 4 + 3]).toBe(255);
  });

  it('ships every tray icon the presenter names, at 16 px and 32 px (@2x), inside extraResources', () => {
    const trayDir = config.extraResources?.find((extra) => extra.to === 'tray')?.from;
    expect(trayDir).toBe('resources/tray');
    const shipped = readdirSync(trayDir ?? 'missing');
    for (const platform of ['darwin', 'linux', 'win32']) {
      for (const kind of ['normal', 'attention'] as const) {
        const file = trayIconFile(platform, kind);
        const hiDpi = file.replace(/\.png$/, '@2x.png');
        expect(shipped).toContain(file);
        expect(shipped).toContain(hiDpi);
        const small = readPng(join('resources/tray', file));
        const large = readPng(join('resources/tray', hiDpi));
        expect([small.width, small.height, large.width, large.height], file).toEqual([16, 16, 32, 32]);
      }
    }
  });

  it('draws macOS template images in black on transparent only', () => {
    for (const file of readdirSync('resources/tray').filter((name) => name.includes('Template'))) {
      const { rgba } = readPng(join('resources/tray', file));
      let opaque = 0;
      for (let i = 0; i < rgba.length; i += 4) {
        if ((rgba[i + 3] ?? 0) === 0) continue;
        opaque++;
        expect([rgba[i], rgba[i + 1], rgba[i + 2]], file).toEqual([0, 0, 0]);
      }
      expect(opaque, file).toBeGreaterThan(20);
    }
  });

  it('draws the attention icons differently from the normal ones', () => {
    expect(Buffer.from(readPng('resources/tray/tray-attention.png').rgba).equals(Buffer.from(readPng('resources/tray/tray.png').rgba))).toBe(false);
  });
});
