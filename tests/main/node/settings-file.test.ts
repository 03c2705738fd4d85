import { lstat, mkdir, mkdtemp, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PersistedState } from '../../../src/main/core/settings-store';
import { WriteError } from '../../../src/main/node/atomic-write';
import { acquireFileLock } from '../../../src/main/node/file-lock';
import type { ProbeSpec } from '../../../src/shared/model';
import { defaultConfigDir, defaultDataDir, defaultState, JsonSettingsStore, validateState } from '../../../src/main/node/settings-file';
import { DEFAULT_SETTINGS } from '../../../src/shared/defaults';
import { onlyOn, POSIX } from '../../support/platform';

const NOW = Date.UTC(2026, 10, 26, 3, 4, 5, 678);

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'pw-settings-'));
}

const sample = (): PersistedState => ({
  version: 1,
  settings: { ...DEFAULT_SETTINGS, theme: 'dark', pollIntervalMs: 2000, notifications: { ...DEFAULT_SETTINGS.notifications, newListener: false } },
  probes: [
    { id: 'web', label: 'web', kind: 'http', url: 'http://[::1]:8080/', intervalMs: 30_000, timeoutMs: 5000, enabled: true, downAfter: 3, upAfter: 1, expectStatusMin: 200, expectStatusMax: 399, bodyContains: 'ok', acceptInvalidCert: false },
    { id: 'db', label: 'db', kind: 'tcp', host: '127.0.0.1', port: 5432, intervalMs: 10_000, timeoutMs: 2000, enabled: false, downAfter: 2, upAfter: 2 },
  ],
  windowBounds: { x: 10, y: 20, width: 1200, height: 800 },
});

describe('JsonSettingsStore', () => {
  it('loads the defaults, without a notice, when there is no file yet', async () => {
    const store = new JsonSettingsStore(join(await tempDir(), 'settings.json'));
    expect(await store.load()).toEqual({ state: defaultState(), notice: null });
  });

  it('round-trips the whole state through the file, creating its folder', async () => {
    const file = join(await tempDir(), 'nested', 'portwatch', 'settings.json');
    const store = new JsonSettingsStore(file);
    await store.update(() => sample());
    expect(await new JsonSettingsStore(file).load()).toEqual({ state: sample(), notice: null });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(sample());
  });

  it.each([
    ['not JSON', '{"version": 1, "settings": ', /because it is not valid JSON \(/],
    ['JSON of the wrong shape', '[1, 2]', /because it is invalid \(the file does not hold a JSON object\)/],
    ['an unknown version', '{"version": 7}', /because it is invalid \(unknown version 7 \(expected 1\)\)/],
    ['a bad setting', JSON.stringify({ ...sample(), settings: { ...DEFAULT_SETTINGS, pollIntervalMs: 5 } }), /because it is invalid \(settings: pollIntervalMs must be at least 500 ms\)/],
    ['a bad probe', JSON.stringify({ ...sample(), probes: [{ ...sample().probes[1], port: 70000 }] }), /because it is invalid \(probe 1 \("db"\): port must be at most 65535\)/],
  ])('moves a file with %s aside and loads the defaults with a notice', async (_name, content, reason) => {
    const dir = await tempDir();
    const file = join(dir, 'settings.json');
    await writeFile(file, content);
    const loaded = await new JsonSettingsStore(file, { now: () => NOW }).load();
    expect(loaded.state).toEqual(defaultState());
    const aside = `${file}.corrupt-2026-11-26T03-04-05-678Z`;
    expect(loaded.notice).toMatch(reason);
    expect(loaded.notice).toContain(`It was moved to ${aside}; the defaults are in use.`);
    expect(await readdir(dir)).toEqual(['settings.json.corrupt-2026-11-26T03-04-05-678Z']);
    expect(await readFile(aside, 'utf8')).toBe(content);
  });

  it('never overwrites an earlier moved-aside file', async () => {
    const dir = await tempDir();
    const file = join(dir, 'settings.json');
    const store = new JsonSettingsStore(file, { now: () => NOW });
    await writeFile(file, 'first');
    await store.load();
    await writeFile(file, 'second');
    const loaded = await store.load();
    expect(loaded.notice).toContain('.corrupt-2026-11-26T03-04-05-678Z-1');
    expect((await readdir(dir)).sort()).toEqual(['settings.json.corrupt-2026-11-26T03-04-05-678Z', 'settings.json.corrupt-2026-11-26T03-04-05-678Z-1']);
  });

  it('reports an unreadable settings path in words and loads the defaults, leaving it in place', async () => {
    const dir = await tempDir();
    const file = join(dir, 'settings.json');
    await mkdir(file);
    const loaded = await new JsonSettingsStore(file).load();
    expect(loaded).toEqual({ state: defaultState(), notice: `Cannot read the settings file ${file}: the path is a folder. Using the defaults; changes may not be saved.` });
    expect(await readdir(dir)).toEqual(['settings.json']);
  });

  it('writes nothing when a change throws, and the error reaches the caller', async () => {
    const file = join(await tempDir(), 'settings.json');
    const store = new JsonSettingsStore(file);
    await store.update(() => sample());
    const before = await readFile(file, 'utf8');
    await expect(
      store.update(() => {
        throw new Error('no probe with id "x"');
      }),
    ).rejects.toThrow('no probe with id "x"');
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('reports an unwritable location in words', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'blocker'), 'a file where a folder should be');
    const file = join(dir, 'blocker', 'settings.json');
    const error = await new JsonSettingsStore(file).update(() => sample()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).message).toBe(`cannot create the folder ${join(dir, 'blocker')}: a file is where the folder should be`);
  });

  it('reports a target that is a folder in words and writes nothing', async () => {
    const dir = await tempDir();
    const file = join(dir, 'settings.json');
    await mkdir(file);
    await expect(new JsonSettingsStore(file).update(() => sample())).rejects.toThrow(new WriteError(`cannot save the settings: cannot read ${file}: the path is a folder`, 'EISDIR'));
    expect(await readdir(dir)).toEqual(['settings.json']);
  });
});

