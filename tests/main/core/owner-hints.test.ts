import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  annotateOwnerHints,
  annotateProxyTargets,
  cleanName,
  parseCgroupPath,
  parseDockerConfig,
  parsePasswd,
  parseStorageContainers,
  resolveOwnerHint,
  unescapeUnit,
  type OwnerLookup,
} from '../../../src/main/core/owner-hints';
import { parseSsInfo } from '../../../src/main/core/tcp-info';
import type { Connection } from '../../../src/shared/model';

const FIXTURES = join(__dirname, '../../fixtures/linux');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'latin1');
const meta = JSON.parse(fixture('ss-info.meta.json')) as { cgroups: { path: string; title: string; host: string; uid: number; port: number }[] };
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

const names: OwnerLookup = {
  userName: (uid) => new Map([[0, 'root'], [1000, 'alice'], [65534, 'nobody']]).get(uid) ?? null,
  containerName: (runtime, id) => (runtime === 'docker' && id === A ? 'web' : runtime === 'podman' && id === B ? 'db' : null),
};
const nothing: OwnerLookup = { userName: () => null, containerName: () => null };

describe('parseCgroupPath on the cgroups recorded by `ss -e` (tests/fixtures/linux/ss-tuine-1.txt)', () => {
  const sockets = parseSsInfo(fixture('ss-tuine-1.txt')).sockets;
  const recorded = (title: string): string => {
    const g = meta.cgroups.find((x) => x.title === title);
    const s = sockets.find((x) => x.localPort === g?.port && x.state === 'LISTEN');
    return s?.cgroup ?? '';
  };

  it('reads a systemd service', () => {
    expect(parseCgroupPath(recorded('nginx-like'))).toEqual({ kind: 'unit', unit: 'nginx.service', userUid: null });
  });

  it('reads docker, podman (its inner `container` cgroup) and a kubernetes pod under containerd', () => {
    expect(parseCgroupPath(recorded('docker-app'))).toEqual({ kind: 'container', runtime: 'docker', id: A, name: null, pod: null, monitor: false });
    expect(parseCgroupPath(recorded('podman-app'))).toEqual({ kind: 'container', runtime: 'podman', id: B, name: null, pod: null, monitor: false });
    expect(parseCgroupPath(recorded('k8s-app'))).toEqual({
      kind: 'container',
      runtime: 'containerd',
      id: C,
      name: null,
      pod: '0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6',
      monitor: false,
    });
  });

  it('reads a user unit of a user systemd instance', () => {
    expect(parseCgroupPath(recorded('terminal-app'))).toEqual({ kind: 'unit', unit: 'vte-spawn-1234.scope', userUid: 1000 });
  });

  it('reads nothing from the root cgroup', () => {
    expect(parseCgroupPath('/')).toEqual({ kind: 'none' });
    expect(parseCgroupPath('')).toEqual({ kind: 'none' });
  });
});

