/**
 * Who owns a socket when its process is hidden from us (another user's or root's, read as an
 * unprivileged user). The kernel still tells any user two things about every socket (`ss -e`):
 * the cgroup it was created in and its owner uid. A fallback chain turns them into a name:
 *
 *   cgroup → container (docker, podman, containerd, CRI-O, LXC; named from the runtime's own files
 *            where they are readable) or systemd unit (`system.slice/nginx.service`), session, slice
 *          → socket uid → user name (/etc/passwd)
 *
 * Each answer says where it came from and how sure it is ({@link OwnerHint}). Everything here is
 * pure: file reading is behind {@link OwnerLookup} (src/main/node/owner-lookup.ts).
 */
import type { Connection, OwnerHint } from '../../shared/model';

/** Container runtimes recognised from cgroup paths. */
export type ContainerRuntime = 'docker' | 'podman' | 'containerd' | 'cri-o' | 'kubernetes' | 'lxc';

/** What a cgroup path says about its owner. */
export type CgroupOwner =
  | {
      kind: 'container';
      runtime: ContainerRuntime;
      /** The container id (64 hex digits), or the LXC container name. */
      id: string;
      /** Known from the path alone (LXC); else null. */
      name: string | null;
      /** Kubernetes pod uid, when the path is under kubepods. */
      pod: string | null;
      /** The runtime's monitor process (conmon) rather than the container itself. */
      monitor: boolean;
    }
  | { kind: 'unit'; unit: string; userUid: number | null }
  | { kind: 'session'; session: string; uid: number | null }
  | { kind: 'slice'; slice: string; uid: number | null }
  | { kind: 'none' };

/** Name look-ups behind the chain (injected: files in production, maps in tests). */
export interface OwnerLookup {
  /** The user name of a uid, or null when unknown. */
  userName(uid: number): string | null;
  /** The name of a container, or null when its runtime's files are not readable here. */
  containerName(runtime: ContainerRuntime, id: string): string | null;
}

const HEX64 = /^[0-9a-f]{64}$/;
const UNIT_SUFFIX = /\.(service|scope|socket|mount|swap|target|timer|path|device)$/;

/** Decodes systemd's `\xNN` escapes in unit names (`foo\x2dbar` → `foo-bar`) for display. */
export function unescapeUnit(name: string): string {
  return name.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => {
    const code = parseInt(hex, 16);
    // Control characters stay escaped: the name is shown to people.
    return code < 0x20 || code === 0x7f ? `\\x${hex}` : String.fromCharCode(code);
  });
}

