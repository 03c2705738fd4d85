// electron-updater's own feed reader (GenericProvider: fetch latest*.yml, parse it as the app
// would) against a loopback server serving real-shaped feed fixtures, then our decision logic.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { ClientRequest, IncomingMessage, RequestOptions, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpExecutor } from 'builder-util-runtime';
import { GenericProvider } from 'electron-updater/out/providers/GenericProvider';
import { decideOffer, feedFromUpdateInfo } from '../../../src/main/core/update-policy';
import { readUpdateMemory, writeUpdateMemory } from '../../../src/main/node/update-memory';

/** Plain node:http, as electron-updater's Electron executor does it inside the app. */
class NodeExecutor extends HttpExecutor<ClientRequest> {
  createRequest(options: RequestOptions, callback: (response: IncomingMessage) => void): ClientRequest {
    return request(options, callback);
  }
}

const FIXTURES = join(__dirname, '../../fixtures/updates');
let server: Server;
let base = '';
const served: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    served.push(req.url ?? '');
    const name = (req.url ?? '').split('?')[0]?.replace(/^\/feed\//, '') ?? '';
    const file = { 'latest-linux.yml': 'latest-linux.yml', 'beta-mac.yml': 'latest-mac-prerelease.yml' }[name];
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/yaml' }).end(readFileSync(join(FIXTURES, file)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The provider only calls `request()`, which the base class implements over createRequest(). */
type ElectronExecutor = ConstructorParameters<typeof GenericProvider>[2]['executor'];

function provider(platform: 'linux' | 'darwin', channel: string | null): GenericProvider {
  const updater = { channel, isAddNoCacheQuery: false } as unknown as ConstructorParameters<typeof GenericProvider>[1];
  return new GenericProvider({ provider: 'generic', url: base }, updater, { isUseMultipleRangeRequest: false, platform, executor: new NodeExecutor() as unknown as ElectronExecutor });
}

describe('update feed', () => {
  it('reads the Linux feed electron-builder publishes and offers 0.2.0 to 0.1.0, not to 0.2.0', async () => {
    const info = await provider('linux', null).getLatestVersion();
    expect(served.at(-1)).toBe('/feed/latest-linux.yml');
    const feed = feedFromUpdateInfo(info);
    expect(feed.version).toBe('0.2.0');
    expect(feed.files.map((file) => file.url)).toEqual(['Portwatch-0.2.0.AppImage', 'portwatch_0.2.0_amd64.deb']);
    const prefs = { enabled: true, allowPrerelease: false, skippedVersion: null };
    expect(decideOffer('0.1.0', feed, prefs)).toEqual({ offer: true, version: '0.2.0' });
    expect(decideOffer('0.2.0', feed, prefs)).toEqual({ offer: false, reason: 'Portwatch 0.2.0 is up to date' });
  });

  it('reads a macOS pre-release channel; offered only to users who follow pre-releases', async () => {
    const feed = feedFromUpdateInfo(await provider('darwin', 'beta').getLatestVersion());
    expect(served.at(-1)).toBe('/feed/beta-mac.yml');
    expect(feed).toMatchObject({ version: '0.3.0-beta.1', releaseName: 'Portwatch 0.3.0 beta 1', releaseNotes: 'Traffic per process; <b>journal</b>.' });
    expect(decideOffer('0.2.0', feed, { enabled: true, allowPrerelease: false, skippedVersion: null }).offer).toBe(false);
    expect(decideOffer('0.2.0', feed, { enabled: true, allowPrerelease: true, skippedVersion: null }).offer).toBe(true);
  });

  it('says clearly when the feed is missing', async () => {
    await expect(provider('linux', 'nightly').getLatestVersion()).rejects.toThrow('Cannot find channel "nightly-linux.yml" update info');
  });
});

describe('update memory', () => {
  it('round-trips, and a malformed file gives the defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portwatch-updates-'));
    try {
      const file = join(dir, 'updates.json');
      expect(await readUpdateMemory(file)).toEqual({ enabled: true, skippedVersion: null, notifiedVersions: [] });
      await writeUpdateMemory(file, { enabled: false, skippedVersion: '0.2.0', notifiedVersions: ['0.2.0'] });
      expect(await readUpdateMemory(file)).toEqual({ enabled: false, skippedVersion: '0.2.0', notifiedVersions: ['0.2.0'] });
      writeFileSync(file, '{"enabled": "yes", "notifiedVersions": [1, "0.3.0"]');
      expect(await readUpdateMemory(file)).toEqual({ enabled: true, skippedVersion: null, notifiedVersions: [] });
      writeFileSync(file, '{"enabled": "yes", "notifiedVersions": [1, "0.3.0"]}');
      expect(await readUpdateMemory(file)).toEqual({ enabled: true, skippedVersion: null, notifiedVersions: ['0.3.0'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