describe('parseCgroupPath on other layouts', () => {
  it.each([
    ['/docker/' + A, { kind: 'container', runtime: 'docker', id: A, name: null, pod: null, monitor: false }],
    [`/machine.slice/libpod-conmon-${B}.scope`, { kind: 'container', runtime: 'podman', id: B, name: null, pod: null, monitor: true }],
    [`/kubepods.slice/kubepods-pod11111111_2222_3333_4444_555555555555.slice/crio-${C}.scope`, { kind: 'container', runtime: 'cri-o', id: C, name: null, pod: '11111111-2222-3333-4444-555555555555', monitor: false }],
    [`/kubepods/besteffort/pod11111111-2222-3333-4444-555555555555/${C}`, { kind: 'container', runtime: 'kubernetes', id: C, name: null, pod: '11111111-2222-3333-4444-555555555555', monitor: false }],
    ['/lxc.payload.mybox', { kind: 'container', runtime: 'lxc', id: 'mybox', name: 'mybox', pod: null, monitor: false }],
    ['/user.slice/user-1000.slice/session-3.scope', { kind: 'session', session: '3', uid: 1000 }],
    ['/user.slice/user-1000.slice/user@1000.service/init.scope', { kind: 'unit', unit: 'init.scope', userUid: 1000 }],
    ['/user.slice/user-1000.slice', { kind: 'slice', slice: 'user-1000.slice', uid: 1000 }],
    ['/init.scope', { kind: 'unit', unit: 'init.scope', userUid: null }],
    ['/system.slice/system-getty.slice/getty@tty1.service', { kind: 'unit', unit: 'getty@tty1.service', userUid: null }],
    ['/system.slice/foo\\x2dbar.service/worker', { kind: 'unit', unit: 'foo-bar.service', userUid: null }],
    ['/system.slice/docker.service', { kind: 'unit', unit: 'docker.service', userUid: null }],
    ['/some/plain/dir', { kind: 'none' }],
  ])('%s', (path, expected) => {
    expect(parseCgroupPath(path)).toEqual(expected);
  });

  it('keeps control characters out of names', () => {
    expect(unescapeUnit('a\\x0ab\\x2d')).toBe('a\\x0ab-');
    expect(cleanName('evil\nname\u001b[31m')).toBe('evil?name?[31m');
    expect(cleanName('x'.repeat(300))).toHaveLength(128);
  });
});

describe('resolveOwnerHint: cgroup → unit/container → uid → user name, each labelled', () => {
  it('names a systemd unit from the cgroup', () => {
    expect(resolveOwnerHint({ cgroup: '/system.slice/nginx.service', uid: 33 }, names)).toEqual({
      label: 'unit nginx.service (from cgroup)',
      source: 'cgroup',
      confidence: 'high',
      unit: 'nginx.service',
      uid: 33,
      user: null,
      cgroup: '/system.slice/nginx.service',
    });
  });

  it('names a container from its runtime metadata when readable, else by its short id', () => {
    expect(resolveOwnerHint({ cgroup: `/system.slice/docker-${A}.scope`, uid: 0 }, names)).toMatchObject({
      label: 'container web (docker, from cgroup and docker metadata)',
      source: 'container-metadata',
      confidence: 'high',
      container: { runtime: 'docker', id: A, name: 'web' },
      user: 'root',
    });
    expect(resolveOwnerHint({ cgroup: `/machine.slice/libpod-${B}.scope/container`, uid: 0 }, names)?.label).toBe('container db (podman, from cgroup and podman metadata)');
    expect(resolveOwnerHint({ cgroup: `/system.slice/docker-${A}.scope`, uid: 0 }, nothing)).toMatchObject({
      label: 'container aaaaaaaaaaaa (docker, from cgroup)',
      source: 'cgroup',
      container: { runtime: 'docker', id: A, name: null },
    });
    expect(resolveOwnerHint({ cgroup: '/lxc.payload.mybox', uid: 100000 }, nothing)?.label).toBe('container mybox (LXC, from cgroup)');
  });

  it('names user units and sessions with their user', () => {
    expect(resolveOwnerHint({ cgroup: '/user.slice/user-1000.slice/user@1000.service/app.slice/app-x.scope', uid: 1000 }, names)?.label).toBe(
      'user unit app-x.scope of alice (from cgroup)',
    );
    expect(resolveOwnerHint({ cgroup: '/user.slice/user-1001.slice/session-7.scope', uid: 1001 }, names)).toMatchObject({
      label: 'login session 7 of uid 1001 (from cgroup)',
      confidence: 'medium',
    });
  });

  it('falls back to the socket owner uid, by name when /etc/passwd knows it', () => {
    expect(resolveOwnerHint({ cgroup: '/', uid: 65534 }, names)).toEqual({ label: 'user nobody (from socket owner)', source: 'socket-uid', confidence: 'low', uid: 65534, user: 'nobody', cgroup: '/' });
    expect(resolveOwnerHint({ cgroup: null, uid: 4242 }, names)?.label).toBe('uid 4242 (from socket owner)');
    expect(resolveOwnerHint({ cgroup: null, uid: null }, names)).toBeNull();
  });
});