describe('JsonSettingsStore shared by several writers', () => {
  const probe = (id: string): ProbeSpec => ({ id, label: id, kind: 'tcp', host: '127.0.0.1', port: 9000, intervalMs: 10_000, timeoutMs: 2000, enabled: false, downAfter: 1, upAfter: 1 });
  const addProbe = (id: string) => (doc: PersistedState): PersistedState => ({ ...doc, probes: [...doc.probes, probe(id)] });

  it('loses no update when two stores on one file write at the same time', async () => {
    const file = join(await tempDir(), 'settings.json');
    const [a, b] = [new JsonSettingsStore(file), new JsonSettingsStore(file)];
    await Promise.all([a.load(), b.load()]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).update(addProbe(`p${i}`))));
    const ids = (await new JsonSettingsStore(file).load()).state.probes.map((p) => p.id);
    expect(ids.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`).sort());
    expect(await readdir(join(file, '..'))).toEqual(['settings.json']);
  });

  it('applies each change to the newest file, not to the copy it loaded', async () => {
    const file = join(await tempDir(), 'settings.json');
    const [a, b] = [new JsonSettingsStore(file), new JsonSettingsStore(file)];
    await a.load();
    await b.load();
    await a.update((doc) => ({ ...doc, settings: { ...doc.settings, theme: 'dark' } }));
    const written = await b.update((doc) => ({ ...doc, settings: { ...doc.settings, pollIntervalMs: 3000 } }));
    expect(written.settings).toMatchObject({ theme: 'dark', pollIntervalMs: 3000 });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ settings: { theme: 'dark', pollIntervalMs: 3000 } });
  });

  it.skipIf(onlyOn(POSIX, 'checks POSIX file modes'))('creates the file with mode 0600 (it names hosts and ports of the user)', async () => {
    const file = join(await tempDir(), 'settings.json');
    await new JsonSettingsStore(file).update(() => sample());
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it.skipIf(onlyOn(POSIX, 'symbolic links without Developer Mode'))('writes through a settings.json that is a link to the user\'s dotfiles, keeping the link', async () => {
    const dir = await tempDir();
    const dotfiles = join(dir, 'dotfiles');
    await mkdir(dotfiles);
    const real = join(dotfiles, 'portwatch.json');
    await writeFile(real, JSON.stringify(sample()));
    const file = join(dir, 'settings.json');
    await symlink(real, file);
    const store = new JsonSettingsStore(file);
    await store.load();
    await store.update((doc) => ({ ...doc, settings: { ...doc.settings, theme: 'light' } }));
    expect((await lstat(file)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(real, 'utf8'))).toMatchObject({ settings: { theme: 'light' } });
    expect(await readdir(dotfiles)).toEqual(['portwatch.json']);
  });

  it('removes temporary files left by an interrupted write at start, and nothing else', async () => {
    const dir = await tempDir();
    const file = join(dir, 'settings.json');
    await writeFile(file, JSON.stringify(sample()));
    await writeFile(join(dir, '.settings.json.0123456789ab.tmp'), '{"version": 1, "sett');
    await writeFile(join(dir, '.settings.json.notours.tmp'), 'kept');
    await writeFile(join(dir, '.other.json.0123456789ab.tmp'), 'kept');
    const loaded = await new JsonSettingsStore(file).load();
    expect(loaded).toEqual({ state: sample(), notice: null });
    expect((await readdir(dir)).sort()).toEqual(['.other.json.0123456789ab.tmp', '.settings.json.notours.tmp', 'settings.json']);
  });

  it('announces a write of another store on the same file (the folder is watched)', async () => {
    const file = join(await tempDir(), 'settings.json');
    const [a, b] = [new JsonSettingsStore(file), new JsonSettingsStore(file)];
    await a.load();
    await b.load();
    const seen = new Promise<PersistedState>((resolve) => {
      const off = b.onChange((state) => {
        off();
        resolve(state);
      });
    });
    await a.update(addProbe('from-a'));
    expect((await seen).probes.map((p) => p.id)).toEqual(['from-a']);
  });

  it('moves a file damaged since the load aside and applies the change to the last good document', async () => {
    const dir = await tempDir();
    const file = join(dir, 'settings.json');
    const store = new JsonSettingsStore(file, { now: () => NOW });
    await store.update(() => sample());
    await writeFile(file, '{ damaged');
    const written = await store.update((doc) => ({ ...doc, settings: { ...doc.settings, theme: 'light' } }));
    expect(written).toEqual({ ...sample(), settings: { ...sample().settings, theme: 'light' } });
    expect(await readFile(`${file}.corrupt-2026-11-26T03-04-05-678Z`, 'utf8')).toBe('{ damaged');
  });

  it('says in words when another process holds the lock and does not let go', async () => {
    const file = join(await tempDir(), 'settings.json');
    const holder = await acquireFileLock(`${file}.lock`);
    const store = new JsonSettingsStore(file, { lock: { timeoutMs: 50 } });
    const error = await store.update(addProbe('x')).catch((e: unknown) => e);
    await holder();
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).message).toBe(
      `cannot save the settings: ${file}.lock is held by process ${process.pid} (another Portwatch?); try again, or delete that file if no Portwatch is running`,
    );
    await store.update(addProbe('x'));
    expect((await store.load()).state.probes.map((p) => p.id)).toEqual(['x']);
  });
});

describe('defaultConfigDir', () => {
  it.each([
    ['linux', { XDG_CONFIG_HOME: '/home/ann/.cfg' }, '/home/ann', '/home/ann/.cfg/portwatch'],
    ['linux', {}, '/home/ann', '/home/ann/.config/portwatch'],
    ['linux', { XDG_CONFIG_HOME: 'relative/dir' }, '/home/ann', '/home/ann/.config/portwatch'],
    ['linux', { XDG_CONFIG_HOME: '' }, '/home/ann', '/home/ann/.config/portwatch'],
    ['freebsd', {}, '/usr/home/bob', '/usr/home/bob/.config/portwatch'],
    ['darwin', { XDG_CONFIG_HOME: '/ignored' }, '/Users/ann', '/Users/ann/Library/Application Support/Portwatch'],
    ['win32', { APPDATA: 'C:\\Users\\Ann\\AppData\\Roaming' }, 'C:\\Users\\Ann', 'C:\\Users\\Ann\\AppData\\Roaming\\Portwatch'],
    ['win32', {}, 'C:\\Users\\Ann', 'C:\\Users\\Ann\\AppData\\Roaming\\Portwatch'],
  ] as const)('%s with %j and home %s gives %s', (platform, env, home, expected) => {
    expect(defaultConfigDir(platform, env, home)).toBe(expected);
  });
});

describe('defaultDataDir (where the journal lives)', () => {
  it.each([
    ['linux', { XDG_DATA_HOME: '/home/ann/.data' }, '/home/ann', '/home/ann/.data/portwatch'],
    ['linux', {}, '/home/ann', '/home/ann/.local/share/portwatch'],
    ['linux', { XDG_DATA_HOME: 'relative' }, '/home/ann', '/home/ann/.local/share/portwatch'],
    ['darwin', {}, '/Users/ann', '/Users/ann/Library/Application Support/Portwatch'],
    ['win32', { LOCALAPPDATA: 'C:\\Users\\Ann\\AppData\\Local', APPDATA: 'C:\\Roaming' }, 'C:\\Users\\Ann', 'C:\\Users\\Ann\\AppData\\Local\\Portwatch'],
    ['win32', {}, 'C:\\Users\\Ann', 'C:\\Users\\Ann\\AppData\\Local\\Portwatch'],
  ] as const)('%s with %j and home %s gives %s', (platform, env, home, expected) => {
    expect(defaultDataDir(platform, env, home)).toBe(expected);
  });
});

describe('journal settings', () => {
  it('a settings file from before the journal loads with the journal defaults, no notice', async () => {
    const dir = await tempDir();
    const file = join(dir, 'settings.json');
    const old = defaultState();
    const { journalEnabled: _e, journalRetentionDays: _r, journalMaxMb: _m, ...before } = old.settings;
    await writeFile(file, JSON.stringify({ ...old, settings: before }));
    const loaded = await new JsonSettingsStore(file).load();
    expect(loaded.notice).toBeNull();
    expect(loaded.state.settings).toMatchObject({ journalEnabled: true, journalRetentionDays: 7, journalMaxMb: 1024 });
  });

  it('refuses journal settings out of range', () => {
    expect(validateState({ ...defaultState(), settings: { ...defaultState().settings, journalRetentionDays: 0 } })).toEqual({
      ok: false,
      error: 'settings: journalRetentionDays must be at least 1 days',
    });
  });
});
