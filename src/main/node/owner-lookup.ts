/**
 * The files behind the owner fallback chain (core/owner-hints.ts): user names from /etc/passwd and
 * container names from the runtimes' own metadata, where this user may read them:
 *
 * - docker: /var/lib/docker/containers/<id>/config.v2.json (`Name`, network addresses; the folder
 *   is root-only on most systems, so unprivileged users see containers by id);
 * - podman and CRI-O (containers/storage): overlay-containers/containers.json, system-wide under
 *   /var/lib/containers/storage and, for rootless podman, under ~/.local/share/containers/storage;
 * - containerd keeps names in a bolt database we do not read: its containers show by id.
 *
 * Never throws: a missing or unreadable file is a name we do not know (and one notice). Reads are
 * synchronous and cached ({@link LOOKUP_REFRESH_MS}): the collector runs in a worker thread.
 */
import { closeSync, constants, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseDockerConfig,
  parsePasswd,
  parseStorageContainers,
  type ContainerRecord,
  type ContainerRuntime,
  type OwnerLookup,
} from '../core/owner-hints';

/** How long a file's content is reused, ms. */
export const LOOKUP_REFRESH_MS = 30_000;

/** Files larger than this are not read (a metadata file is a few kB). */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

const HEX64 = /^[0-9a-f]{64}$/;

/** {@link OwnerLookup} on the file system, plus what docker-proxy matching and the status need. */
export interface FileOwnerLookup extends OwnerLookup {
  /** Docker containers with their addresses (for docker-proxy targets); [] when unreadable. */
  containers(): ContainerRecord[];
  /** Notices about metadata that could not be read (each said once). */
  takeNotices(): string[];
}

/** Test seams: the file system root and home folder are injectable. */
export interface OwnerLookupDeps {
  /** Root of the file system to read (default `/`). */
  root?: string;
  /** Home folder of this user, for rootless podman (default $HOME; null = none). */
  home?: string | null;
  now?: () => number;
}

type ReadResult = { ok: true; text: string } | { ok: false; code: string };

function readSmallFile(path: string): ReadResult {
  let fd: number;
  try {
    // Non-blocking: a FIFO planted in place of a metadata file must not hang the collector.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, code: codeOf(error) };
  }
  try {
    const stat = fstatSync(fd);
    const size = stat.size;
    if (!stat.isFile()) return { ok: false, code: 'ENOTFILE' };
    if (size > MAX_FILE_BYTES) return { ok: false, code: 'EFBIG' };
    const buffer = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, null);
      if (n === 0) break;
      read += n;
    }
    return { ok: true, text: buffer.toString('utf8', 0, read) };
  } catch (error) {
    return { ok: false, code: codeOf(error) };
  } finally {
    closeSync(fd);
  }
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : 'error';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A value recomputed at most every {@link LOOKUP_REFRESH_MS}. */
function cached<T>(now: () => number, load: () => T): () => T {
  let at = Number.NEGATIVE_INFINITY;
  let value: T | undefined;
  return () => {
    const t = now();
    if (value === undefined || t - at >= LOOKUP_REFRESH_MS || t < at) {
      value = load();
      at = t;
    }
    return value;
  };
}

/** Creates the file-backed owner lookup. */
export function createOwnerLookup(deps: OwnerLookupDeps = {}): FileOwnerLookup {
  const root = deps.root ?? '/';
  const home = deps.home === undefined ? (process.env.HOME ?? null) : deps.home;
  const now = deps.now ?? Date.now;
  const said = new Set<string>();
  const pending: string[] = [];
  const notice = (id: string, text: string): void => {
    if (said.has(id)) return;
    said.add(id);
    pending.push(text);
  };
  const dockerDir = join(root, 'var/lib/docker/containers');

  const users = cached(now, () => {
    const r = readSmallFile(join(root, 'etc/passwd'));
    return r.ok ? parsePasswd(r.text) : new Map<number, string>();
  });

  const storage = cached(now, () => {
    const files = [join(root, 'var/lib/containers/storage/overlay-containers/containers.json')];
    if (home !== null) files.push(join(home, '.local/share/containers/storage/overlay-containers/containers.json'));
    const byId = new Map<string, string>();
    for (const file of files) {
      const r = readSmallFile(file);
      if (!r.ok) {
        if (r.code === 'EACCES' || r.code === 'EPERM') notice(`storage:${file}`, `Container names in ${file} are not readable by this user: podman/CRI-O containers show by id.`);
        continue;
      }
      for (const c of parseStorageContainers(parseJson(r.text))) if (!byId.has(c.id)) byId.set(c.id, c.name);
    }
    return byId;
  });

  const dockerNames = new Map<string, { at: number; name: string | null }>();
  const dockerConfig = (id: string): ContainerRecord | null => {
    const r = readSmallFile(join(dockerDir, id, 'config.v2.json'));
    if (!r.ok) {
      if (r.code === 'EACCES' || r.code === 'EPERM') notice('docker', `Docker's container files (${dockerDir}) are not readable by this user: docker containers show by id.`);
      return null;
    }
    return parseDockerConfig(parseJson(r.text));
  };

  const dockerContainers = cached(now, (): ContainerRecord[] => {
    let ids: string[];
    try {
      ids = readdirSync(dockerDir).filter((id) => HEX64.test(id));
    } catch (error) {
      const code = codeOf(error);
      if (code === 'EACCES' || code === 'EPERM') notice('docker', `Docker's container files (${dockerDir}) are not readable by this user: docker containers show by id.`);
      return [];
    }
    const out: ContainerRecord[] = [];
    for (const id of ids) {
      const c = dockerConfig(id);
      if (c !== null && c.id === id) out.push(c);
    }
    return out;
  });

  return {
    userName: (uid: number): string | null => users().get(uid) ?? null,
    containerName: (runtime: ContainerRuntime, id: string): string | null => {
      // The id becomes part of a path: only ever 64 hex digits.
      if (!HEX64.test(id)) return null;
      if (runtime === 'docker') {
        const hit = dockerNames.get(id);
        const t = now();
        if (hit !== undefined && t - hit.at < LOOKUP_REFRESH_MS && t >= hit.at) return hit.name;
        const c = dockerConfig(id);
        const name = c !== null && c.id === id ? c.name : null;
        // Bounded: ids come from sockets' cgroups, but never keep more than a busy host's worth.
        if (dockerNames.size >= 4096) dockerNames.clear();
        dockerNames.set(id, { at: t, name });
        return name;
      }
      if (runtime === 'podman' || runtime === 'cri-o') return storage().get(id) ?? null;
      return null;
    },
    containers: (): ContainerRecord[] => dockerContainers(),
    takeNotices: (): string[] => pending.splice(0),
  };
}