describe('metadata parsers', () => {
  it('parsePasswd maps uids to the first name, skipping junk', () => {
    expect(parsePasswd('root:x:0:0:root:/root:/bin/bash\n#c\nbad line\nx:x:abc:0::/:\ntoor:x:0:0::/:\nnobody:x:65534:65534::/:/usr/sbin/nologin\n')).toEqual(
      new Map([
        [0, 'root'],
        [65534, 'nobody'],
      ]),
    );
  });

  it('parseDockerConfig reads name and network addresses, rejects other shapes', () => {
    const doc = { ID: A, Name: '/web', NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2', GlobalIPv6Address: '' }, other: { IPAddress: '10.1.0.5' } } } };
    expect(parseDockerConfig(doc)).toEqual({ runtime: 'docker', id: A, name: 'web', addresses: ['172.17.0.2', '10.1.0.5'] });
    expect(parseDockerConfig({ ID: '../../etc', Name: '/x' })).toBeNull();
    expect(parseDockerConfig([])).toBeNull();
    expect(parseDockerConfig({ ID: A, Name: 5 })).toBeNull();
    expect(parseDockerConfig({ ID: A, Name: '/web', NetworkSettings: 'nope' })).toEqual({ runtime: 'docker', id: A, name: 'web', addresses: [] });
  });

  it('parseStorageContainers reads containers/storage names', () => {
    expect(parseStorageContainers([{ id: B, names: ['db'] }, { id: 'short', names: ['x'] }, { id: C, names: [] }, 'junk', null])).toEqual([{ runtime: 'podman', id: B, name: 'db', addresses: [] }]);
    expect(parseStorageContainers({ not: 'a list' })).toEqual([]);
  });
});

describe('annotating rows', () => {
  const row = (over: Partial<Connection>): Connection => ({
    key: 'k',
    protocol: 'tcp',
    family: 4,
    localAddress: '127.0.0.1',
    localPort: 80,
    remoteAddress: null,
    remotePort: null,
    state: 'LISTEN',
    owners: [],
    ownerVisibility: 'hidden',
    ...over,
  });

  it('sets ownerHint only on hidden rows, null when ss had no record', () => {
    const hidden = row({});
    const visible = row({ ownerVisibility: 'visible', owners: [{ pid: 1, name: 'x' }] });
    const unknown = row({ key: 'u' });
    annotateOwnerHints([hidden, visible, unknown], (r) => (r.key === 'k' ? { cgroup: '/system.slice/nginx.service', uid: 0 } : null), names);
    expect(hidden.ownerHint?.label).toBe('unit nginx.service (from cgroup)');
    expect(visible.ownerHint).toBeUndefined();
    expect(unknown.ownerHint).toBeNull();
  });

  it('names the container a docker-proxy row publishes', () => {
    const forward = { kind: 'docker-proxy' as const, listenAddress: '0.0.0.0', listenPort: 8080, targetHost: '172.17.0.2', targetPort: 80, via: 'docker-proxy …' };
    const proxy = row({ ownerVisibility: 'visible', owners: [{ pid: 5, name: 'docker-proxy' }], forward });
    const other = row({ forward: { ...forward, targetHost: '172.17.0.9' } });
    annotateProxyTargets([proxy, other], [{ runtime: 'docker', id: A, name: 'web', addresses: ['172.17.0.2'] }]);
    expect(proxy.forward).toEqual({ ...forward, targetContainer: 'web' });
    expect(forward).not.toHaveProperty('targetContainer');
    expect(other.forward?.targetContainer).toBeUndefined();
  });
});