/** Replaces control characters and caps the length of a name read from the system. */
export function cleanName(name: string, max = 128): string {
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function uidOf(segment: string, pattern: RegExp): number | null {
  const m = pattern.exec(segment);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

/** Reads what a cgroup v2 path (as `ss -e` prints it) says about its owner. */
export function parseCgroupPath(path: string): CgroupOwner {
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.length === 0) return { kind: 'none' };
  let pod: string | null = null;
  let userUid: number | null = null;
  for (const seg of segments) {
    const p = /^kubepods(?:-[a-z]+)?-pod([0-9a-f_-]{36})\.slice$/.exec(seg) ?? /^pod([0-9a-f-]{36})$/.exec(seg);
    if (p) pod = (p[1] as string).replace(/_/g, '-');
    userUid = uidOf(seg, /^user@(\d+)\.service$/) ?? userUid;
  }
  const sliceUid = segments.map((s) => uidOf(s, /^user-(\d+)\.slice$/)).find((u) => u !== null) ?? null;
  const underKubepods = segments[0]?.startsWith('kubepods') ?? false;

  // The most specific segment that names something wins: search from the end.
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i] as string;
    const container = (runtime: ContainerRuntime, id: string, monitor = false): CgroupOwner => ({ kind: 'container', runtime, id, name: null, pod, monitor });
    let m: RegExpExecArray | null;
    if ((m = /^docker-([0-9a-f]{64})\.scope$/.exec(seg))) return container('docker', m[1] as string);
    if (HEX64.test(seg) && segments[i - 1] === 'docker') return container('docker', seg);
    if ((m = /^libpod-conmon-([0-9a-f]{64})\.scope$/.exec(seg))) return container('podman', m[1] as string, true);
    if ((m = /^libpod-([0-9a-f]{64})\.scope$/.exec(seg))) return container('podman', m[1] as string);
    if ((m = /^cri-containerd-([0-9a-f]{64})\.scope$/.exec(seg))) return container('containerd', m[1] as string);
    if ((m = /^crio-conmon-([0-9a-f]{64})\.scope$/.exec(seg))) return container('cri-o', m[1] as string, true);
    if ((m = /^crio-([0-9a-f]{64})\.scope$/.exec(seg))) return container('cri-o', m[1] as string);
    if (HEX64.test(seg) && underKubepods) return container('kubernetes', seg);
    if ((m = /^lxc\.(payload|monitor)\.(.+)$/.exec(seg))) {
      const name = cleanName(m[2] as string);
      return { kind: 'container', runtime: 'lxc', id: name, name, pod: null, monitor: m[1] === 'monitor' };
    }
  }
  const last = segments[segments.length - 1] as string;
  // podman puts the container's processes in a `container` child of its scope (handled above);
  // any other plain directory is a program's own sub-cgroup: name its unit.
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i] as string;
    if (/^session-[\w.-]+\.scope$/.test(seg)) return { kind: 'session', session: unescapeUnit(seg.slice(8, -6)), uid: sliceUid };
    if (/^user@\d+\.service$/.test(seg)) {
      // The user's systemd instance itself (its init.scope, or a unit without a cgroup of its own).
      return { kind: 'unit', unit: seg, userUid: null };
    }
    if (UNIT_SUFFIX.test(seg)) {
      const inUserManager = segments.slice(0, i).some((s) => /^user@\d+\.service$/.test(s));
      return { kind: 'unit', unit: cleanName(unescapeUnit(seg)), userUid: inUserManager ? userUid : null };
    }
  }
  if (last.endsWith('.slice')) return { kind: 'slice', slice: cleanName(unescapeUnit(last)), uid: sliceUid };
  return { kind: 'none' };
}

const RUNTIME_LABEL: Record<ContainerRuntime, string> = {
  docker: 'docker',
  podman: 'podman',
  containerd: 'containerd',
  'cri-o': 'CRI-O',
  kubernetes: 'kubernetes',
  lxc: 'LXC',
};

/**
 * The owner hint of a hidden socket from its cgroup and uid, or null when neither says anything.
 * Container names come from `lookup` (the runtime's metadata) and say so in the label.
 */
export function resolveOwnerHint(input: { cgroup: string | null; uid: number | null }, lookup: OwnerLookup): OwnerHint | null {
  const uid = input.uid;
  const user = uid === null ? null : lookup.userName(uid);
  const cgroup = input.cgroup;
  const who = (u: number | null): string => {
    if (u === null) return '';
    const name = lookup.userName(u);
    return name === null ? ` of uid ${u}` : ` of ${cleanName(name)}`;
  };
  const base = { uid, user: user === null ? null : cleanName(user), cgroup };
  const owner = cgroup === null ? ({ kind: 'none' } as const) : parseCgroupPath(cgroup);
  switch (owner.kind) {
    case 'container': {
      const runtime = RUNTIME_LABEL[owner.runtime];
      const named = owner.name ?? lookup.containerName(owner.runtime, owner.id);
      const what = owner.monitor ? 'monitor of container' : 'container';
      const container = { runtime: owner.runtime, id: owner.id, name: named === null ? null : cleanName(named) };
      if (owner.name === null && named !== null) {
        return { ...base, label: `${what} ${container.name} (${runtime}, from cgroup and ${runtime} metadata)`, source: 'container-metadata', confidence: 'high', container };
      }
      const shown = named !== null ? container.name : owner.id.slice(0, 12);
      return { ...base, label: `${what} ${shown} (${runtime}, from cgroup)`, source: 'cgroup', confidence: 'high', container };
    }
    case 'unit':
      return {
        ...base,
        label: owner.userUid === null ? `unit ${owner.unit} (from cgroup)` : `user unit ${owner.unit}${who(owner.userUid)} (from cgroup)`,
        source: 'cgroup',
        confidence: 'high',
        unit: owner.unit,
      };
    case 'session':
      return { ...base, label: `login session ${cleanName(owner.session)}${who(owner.uid ?? uid)} (from cgroup)`, source: 'cgroup', confidence: 'medium' };
    case 'slice':
      return { ...base, label: `slice ${owner.slice}${who(owner.uid)} (from cgroup)`, source: 'cgroup', confidence: 'medium' };
    case 'none':
      if (uid === null) return null;
      return {
        ...base,
        label: user === null ? `uid ${uid} (from socket owner)` : `user ${cleanName(user)} (from socket owner)`,
        source: 'socket-uid',
        confidence: 'low',
      };
  }
}

