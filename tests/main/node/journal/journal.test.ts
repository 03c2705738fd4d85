import { mkdtempSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection, SnapshotDelta } from '../../../../src/shared/model';
import { Collector } from '../../../../src/main/core/collector';
import { NodeJournal, DAY_MS } from '../../../../src/main/node/journal/journal';
import type { KeyedSession } from '../../../../src/main/node/journal/queries';
import { JournalReader } from '../../../../src/main/node/journal/queries';
import { openJournalForReading } from '../../../../src/main/node/journal/database';
import { createSocketSource } from '../../../../src/main/node/socket-source';
import { systemClock } from '../../../../src/main/node/system-clock';
import { makeConnection, makeDelta } from '../../../support/connections';
import { openLoopbackListener } from '../../../support/loopback';
import type { LoopbackListener } from '../../../support/loopback';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-journal-'));
  file = join(dir, 'journal.db');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A collector on the real socket table, feeding the journal as the worker does. */
function live(journal: NodeJournal): { tick(): Promise<SnapshotDelta> } {
  const collector = new Collector({
    clock: systemClock,
    source: createSocketSource({ kind: 'auto' }),
    hostname: 'test',
    settings: { pollIntervalMs: 1000, closedRetentionMs: 10_000, reverseDns: false },
  });
  return {
    async tick() {
      const delta = await collector.tick();
      journal.delta(delta, { rows: () => collector.snapshot().rows });
      return delta;
    },
  };
}

function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

const onPort = (port: number) => (s: KeyedSession) => s.session.localPort === port || s.session.remotePort === port;

