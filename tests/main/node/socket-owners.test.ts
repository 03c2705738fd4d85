// The incremental owner scanner against a full walk, on a fake /proc tree driven by seeded random
// churn (processes start, fork, exit and get their pid reused; sockets and files open and close,
// numbers are reused, fds are shared and dup2()ed), and on the real /proc with real sockets.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readProcNetTables, scanSocketOwners } from '../../../src/main/node/linux-proc';
import { SocketOwnerScanner } from '../../../src/main/node/socket-owners';
import { onlyOn, POSIX } from '../../support/platform';

/** mulberry32: a tiny seeded generator, so a failing sequence can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fake /proc: pid folders with a stat file and fd symlinks (dangling, as readlink needs no target). */
class FakeProc {
  readonly root = mkdtempSync(join(tmpdir(), 'portwatch-fakeproc-'));
  /** pid → fd number → link target. */
  readonly fds = new Map<number, Map<number, string>>();
  private starts = 0;
  private inodes = 1000;
  private pipes = 1;

  spawn(pid: number): void {
    this.starts += 1;
    mkdirSync(join(this.root, String(pid), 'fd'), { recursive: true });
    // Field 22 (start time) is the 20th after the ")"; names with spaces and ")" must not confuse it.
    const after = ['S', ...Array.from({ length: 18 }, (_, i) => String(i)), String(this.starts), '0'];
    writeFileSync(join(this.root, String(pid), 'stat'), `${pid} (a b) c) ${after.join(' ')}\n`);
    this.fds.set(pid, new Map());
  }

  exit(pid: number): void {
    rmSync(join(this.root, String(pid)), { recursive: true, force: true });
    this.fds.delete(pid);
  }

  private lowestFree(pid: number): number {
    const used = this.fds.get(pid) ?? new Map();
    let fd = 0;
    while (used.has(fd)) fd += 1;
    return fd;
  }

  set(pid: number, fd: number, target: string): void {
    const path = join(this.root, String(pid), 'fd', String(fd));
    if (this.fds.get(pid)?.has(fd)) unlinkSync(path);
    symlinkSync(target, path);
    this.fds.get(pid)?.set(fd, target);
  }

  openSocket(pid: number, inode = this.inodes++): number {
    const fd = this.lowestFree(pid);
    this.set(pid, fd, `socket:[${inode}]`);
    return inode;
  }

  openFile(pid: number): void {
    this.set(pid, this.lowestFree(pid), `pipe:[${this.pipes++}]`);
  }

  close(pid: number, fd: number): void {
    unlinkSync(join(this.root, String(pid), 'fd', String(fd)));
    this.fds.get(pid)?.delete(fd);
  }

