import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveOwnerHint } from '../../../src/main/core/owner-hints';
import { createOwnerLookup, LOOKUP_REFRESH_MS } from '../../../src/main/node/owner-lookup';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
const D = 'd'.repeat(64);

/** A fake file system root with passwd and container runtime metadata. */
function fakeRoot(): { root: string; home: string } {
  const root = mkdtempSync(join(tmpdir(), 'pw-owners-'));
  const home = join(root, 'home/alice');
  const write = (path: string, text: string): void => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };
  write(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\n');
  const docker = join(root, 'var/lib/docker/containers');
  write(join(docker, A, 'config.v2.json'), JSON.stringify({ ID: A, Name: '/web', NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2' } } } }));
  // A config whose ID does not match its folder is not trusted.
  write(join(docker, C, 'config.v2.json'), JSON.stringify({ ID: A, Name: '/impostor' }));
  write(join(docker, D, 'config.v2.json'), '{ not json');
  write(join(root, 'var/lib/containers/storage/overlay-containers/containers.json'), JSON.stringify([{ id: B, names: ['db'] }]));
  write(join(home, '.local/share/containers/storage/overlay-containers/containers.json'), JSON.stringify([{ id: D, names: ['rootless-cache'] }]));
  return { root, home };
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('createOwnerLookup on a fake file system root', () => {
  const { root, home } = fakeRoot();
  made.push(root);

  it('names users from passwd and containers from docker and containers/storage metadata', () => {
    const lookup = createOwnerLookup({ root, home });
    expect(lookup.userName(33)).toBe('www-data');
    expect(lookup.userName(4242)).toBeNull();
    expect(lookup.containerName('docker', A)).toBe('web');
    expect(lookup.containerName('podman', B)).toBe('db');
    expect(lookup.containerName('podman', D)).toBe('rootless-cache');
    expect(lookup.containerName('containerd', A)).toBeNull();
    expect(lookup.containers()).toEqual([{ runtime: 'docker', id: A, name: 'web', addresses: ['172.17.0.2'] }]);
    expect(lookup.takeNotices()).toEqual([]);
  });

  it('does not trust a config whose ID differs from its folder, nor malformed JSON, nor ids that are not 64 hex digits', () => {
    const lookup = createOwnerLookup({ root, home });
    expect(lookup.containerName('docker', C)).toBeNull();
    expect(lookup.containerName('docker', D)).toBeNull();
    expect(lookup.containerName('docker', '../../../etc')).toBeNull();
  });

  it('gives the full chain its labels', () => {
    const lookup = createOwnerLookup({ root, home });
    expect(resolveOwnerHint({ cgroup: `/system.slice/docker-${A}.scope`, uid: 0 }, lookup)?.label).toBe('container web (docker, from cgroup and docker metadata)');
    expect(resolveOwnerHint({ cgroup: '/system.slice/nginx.service', uid: 33 }, lookup)).toMatchObject({ label: 'unit nginx.service (from cgroup)', user: 'www-data' });
    expect(resolveOwnerHint({ cgroup: '/', uid: 1000 }, lookup)?.label).toBe('user alice (from socket owner)');
  });

  it('reuses what it read for a while, then reads again', () => {
    let t = 0;
    const lookup = createOwnerLookup({ root, home, now: () => t });
    expect(lookup.userName(2000)).toBeNull();
    writeFileSync(join(root, 'etc/passwd'), 'bob:x:2000:2000::/:/bin/sh\n');
    expect(lookup.userName(2000)).toBeNull();
    t = LOOKUP_REFRESH_MS;
    expect(lookup.userName(2000)).toBe('bob');
  });
});

describe('createOwnerLookup where nothing is readable', () => {
  it('answers null for a missing root, a folder in place of a file, and a FIFO (without hanging)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'pw-owners-empty-'));
    made.push(empty);
    mkdirSync(join(empty, 'etc/passwd'), { recursive: true });
    const fifoDir = join(empty, 'var/lib/docker/containers', A);
    mkdirSync(fifoDir, { recursive: true });
    const fifo = spawnSync('mkfifo', [join(fifoDir, 'config.v2.json')]);
    const lookup = createOwnerLookup({ root: empty, home: null });
    expect(lookup.userName(0)).toBeNull();
    if (fifo.status === 0) expect(lookup.containerName('docker', A)).toBeNull();
    expect(lookup.containers()).toEqual([]);
    expect(createOwnerLookup({ root: join(empty, 'nope'), home: null }).containerName('podman', B)).toBeNull();
  });

  // The lookup runs synchronously, so this process can read as nobody for its duration (seteuid).
  it.runIf(process.getuid?.() === 0 && typeof process.seteuid === 'function')('says once that docker metadata is not readable by this user (read as nobody)', () => {
    const { root, home } = fakeRoot();
    made.push(root);
    spawnSync('chmod', ['-R', 'a+rX', root]);
    spawnSync('chmod', ['700', join(root, 'var/lib/docker')]);
    const lookup = createOwnerLookup({ root, home });
    process.seteuid?.(65534);
    let names: (string | null)[];
    let containers: unknown[];
    try {
      names = [lookup.userName(33), lookup.containerName('docker', A), lookup.containerName('docker', A), lookup.containerName('podman', B)];
      containers = lookup.containers();
    } finally {
      process.seteuid?.(0);
    }
    expect(names).toEqual(['www-data', null, null, 'db']);
    expect(containers).toEqual([]);
    expect(lookup.takeNotices()).toEqual([`Docker's container files (${join(root, 'var/lib/docker/containers')}) are not readable by this user: docker containers show by id.`]);
    expect(lookup.takeNotices()).toEqual([]);
  });
});