describe('NodeJournal on real loopback sockets', () => {
  let server: LoopbackListener;
  beforeEach(async () => {
    server = await openLoopbackListener();
    // The tests reset connections on purpose.
    server.server.on('connection', (socket) => socket.on('error', () => undefined));
  });
  afterEach(async () => {
    await server.close();
  });

  it('records a listener and both ends of a connection with their owner, and reads them back', async () => {
    const journal = await NodeJournal.open({ file });
    const c = live(journal);
    const before = Date.now();
    await c.tick();
    const client = await connectTo(server.port);
    const clientPort = client.localPort as number;
    await c.tick();
    const after = Date.now();
    const mine = [...journal.reader.sessions({ from: before - 1000, to: after }, { port: server.port })];
    const listener = mine.find((s) => s.session.listener);
    expect(listener?.session).toMatchObject({ protocol: 'tcp', localAddress: '127.0.0.1', localPort: server.port, openedBefore: true, closedAt: null, exposure: 'loopback' });
    expect(listener?.session.states.map((s) => s.state)).toEqual(['LISTEN']);
    expect(listener?.session.owners.map((o) => o.pid)).toEqual([process.pid]);
    const clientEnd = mine.find((s) => s.session.localPort === clientPort);
    expect(clientEnd?.session).toMatchObject({ remoteAddress: '127.0.0.1', remotePort: server.port, openedBefore: false, closedAt: null, listener: false });
    expect(clientEnd?.session.states.map((s) => s.state)).toEqual(['ESTABLISHED']);
    const serverEnd = mine.find((s) => s.session.localPort === server.port && s.session.remotePort === clientPort);
    expect(serverEnd?.session.owners[0]?.pid).toBe(process.pid);
    // The key is the collector's own, so the UI can line history up with the live table.
    expect(clientEnd?.key).toBe(`tcp4 127.0.0.1 ${clientPort} 127.0.0.1 ${server.port}`);
    // "Talked to": this process → 127.0.0.1, once per end.
    const talked = journal.reader.talkedTo({ from: before - 1000, to: after }, { remote: '127.0.0.1' });
    expect(talked.find((t) => t.process === clientEnd?.session.owners[0]?.name)?.sessions).toBeGreaterThanOrEqual(2);
    client.destroy();
    journal.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('"as of" shows a socket that closed before the query, in the state it had then', async () => {
    const journal = await NodeJournal.open({ file });
    const c = live(journal);
    await c.tick();
    const client = await connectTo(server.port);
    const clientPort = client.localPort as number;
    await c.tick();
    const whileOpen = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    // A reset leaves no TIME_WAIT behind: both ends leave the table.
    client.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 100));
    await c.tick();
    const afterClose = Date.now();
    const then = [...journal.reader.asOf(whileOpen)].filter(onPort(server.port));
    const end = then.find((s) => s.session.localPort === clientPort);
    expect(end?.session.closedAt).not.toBeNull();
    expect(end?.session.closedAt).toBeGreaterThan(whileOpen);
    expect(end?.session.states.map((s) => s.state)).toEqual(['ESTABLISHED']);
    const now = [...journal.reader.asOf(afterClose)].filter(onPort(server.port));
    expect(now.map((s) => s.session.localPort === clientPort)).not.toContain(true);
    expect(now.filter((s) => s.session.listener)).toHaveLength(1);
    expect(journal.reader.coverage(whileOpen)).toMatchObject({ recorded: true });
    expect(journal.reader.coverage(afterClose + 60_000)).toMatchObject({ recorded: false });
    journal.close();
  });

  it('keeps history across a restart: open sessions continue, ones gone meanwhile close unseen', async () => {
    let journal = await NodeJournal.open({ file });
    let c = live(journal);
    const client = await connectTo(server.port);
    const clientPort = client.localPort as number;
    await c.tick();
    const first = [...journal.reader.asOf(Date.now())].filter(onPort(server.port));
    expect(first).toHaveLength(3);
    journal.close();

    client.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 100));
    journal = await NodeJournal.open({ file });
    c = live(journal);
    await c.tick();
    const all = [...new JournalReader(journal.reader.db).sessions({ from: 0, to: Date.now() }, { port: server.port })];
    // Same listener session (same id), not a second one.
    expect(all.filter((s) => s.session.listener).map((s) => s.session.id)).toEqual(first.filter((s) => s.session.listener).map((s) => s.session.id));
    const gone = all.find((s) => s.session.localPort === clientPort);
    expect(gone?.session).toMatchObject({ closedUnseen: true });
    expect(journal.reader.runs()).toHaveLength(2);
    const info = journal.info();
    // Every socket of the machine is in it, ours among them.
    expect(info.file).toBe(file);
    expect(info.sessions).toBeGreaterThanOrEqual(3);
    expect(info.oldest).toBeLessThanOrEqual(first[0]?.session.openedAt ?? 0);
    expect(info.runs).toEqual(journal.reader.runs());
    expect(info.sizeBytes).toBeGreaterThan(0);
    journal.close();
  });
});


function conn(port: number, name = 'app', remote = '127.0.0.2'): Connection {
  return makeConnection({ localPort: port, remoteAddress: remote, remotePort: 443, state: 'ESTABLISHED', owners: [{ pid: 99, name }] });
}

/** Drives a journal with synthetic polls at chosen times. */
async function journalAt(clock: { t: number }, options: Partial<Parameters<typeof NodeJournal.open>[0]> = {}): Promise<NodeJournal> {
  return NodeJournal.open({ file, now: () => clock.t, ...options });
}

