import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  decideOffer,
  feedFromUpdateInfo,
  nextCheckAt,
  UPDATE_CHECK_INTERVAL_MS,
  UPDATE_FIRST_CHECK_DELAY_MS,
  UpdateController,
  updateMenuEntry,
} from '../../../src/main/core/update-policy';
import type { UpdateEffects, UpdateFeed, UpdatePreferences, UpdateState } from '../../../src/main/core/update-policy';

const SHA = `${'A'.repeat(86)}==`;
const feed = (version: string, over: Partial<UpdateFeed> = {}): UpdateFeed => ({
  version,
  files: [{ url: `Portwatch-${version}.AppImage`, sha512: SHA }],
  releaseDate: null,
  releaseName: null,
  releaseNotes: null,
  ...over,
});
const prefs = (over: Partial<UpdatePreferences> = {}): UpdatePreferences => ({ enabled: true, allowPrerelease: false, skippedVersion: null, ...over });

describe('compareVersions', () => {
  it.each([
    ['1.0.0', '1.0.1', -1],
    ['1.10.0', '1.9.9', 1],
    ['v2.0.0', '2.0.0', 0],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
    ['1.0.0-beta.2', '1.0.0-beta.11', -1],
    ['1.0.0+build.5', '1.0.0', 0],
  ])('%s vs %s → %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(-expected || 0);
  });

  it('throws on text that is not a version, so a bad feed never reads as newer', () => {
    expect(() => compareVersions('latest', '1.0.0')).toThrow('not a version: "latest"');
  });
});

describe('decideOffer', () => {
  it('offers a newer release', () => {
    expect(decideOffer('0.1.0', feed('0.2.0'), prefs())).toEqual({ offer: true, version: '0.2.0' });
  });

  it.each([
    ['the same version', feed('0.1.0'), prefs(), 'Portwatch 0.1.0 is up to date'],
    ['an older version', feed('0.0.9'), prefs(), 'Portwatch 0.1.0 is up to date'],
    ['a pre-release nobody asked for', feed('0.2.0-beta.1'), prefs(), '0.2.0-beta.1 is a pre-release'],
    ['a skipped version', feed('0.2.0'), prefs({ skippedVersion: '0.2.0' }), '0.2.0 was skipped'],
    ['a malformed version', feed('0.2'), prefs(), 'the update feed names no valid version ("0.2")'],
    ['a release without files', feed('0.2.0', { files: [] }), prefs(), 'release 0.2.0 lists no file to download'],
    ['a file without a checksum', feed('0.2.0', { files: [{ url: 'x', sha512: 'abc' }] }), prefs(), 'release 0.2.0 lists a file without a valid SHA-512 checksum'],
  ])('does not offer %s', (_name, given, preferences, reason) => {
    expect(decideOffer('0.1.0', given, preferences)).toEqual({ offer: false, reason });
  });

  it('offers a pre-release when asked, and a newer version than the skipped one', () => {
    expect(decideOffer('0.1.0', feed('0.2.0-beta.1'), prefs({ allowPrerelease: true }))).toEqual({ offer: true, version: '0.2.0-beta.1' });
    expect(decideOffer('0.1.0', feed('0.3.0'), prefs({ skippedVersion: '0.2.0' }))).toEqual({ offer: true, version: '0.3.0' });
  });
});

describe('nextCheckAt', () => {
  it('checks shortly after start, then daily, and never when off', () => {
    expect(nextCheckAt(prefs(), 1_000, null)).toBe(1_000 + UPDATE_FIRST_CHECK_DELAY_MS);
    expect(nextCheckAt(prefs(), 1_000, 50_000)).toBe(50_000 + UPDATE_CHECK_INTERVAL_MS);
    expect(nextCheckAt(prefs({ enabled: false }), 1_000, null)).toBeNull();
  });
});

describe('feedFromUpdateInfo', () => {
  it('joins per-version release notes and bounds every text', () => {
    const parsed = feedFromUpdateInfo({
      version: '0.2.0',
      files: [{ url: 'a', sha512: SHA, size: 3 }, 'junk', { url: 5 }],
      releaseNotes: [{ version: '0.2.0', note: 'two' }, { version: '0.1.5', note: 'one' }],
      releaseName: 'x'.repeat(500),
    });
    expect(parsed.files).toEqual([{ url: 'a', sha512: SHA, size: 3 }]);
    expect(parsed.releaseNotes).toBe('two\n\none');
    expect(parsed.releaseName).toHaveLength(200);
  });

  it('rejects what is not a feed', () => {
    expect(() => feedFromUpdateInfo(null)).toThrow('the update feed is not an object');
    expect(() => feedFromUpdateInfo({ files: [] })).toThrow('the update feed has no version');
  });
});