  /** Every socket inode some fd names: what the socket tables would list. */
  liveInodes(): Set<number> {
    const live = new Set<number>();
    for (const fds of this.fds.values()) for (const target of fds.values()) if (target.startsWith('socket:[')) live.add(Number(target.slice(8, -1)));
    return live;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

const sorted = (map: Map<number, number[]>): Array<[number, number[]]> =>
  [...map.entries()].map(([inode, pids]): [number, number[]] => [inode, [...pids].sort((a, b) => a - b)]).sort((a, b) => a[0] - b[0]);

/** One random step of churn; `dup2` allows the one change only the safety walk sees. */
function step(proc: FakeProc, next: () => number, dup2: boolean): void {
  const pids = [...proc.fds.keys()];
  const pick = <T>(list: readonly T[]): T | undefined => list[Math.floor(next() * list.length)];
  const pid = pick(pids);
  const r = next();
  if (pid === undefined || r < 0.05) {
    // A new process, often on a pid number that was used before.
    const candidate = 100 + Math.floor(next() * 12);
    if (!proc.fds.has(candidate)) proc.spawn(candidate);
    return;
  }
  const fds = [...(proc.fds.get(pid)?.keys() ?? [])];
  if (r < 0.1) return proc.exit(pid);
  if (r < 0.4) return void proc.openSocket(pid);
  if (r < 0.5) return proc.openFile(pid);
  if (r < 0.8) {
    const fd = pick(fds);
    if (fd !== undefined) proc.close(pid, fd);
    return;
  }
  if (r < 0.9) {
    // fork(): a child shares every fd, then the parent often closes its copy of one socket.
    const child = 200 + Math.floor(next() * 20);
    if (proc.fds.has(child)) return;
    proc.spawn(child);
    for (const [fd, target] of proc.fds.get(pid) ?? []) proc.set(child, fd, target);
    const shared = pick(fds.filter((fd) => proc.fds.get(pid)?.get(fd)?.startsWith('socket:')));
    if (shared !== undefined) proc.close(pid, shared);
    return;
  }
  if (dup2) {
    // dup2(a, b): b now names a's target, whatever b named before.
    const a = pick(fds);
    const b = pick(fds);
    const target = a === undefined ? undefined : proc.fds.get(pid)?.get(a);
    if (b !== undefined && target !== undefined) proc.set(pid, b, target);
  }
}

let fake: FakeProc | null = null;
afterEach(() => {
  fake?.remove();
  fake = null;
});

describe.skipIf(onlyOn(POSIX, 'a fake /proc made of symlinks'))('SocketOwnerScanner on a fake /proc under churn', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('equals a full walk after every step without dup2 (seed %i)', (seed) => {
    const proc = (fake = new FakeProc());
    const next = random(seed);
    let now = 0;
    const scanner = new SocketOwnerScanner({ procRoot: proc.root, now: () => now, unresolvedWalkMs: 0, safetyWalkMs: 1e12 });
    let incremental = 0;
    let forced = 0;
    for (let i = 0; i < 300; i += 1) {
      step(proc, next, false);
      now += 1000;
      // A socket another user holds: in the tables, held by no fd we can read.
      const wanted = new Set([...proc.liveInodes(), 5]);
      const got = scanner.scan(wanted);
      const truth = scanSocketOwners(proc.root, wanted);
      expect(sorted(got.owners), `seed ${seed}, step ${i}`).toEqual(sorted(truth.owners));
      if (scanner.stats().mode === 'incremental') incremental += 1;
      if (scanner.stats().fullReason === 'unresolved') forced += 1;
    }
    // Most polls need no full walk (that is the point), and steps 1–3 find every new owner: a
    // walk forced by a socket without owner would mean they missed one.
    expect(incremental).toBe(299);
    expect(forced).toBe(0);
  });

  it.each([11, 12, 13, 14])('with dup2 never loses an owner, and a safety walk brings it back to the full walk (seed %i)', (seed) => {
    const proc = (fake = new FakeProc());
    const next = random(seed);
    let now = 0;
    const scanner = new SocketOwnerScanner({ procRoot: proc.root, now: () => now, unresolvedWalkMs: 0, safetyWalkMs: 10_000 });
    for (let i = 0; i < 300; i += 1) {
      step(proc, next, true);
      now += 1000;
      const wanted = proc.liveInodes();
      const got = scanner.scan(wanted).owners;
      const truth = scanSocketOwners(proc.root, wanted).owners;
      for (const [inode, pids] of truth) expect(got.get(inode) ?? [], `seed ${seed}, step ${i}, inode ${inode}`).toEqual(expect.arrayContaining(pids));
      if (scanner.stats().mode === 'full') expect(sorted(got)).toEqual(sorted(truth));
    }
  });

  it('reads only new fds in a quiet poll, and treats a reused pid as a new process', () => {
    const proc = (fake = new FakeProc());
    proc.spawn(100);
    for (let i = 0; i < 50; i += 1) proc.openSocket(100);
    let now = 0;
    const scanner = new SocketOwnerScanner({ procRoot: proc.root, now: () => now });
    scanner.scan(proc.liveInodes());
    expect(scanner.stats()).toEqual({ mode: 'full', readlinks: 50, fullReason: 'first' });
    now += 1000;
    const inode = proc.openSocket(100);
    expect(scanner.scan(proc.liveInodes()).owners.get(inode)).toEqual([100]);
    expect(scanner.stats()).toEqual({ mode: 'incremental', readlinks: 1, fullReason: null });

    // pid 100 exits; a new process gets pid 100 with the same fd numbers naming other sockets,
    // while one old socket lives on in another process.
    const old = [...proc.liveInodes()];
    proc.spawn(300);
    proc.openSocket(300, old[0]);
    proc.exit(100);
    proc.spawn(100);
    for (let i = 0; i < 3; i += 1) proc.openSocket(100, 9000 + i);
    now += 1000;
    const owners = scanner.scan(proc.liveInodes()).owners;
    expect(owners.get(old[0] ?? 0)).toEqual([300]);
    expect(owners.get(9000)).toEqual([100]);
    // pid 300's one fd and the new pid 100's three: nothing of the old pid 100 is trusted.
    expect(scanner.stats()).toEqual({ mode: 'incremental', readlinks: 4, fullReason: null });
  });

  /** One process with sockets on fds 0–2 and a pipe on fd 3, scanned once. */
  function quiet(): { proc: FakeProc; scanner: SocketOwnerScanner; tick(): void } {
    const proc = (fake = new FakeProc());
    proc.spawn(100);
    for (let i = 0; i < 3; i += 1) proc.openSocket(100);
    proc.openFile(100);
    let now = 0;
    const scanner = new SocketOwnerScanner({ procRoot: proc.root, now: () => now });
    scanner.scan(proc.liveInodes());
    return { proc, scanner, tick: () => (now += 1000) };
  }

  it('re-reads an fd whose socket closed, when its number names a new socket', () => {
    const { proc, scanner, tick } = quiet();
    proc.close(100, 1);
    const inode = proc.openSocket(100);
    tick();
    expect(scanner.scan(proc.liveInodes()).owners.get(inode)).toEqual([100]);
    expect(scanner.stats()).toEqual({ mode: 'incremental', readlinks: 1, fullReason: null });
  });

  it('finds a new socket on the number of a closed file by re-reading the non-socket fds, not everything', () => {
    const { proc, scanner, tick } = quiet();
    proc.close(100, 3);
    const inode = proc.openSocket(100);
    tick();
    expect(scanner.scan(proc.liveInodes()).owners.get(inode)).toEqual([100]);
    // fd 3 was remembered as a pipe: read once in step 3 (the sockets on 0–2 are not read).
    expect(scanner.stats()).toEqual({ mode: 'incremental', readlinks: 1, fullReason: null });
  });

  it('finds a connection a forking server handed to its child, and the new one on the reused number', () => {
    const { proc, scanner, tick } = quiet();
    const handed = [...proc.liveInodes()][1] ?? 0;
    proc.spawn(101);
    proc.set(101, 1, `socket:[${handed}]`);
    tick();
    scanner.scan(proc.liveInodes());
    proc.close(100, 1);
    const inode = proc.openSocket(100);
    tick();
    const owners = scanner.scan(proc.liveInodes()).owners;
    expect(owners.get(handed)).toEqual([101]);
    expect(owners.get(inode)).toEqual([100]);
    // Step 3: the pipe and the two fds naming the shared socket; no full walk.
    expect(scanner.stats()).toEqual({ mode: 'incremental', readlinks: 3, fullReason: null });
  });

  it('does not walk everything every poll for sockets nobody visible holds', () => {
    const proc = (fake = new FakeProc());
    proc.spawn(100);
    proc.openSocket(100);
    let now = 0;
    const scanner = new SocketOwnerScanner({ procRoot: proc.root, now: () => now });
    const modes: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      now += 1000;
      // A new hidden socket each second (another user's churn).
      scanner.scan(new Set([...proc.liveInodes(), 50_000 + i]));
      modes.push(scanner.stats().fullReason ?? 'incremental');
    }
    // First, then at most one walk per 5 s for the unresolved ones.
    expect(modes.filter((mode) => mode !== 'incremental').length).toBeLessThanOrEqual(4);
  });
});