describe('NodeJournal retention, privacy and known marks', () => {
  it('retention deletes sessions, contacts and probe results past the limit; minutes stay 30 days', async () => {
    const clock = { t: Date.UTC(2026, 0, 1) };
    const journal = await journalAt(clock, { retentionDays: 7, cleanupEveryMs: 0 });
    const old = conn(1000);
    journal.delta(makeDelta(clock.t, { added: [] }), { rows: () => [old] });
    journal.probe({ probeId: 'p', kind: 'tcp', at: clock.t, outcome: 'open', ok: true, latencyMs: 1, message: 'open', health: 'up', transition: null });
    clock.t += 60_000;
    journal.delta(makeDelta(clock.t, { changed: [{ ...old, change: 'closed' }] }), { rows: () => [] });
    const start = clock.t;
    clock.t += 8 * DAY_MS;
    const recent = conn(2000);
    journal.delta(makeDelta(clock.t, { added: [recent] }), { rows: () => [recent] });
    clock.t += 61_000;
    journal.delta(makeDelta(clock.t, {}), { rows: () => [recent] });
    const reader = journal.reader;
    const ports = [...reader.sessions({ from: 0, to: clock.t })].map((s) => s.session.localPort);
    expect(ports).toEqual([2000]);
    // Only the recent contact is left; still open, its last seen moved on with the new minute.
    expect(reader.talkedTo({ from: 0, to: clock.t }).map((t) => [t.firstSeen, t.lastSeen])).toEqual([[clock.t - 61_000, clock.t]]);
    expect(journal.reader.db.prepare('SELECT count(*) FROM probe_results').raw().get()).toEqual([0]);
    // Minutes are kept for the 30-day view.
    expect(reader.minutes({ from: start - DAY_MS, to: start + DAY_MS }).length).toBeGreaterThan(0);
    journal.close();
  });

  it('the size cap deletes the oldest closed sessions first', async () => {
    const clock = { t: Date.UTC(2026, 0, 1) };
    const journal = await journalAt(clock, { maxMb: 1, cleanupEveryMs: 60_000, cleanupRows: 500 });
    journal.delta(makeDelta(clock.t, {}), { rows: () => [] });
    let port = 1;
    // ~3 MB of sessions, opened and closed in batches of 200.
    for (let batch = 0; batch < 60; batch += 1) {
      const rows = Array.from({ length: 200 }, () => makeConnection({ localPort: port++ % 65535, localAddress: `127.0.${batch}.${port % 250}`, remoteAddress: '127.0.0.9', remotePort: 1, state: 'ESTABLISHED', owners: [{ pid: 1, name: `p${'x'.repeat(100)}` }] }));
      clock.t += 1000;
      journal.delta(makeDelta(clock.t, { added: rows }), { rows: () => rows });
      clock.t += 1000;
      journal.delta(makeDelta(clock.t, { removedKeys: rows.map((r) => r.key) }), { rows: () => [] });
    }
    const sessionsBefore = journal.reader.stats().sessions;
    for (let i = 0; i < 200 && journal.usedBytes() > 1024 * 1024; i += 1) {
      clock.t += 1000;
      journal.delta(makeDelta(clock.t, {}), { rows: () => [] });
    }
    expect(journal.usedBytes()).toBeLessThanOrEqual(1024 * 1024);
    const left = [...journal.reader.sessions({ from: 0, to: clock.t })].map((s) => s.session.id);
    expect(left.length).toBeLessThan(sessionsBefore);
    // The newest survive (60 batches of 200), the oldest went.
    expect(Math.max(...left)).toBe(12_000);
    expect(Math.min(...left)).toBeGreaterThan(1);
    journal.close();
  });

  it('pause records nothing until resumed; forget a range and forget everything', async () => {
    const clock = { t: Date.UTC(2026, 0, 1) };
    const journal = await journalAt(clock);
    const a = conn(1);
    journal.delta(makeDelta(clock.t, {}), { rows: () => [a] });
    clock.t += 10_000;
    journal.pause();
    expect(journal.paused).toBe(true);
    const b = conn(2);
    journal.delta(makeDelta(clock.t + 1000, { added: [b] }), { rows: () => [a, b] });
    expect([...journal.reader.sessions({ from: 0, to: clock.t + 5000 })].map((s) => s.session.localPort)).toEqual([1]);
    clock.t += 3_600_000;
    journal.resume();
    const c = conn(3);
    journal.delta(makeDelta(clock.t, {}), { rows: () => [a, c] });
    expect(journal.reader.runs()).toHaveLength(2);
    // Nothing is claimed for the paused stretch.
    expect(journal.reader.coverage(clock.t - 1_800_000).recorded).toBe(false);
    // Forget the first hour: a (open across it) and the first run go; c stays.
    const forgotten = await journal.forget({ from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 1) + 1_800_000 });
    expect(forgotten).toBe(1);
    expect([...journal.reader.sessions({ from: 0, to: clock.t })].map((s) => s.session.localPort)).toEqual([3]);
    expect(journal.reader.runs().every((r) => r.from > Date.UTC(2026, 0, 1) + 1_800_000)).toBe(true);
    clock.t += 1000;
    journal.delta(makeDelta(clock.t, {}), { rows: () => [a, c] });
    await journal.forget();
    expect(journal.reader.stats().sessions).toBe(0);
    expect(journal.reader.runs()).toEqual([]);
    journal.close();
  });

  it('marks what is open now as known and leaves it out of events; new things still show', async () => {
    const clock = { t: Date.UTC(2026, 0, 1) };
    const journal = await journalAt(clock);
    const listener = makeConnection({ localPort: 8080, inode: 5 });
    const talk = conn(5000, 'firefox', '127.0.0.3');
    journal.delta(makeDelta(clock.t, {}), { rows: () => [listener, talk] });
    expect(journal.markKnown()).toBe(2);
    expect(journal.reader.known().map((k) => k.value)).toEqual(['firefox→127.0.0.3', 'tcp/8080']);
    clock.t += 1000;
    const newListener = makeConnection({ localPort: 9090, inode: 6, owners: [{ pid: 7, name: 'nc' }] });
    const newTalk = conn(5001, 'firefox', '127.0.0.4');
    journal.delta(makeDelta(clock.t, { added: [newListener, newTalk] }), { rows: () => [listener, talk, newListener, newTalk] });
    const range = { from: clock.t - 10_000, to: clock.t };
    expect(journal.reader.events(range).map((e) => (e.kind === 'new-listener' ? `listen ${e.port} ${e.process}` : `contact ${e.process} ${e.remoteAddress}`))).toEqual([
      'contact firefox 127.0.0.4',
      'listen 9090 nc',
    ]);
    expect(journal.reader.events(range, { includeKnown: true })).toHaveLength(4);
    journal.clearKnown();
    expect(journal.reader.known()).toEqual([]);
    journal.close();
  });
});