/** Effects that record what the controller asked for. */
function recorder(result: UpdateFeed | null | Error): { effects: UpdateEffects; calls: string[]; states: UpdateState[] } {
  const calls: string[] = [];
  const states: UpdateState[] = [];
  return {
    calls,
    states,
    effects: {
      check: () => {
        calls.push('check');
        return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
      },
      download: (onProgress) => {
        calls.push('download');
        onProgress(50);
        onProgress(100);
        return Promise.resolve();
      },
      install: () => calls.push('install'),
      notify: (version) => calls.push(`notify ${version}`),
      changed: (state) => states.push(state),
    },
  };
}

describe('UpdateController', () => {
  it('never downloads or installs without the user: one click downloads, a second installs', async () => {
    const { effects, calls, states } = recorder(feed('0.2.0'));
    const controller = new UpdateController('0.1.0', prefs(), effects);
    expect(await controller.check(1)).toEqual({ kind: 'available', version: '0.2.0', notes: null });
    expect(calls).toEqual(['check', 'notify 0.2.0']);
    expect(await controller.accept()).toEqual({ kind: 'downloaded', version: '0.2.0' });
    expect(calls).toEqual(['check', 'notify 0.2.0', 'download']);
    expect(states.map((s) => (s.kind === 'downloading' ? `${s.kind} ${s.percent}` : s.kind))).toEqual([
      'checking',
      'available',
      'downloading 0',
      'downloading 50',
      'downloading 100',
      'downloaded',
    ]);
    await controller.accept();
    expect(calls.at(-1)).toBe('install');
  });

  it('announces a version once, also across restarts', async () => {
    const first = recorder(feed('0.2.0'));
    const controller = new UpdateController('0.1.0', prefs(), first.effects);
    await controller.check(1);
    await controller.check(2);
    expect(first.calls.filter((c) => c.startsWith('notify'))).toEqual(['notify 0.2.0']);
    const second = recorder(feed('0.2.0'));
    await new UpdateController('0.1.0', prefs(), second.effects, ['0.2.0']).check(3);
    expect(second.calls).toEqual(['check']);
  });

  it('reports a failed check as an error state, never throws', async () => {
    const { effects } = recorder(new Error('getaddrinfo ENOTFOUND github.com'));
    const state = await new UpdateController('0.1.0', prefs(), effects).check(1);
    expect(state).toEqual({ kind: 'error', message: 'could not check for updates: getaddrinfo ENOTFOUND github.com' });
  });

  it('withdraws an offer the user skips', async () => {
    const { effects } = recorder(feed('0.2.0'));
    const controller = new UpdateController('0.1.0', prefs(), effects);
    await controller.check(1);
    controller.setPreferences(prefs({ skippedVersion: '0.2.0' }));
    expect(controller.state()).toEqual({ kind: 'idle', note: '0.2.0 skipped' });
  });

  it('ignores a click with nothing on offer', async () => {
    const { effects, calls } = recorder(feed('0.1.0'));
    const controller = new UpdateController('0.1.0', prefs(), effects);
    await controller.check(1);
    await controller.accept();
    expect(calls).toEqual(['check']);
  });
});

describe('updateMenuEntry', () => {
  it('names the next step, and is not clickable while downloading', () => {
    expect(updateMenuEntry({ kind: 'available', version: '0.2.0', notes: null })).toEqual({ label: 'Download Portwatch 0.2.0…', enabled: true });
    expect(updateMenuEntry({ kind: 'downloading', version: '0.2.0', percent: 41.7 })).toEqual({ label: 'Downloading 0.2.0: 41 %', enabled: false });
    expect(updateMenuEntry({ kind: 'downloaded', version: '0.2.0' })).toEqual({ label: 'Restart to install Portwatch 0.2.0', enabled: true });
    expect(updateMenuEntry({ kind: 'idle', note: null })).toBeNull();
  });
});