describe.skipIf(onlyOn('linux', 'reads /proc'))('SocketOwnerScanner on the real /proc', () => {
  it('equals a full walk while real loopback connections open and close', async () => {
    const server: Server = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const clients: Socket[] = [];
    const scanner = new SocketOwnerScanner();
    try {
      for (let round = 0; round < 6; round += 1) {
        for (let i = 0; i < 20; i += 1) {
          const client = connect(port, '127.0.0.1');
          client.on('error', () => undefined);
          clients.push(client);
        }
        await Promise.all(clients.map((c) => (c.connecting ? new Promise((r) => c.once('connect', r)) : Promise.resolve())));
        clients.splice(0, 10).forEach((c) => c.destroy());
        await new Promise((r) => setTimeout(r, 50));
        const wanted = new Set(readProcNetTables().rows.map((row) => row.inode).filter((inode) => inode !== 0));
        const got = scanner.scan(wanted).owners;
        const truth = scanSocketOwners('/proc', wanted).owners;
        // Sockets may open or close between the two reads: compare this process's own sockets.
        const mine = (map: Map<number, number[]>): number[] => [...map.entries()].filter(([, pids]) => pids.includes(process.pid)).map(([inode]) => inode).sort();
        expect(mine(got)).toEqual(mine(truth));
      }
    } finally {
      clients.forEach((c) => c.destroy());
      await new Promise((r) => server.close(r));
    }
  });
});