describe('journal file safety', () => {
  it('a damaged file is moved aside with a notice and a new journal starts', async () => {
    const clock = { t: Date.UTC(2026, 0, 1) };
    let journal = await journalAt(clock);
    journal.delta(makeDelta(clock.t, {}), { rows: () => [conn(1)] });
    journal.close();
    writeFileSync(file, Buffer.alloc(16_384, 0x5a));
    journal = await journalAt(clock);
    const notices = journal.notices();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/was damaged \(file is not a database\)\. It was moved to .*journal\.db\.corrupt-2026-01-01T00-00-00-000Z and a new journal was started\./);
    // The damaged file goes aside with its log and index, so the new journal does not read them.
    const aside = 'journal.db.corrupt-2026-01-01T00-00-00-000Z';
    expect(readdirSync(dir).filter((f) => f.includes('.corrupt-')).sort()).toEqual([aside, `${aside}-shm`, `${aside}-wal`]);
    expect(journal.reader.stats().sessions).toBe(0);
    journal.delta(makeDelta(clock.t + 1000, {}), { rows: () => [conn(2)] });
    expect(journal.reader.stats().sessions).toBe(1);
    // The notice stays a while, then goes.
    clock.t += 11 * 60_000;
    expect(journal.notices()).toEqual([]);
    journal.close();
  });

  it('refuses a symbolic link, another SQLite database and a missing file (reader), in words', async () => {
    const { symlinkSync } = await import('node:fs');
    const target = join(dir, 'elsewhere.db');
    writeFileSync(target, '');
    symlinkSync(target, file);
    await expect(NodeJournal.open({ file })).rejects.toThrow(/is a symbolic link; Portwatch does not write through links/);
    const Database = (await import('libsql')).default;
    const foreign = join(dir, 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (x)');
    db.close();
    await expect(NodeJournal.open({ file: foreign })).rejects.toThrow(/is an SQLite database but not a Portwatch journal; it was left untouched/);
    await expect(openJournalForReading(join(dir, 'none.db'))).rejects.toThrow(/No journal at .*none\.db/);
  });
});