/** Parses /etc/passwd text into uid → user name (malformed lines skipped; the first name of a uid wins). */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    const name = fields[0];
    const uidText = fields[2];
    if (name === undefined || name === '' || uidText === undefined || !/^\d{1,10}$/.test(uidText)) continue;
    const uid = Number(uidText);
    if (!users.has(uid)) users.set(uid, name);
  }
  return users;
}

/** What the runtimes' metadata says about one container. */
export interface ContainerRecord {
  runtime: ContainerRuntime;
  id: string;
  name: string;
  /** Its addresses on container networks (docker), for matching docker-proxy targets. */
  addresses: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads docker's `containers/<id>/config.v2.json`; null when it is not one. */
export function parseDockerConfig(json: unknown): ContainerRecord | null {
  if (!isRecord(json)) return null;
  const id = json.ID;
  const rawName = json.Name;
  if (typeof id !== 'string' || !HEX64.test(id) || typeof rawName !== 'string') return null;
  const name = cleanName(rawName.replace(/^\//, ''));
  const addresses: string[] = [];
  const settings = json.NetworkSettings;
  const networks = isRecord(settings) ? settings.Networks : undefined;
  if (isRecord(networks)) {
    for (const net of Object.values(networks)) {
      if (!isRecord(net)) continue;
      for (const field of ['IPAddress', 'GlobalIPv6Address']) {
        const ip = net[field];
        if (typeof ip === 'string' && ip !== '' && ip.length <= 45) addresses.push(ip);
      }
    }
  }
  return { runtime: 'docker', id, name, addresses };
}

/**
 * Reads containers/storage's `overlay-containers/containers.json` (podman and CRI-O keep their
 * containers' names there); entries that are not containers are skipped.
 */
export function parseStorageContainers(json: unknown, runtime: ContainerRuntime = 'podman'): ContainerRecord[] {
  if (!Array.isArray(json)) return [];
  const out: ContainerRecord[] = [];
  for (const entry of json) {
    if (!isRecord(entry)) continue;
    const id = entry.id;
    const names = entry.names;
    if (typeof id !== 'string' || !HEX64.test(id) || !Array.isArray(names)) continue;
    const name = names.find((n): n is string => typeof n === 'string' && n !== '');
    if (name !== undefined) out.push({ runtime, id, name: cleanName(name), addresses: [] });
  }
  return out;
}

/**
 * Sets `forward.targetContainer` on docker-proxy rows whose target address belongs to a known
 * container (docker-proxy listens for a published port and forwards to `-container-ip`).
 */
export function annotateProxyTargets(rows: Connection[], containers: readonly ContainerRecord[]): void {
  const byAddress = new Map<string, string>();
  for (const c of containers) for (const a of c.addresses) byAddress.set(a, c.name);
  if (byAddress.size === 0) return;
  for (const row of rows) {
    const f = row.forward;
    if (f == null || f.kind !== 'docker-proxy' || f.targetHost === null) continue;
    const name = byAddress.get(f.targetHost);
    // A new object: forward infos may be shared by the forward parser's cache.
    if (name !== undefined) row.forward = { ...f, targetContainer: name };
  }
}

/**
 * Sets `ownerHint` on rows whose owner is hidden, from their `ss -e` record (cgroup, uid); rows
 * with a visible owner or none at all (TIME_WAIT) are left alone.
 */
export function annotateOwnerHints(
  rows: Connection[],
  socketOf: (row: Connection) => { cgroup: string | null; uid: number | null } | null,
  lookup: OwnerLookup,
): void {
  for (const row of rows) {
    if (row.ownerVisibility !== 'hidden') continue;
    const s = socketOf(row);
    row.ownerHint = s === null ? null : resolveOwnerHint(s, lookup);
  }
}
