import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelByteCounters, parseSsInfo, parseTcpCounters, SsIndex, ssJoinKey, type SsSocket } from '../../../src/main/core/tcp-info';
import { parseProcNet } from '../../../src/main/node/linux-proc';
import { connectionKey } from '../../../src/shared/key';
import type { Connection } from '../../../src/shared/model';

const FIXTURES = join(__dirname, '../../fixtures/linux');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'latin1');
const meta = JSON.parse(fixture('ss-info.meta.json')) as {
  transfer: { port: number; clientPort: number; clientToServer: number; serverToClient: number; clientToServerBetweenCaptures: number };
  acceptQueueFull: { port: number; backlog: number; clients: number };
  cgroups: { path: string; title: string; host: string; uid: number; port: number }[];
};

const first = parseSsInfo(fixture('ss-tuine-1.txt'));
const find = (sockets: SsSocket[], local: string, port: number, remotePort: number | null = null): SsSocket => {
  const hit = sockets.filter((s) => s.localAddress === local && s.localPort === port && s.remotePort === remotePort);
  expect(hit, `${local}:${port} -> ${remotePort}`).toHaveLength(1);
  return hit[0] as SsSocket;
};

/** Socket lines of a recorded output: every line that is neither the header nor a continuation. */
const socketLines = (text: string): number => text.split('\n').filter((l) => l !== '' && !l.startsWith('\t') && !l.startsWith('Netid')).length;

describe('parseSsInfo on recorded `ss -tuine` output (Linux 6.18, iproute2 6.1)', () => {
  it('reads every socket line and skips only the header', () => {
    expect(first.sockets).toHaveLength(socketLines(fixture('ss-tuine-1.txt')));
    expect(first.skipped).toBe(1);
    expect(first.suspicious).toBe(0);
  });

  it('reads the byte counters of a transfer of known size, on both ends', () => {
    const { port, clientPort, clientToServer, serverToClient } = meta.transfer;
    const client = find(first.sockets, '127.0.0.1', clientPort, port);
    const server = find(first.sockets, '127.0.0.1', port, clientPort);
    // bytes_acked counts the client's SYN as one byte.
    expect(client.tcp).toEqual({ bytesSent: clientToServer + 1, bytesReceived: serverToClient, rttMs: 0.125, rttVarMs: 0.132, retransmits: 0 });
    expect(server.tcp).toEqual({ bytesSent: serverToClient, bytesReceived: clientToServer, rttMs: 0.211, rttVarMs: 0.366, retransmits: 0 });
    expect(client).toMatchObject({ protocol: 'tcp', family: 4, state: 'ESTABLISHED', recvQueue: 0, sendQueue: 0, inode: 20129, uid: 0, cgroup: '/' });
  });

  it('reads a listener whose accept queue is full (Recv-Q = queue, Send-Q = backlog) and the SYN_SENT clients it leaves', () => {
    const { port, backlog } = meta.acceptQueueFull;
    const listener = find(first.sockets, '127.0.0.1', port);
    expect(listener).toMatchObject({ state: 'LISTEN', recvQueue: backlog + 1, sendQueue: backlog, remoteAddress: null, remotePort: null });
    const waiting = first.sockets.filter((s) => s.remotePort === port);
    expect(waiting.map((s) => s.state).sort()).toEqual(['ESTABLISHED', 'ESTABLISHED', 'SYN_SENT', 'SYN_SENT']);
    // Connections the kernel accepted for the stopped program have no file (inode 0) yet.
    expect(first.sockets.filter((s) => s.localPort === port && s.state === 'ESTABLISHED').map((s) => s.inode)).toEqual([0, 0]);
    const synSent = waiting.filter((s) => s.state === 'SYN_SENT');
    for (const s of synSent) expect(s.tcp).toEqual({ bytesSent: 0, bytesReceived: 0, rttMs: null, rttVarMs: null, retransmits: 1 });
  });

  it('reads the owner uid (printed only when not root) and the cgroup of every socket', () => {
    for (const g of meta.cgroups) {
      const s = find(first.sockets, g.host, g.port);
      expect(s.cgroup, g.title).toBe(`/${g.path}`);
      expect(s.uid, g.title).toBe(g.uid);
    }
    // The IPv6 listener's path stops before `v6only:1`.
    expect(find(first.sockets, '::1', meta.cgroups[2]?.port ?? 0).cgroup).toBe(`/machine.slice/libpod-${'b'.repeat(64)}.scope/container`);
  });

  it('reads states, families, v4-mapped and wildcard addresses', () => {
    const mapped = first.sockets.find((s) => s.localAddress === '::ffff:127.0.0.1' && s.state === 'LISTEN');
    expect(mapped).toMatchObject({ family: 6, remoteAddress: null, remotePort: null });
    const states = new Set(first.sockets.map((s) => `${s.protocol} ${s.state}`));
    expect([...states].sort()).toEqual([
      'tcp CLOSE_WAIT',
      'tcp ESTABLISHED',
      'tcp FIN_WAIT2',
      'tcp LISTEN',
      'tcp SYN_SENT',
      'udp ESTABLISHED',
      'udp UNCONN',
    ]);
    // UDP keeps no counters.
    for (const s of first.sockets.filter((x) => x.protocol === 'udp')) expect(s.tcp).toBeNull();
    // Every TCP socket here has a tcp_info block.
    for (const s of first.sockets.filter((x) => x.protocol === 'tcp')) expect(s.tcp, `${s.localAddress}:${s.localPort}`).not.toBeNull();
    // A CLOSE_WAIT socket received the peer's FIN (counted as one byte).
    const closeWait = first.sockets.filter((s) => s.state === 'CLOSE_WAIT');
    expect(closeWait).toHaveLength(2);
    for (const s of closeWait) expect(s.tcp?.bytesReceived).toBe(1);
  });

  it('reads the same sockets from the one-line form (-O) as from the multi-line form', () => {
    const oneLine = parseSsInfo(fixture('ss-tuineO.txt'));
    const multi = parseSsInfo(fixture('ss-tuine-2.txt'));
    // SYN_SENT retransmit counts move on between the two captures (the kernel keeps retrying).
    const stable = (list: SsSocket[]): SsSocket[] => list.map((s) => (s.state === 'SYN_SENT' && s.tcp ? { ...s, tcp: { ...s.tcp, retransmits: -1 } } : s));
    expect(oneLine.skipped).toBe(1);
    expect(stable(oneLine.sockets)).toEqual(stable(multi.sockets));
  });

  it('reads the counters of root-owned sockets the same when ss runs as user nobody', () => {
    const nobody = parseSsInfo(fixture('ss-tuine-nobody.txt'));
    const root = parseSsInfo(fixture('ss-tuine-2.txt'));
    const counters = (list: SsSocket[]): unknown[] => list.filter((s) => s.state === 'ESTABLISHED').map((s) => [s.inode, s.tcp?.bytesSent, s.tcp?.bytesReceived, s.uid, s.cgroup]);
    expect(counters(nobody.sockets)).toEqual(counters(root.sockets));
    const { port, clientPort, clientToServer, clientToServerBetweenCaptures } = meta.transfer;
    expect(find(nobody.sockets, '127.0.0.1', port, clientPort).tcp?.bytesReceived).toBe(clientToServer + clientToServerBetweenCaptures);
  });

  it('reads the output without -e (no inode, uid or cgroup) and keeps the counters', () => {
    const plain = parseSsInfo(fixture('ss-tuin.txt'));
    expect(plain.sockets.length).toBe(socketLines(fixture('ss-tuin.txt')));
    for (const s of plain.sockets) expect([s.inode, s.uid, s.cgroup]).toEqual([null, null, null]);
    const { port, clientPort } = meta.transfer;
    expect(find(plain.sockets, '127.0.0.1', port, clientPort).tcp?.bytesReceived).toBeGreaterThan(0);
  });
});

describe('joining ss records with the /proc socket table recorded at the same moment', () => {
  const proc = [
    ...parseProcNet(fixture('ss-info-proc-net-udp.txt'), 'udp', 4, true).rows,
    ...parseProcNet(fixture('ss-info-proc-net-udp6.txt'), 'udp', 6, true).rows,
    ...parseProcNet(fixture('ss-info-proc-net-tcp.txt'), 'tcp', 4, true).rows,
    ...parseProcNet(fixture('ss-info-proc-net-tcp6.txt'), 'tcp', 6, true).rows,
  ].map((r) => ({ ...r, key: connectionKey(r) }));

  it('finds the record of every socket except TIME_WAIT, with the same state', () => {
    const index = new SsIndex(first.sockets);
    const live = proc.filter((r) => r.state !== 'TIME_WAIT');
    expect(live.length).toBe(first.sockets.length);
    for (const row of live) {
      const s = index.find(row);
      expect(s, row.key).not.toBeNull();
      expect(s?.state, row.key).toBe(row.state);
      if (row.inode > 0) expect(s?.inode).toBe(row.inode);
    }
    for (const row of proc.filter((r) => r.state === 'TIME_WAIT')) expect(index.find(row)).toBeNull();
  });

  it('joins sockets without an inode by their endpoints, and only when those are unique', () => {
    const index = new SsIndex(first.sockets);
    const inodeless = proc.filter((r) => r.state === 'ESTABLISHED' && r.inode === 0);
    expect(inodeless).toHaveLength(2);
    for (const row of inodeless) expect(index.find(row)?.inode).toBe(0);
    // Two records on the same endpoints (SO_REUSEPORT listeners) are ambiguous without an inode.
    const twin = { ...(first.sockets[4] as SsSocket), inode: 999_001 };
    const ambiguous = new SsIndex([first.sockets[4] as SsSocket, twin]);
    expect(ambiguous.find({ ...(first.sockets[4] as SsSocket), inode: undefined })).toBeNull();
    expect(ambiguous.find({ ...(first.sockets[4] as SsSocket), inode: 999_001 })?.inode).toBe(999_001);
  });

  it('does not join a row to a record of another socket on a reused 4-tuple (inodes differ)', () => {
    const s = first.sockets.find((x) => x.state === 'ESTABLISHED' && (x.inode ?? 0) > 0) as SsSocket;
    const index = new SsIndex([s]);
    const row: Pick<Connection, 'protocol' | 'family' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort' | 'inode'> = { ...s, inode: (s.inode ?? 0) + 12345 };
    expect(index.find(row)).toBeNull();
    expect(ssJoinKey(s)).toBe(s.inode);
    expect(ssJoinKey({ ...s, inode: 0 })).toBe(`${s.protocol}${s.family} ${s.localAddress} ${s.localPort} ${s.remoteAddress} ${s.remotePort}`);
  });
});

describe('parseTcpCounters', () => {
  it('reads fields as tokens only (rtt: is not mrtt: nor rcv_rtt:)', () => {
    const info = '\t bbr:(bw:1bps,mrtt:9.5) rcv_rtt:7 minrtt:0.1 bytes_acked:10 bytes_received:20';
    expect(parseTcpCounters(info)).toEqual({ bytesSent: 10, bytesReceived: 20, rttMs: null, rttVarMs: null, retransmits: 0 });
  });

  it('takes bytes_sent when bytes_acked is missing, and the lifetime total of retrans:X/Y', () => {
    expect(parseTcpCounters(' rtt:12.5/3 bytes_sent:500 retrans:0/7 cwnd:10')).toEqual({ bytesSent: 500, bytesReceived: 0, rttMs: 12.5, rttVarMs: 3, retransmits: 7 });
  });

  it('says null, not 0, for counters the kernel does not have', () => {
    expect(kernelByteCounters('3.10.0-1160.el7.x86_64')).toEqual({ ackedReceived: false, sent: false });
    expect(kernelByteCounters('4.9.0-19-amd64')).toEqual({ ackedReceived: true, sent: false });
    expect(kernelByteCounters('6.1.0-13-amd64')).toEqual({ ackedReceived: true, sent: true });
    expect(kernelByteCounters('weird')).toEqual({ ackedReceived: true, sent: true });
    expect(parseTcpCounters(' rtt:1/0.5 cwnd:10', kernelByteCounters('3.10.0'))).toEqual({ bytesSent: null, bytesReceived: null, rttMs: 1, rttVarMs: 0.5, retransmits: 0 });
    expect(parseTcpCounters(' cwnd:10 bytes_acked:5', kernelByteCounters('4.9.0'))).toEqual({ bytesSent: 5, bytesReceived: 0, rttMs: null, rttVarMs: null, retransmits: 0 });
  });

  it('ignores malformed values instead of inventing numbers', () => {
    expect(parseTcpCounters(' rtt:abc/-1 bytes_acked:12x retrans:1/zz cwnd:1')).toEqual({ bytesSent: 0, bytesReceived: 0, rttMs: null, rttVarMs: null, retransmits: 0 });
  });
});

describe('parseSsInfo on hostile and odd input', () => {
  const LINE = (rest: string): string => `tcp   ESTAB 0 0 127.0.0.1:5000 127.0.0.1:6000 ino:77 sk:1 ${rest}`;

  it('returns nothing for empty output, a header, or an error message', () => {
    expect(parseSsInfo('')).toEqual({ sockets: [], skipped: 0, suspicious: 0 });
    expect(parseSsInfo('Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n')).toEqual({ sockets: [], skipped: 1, suspicious: 0 });
    expect(parseSsInfo('Cannot open netlink socket: Protocol not supported\n').sockets).toEqual([]);
    expect(parseSsInfo('\t ts sack cwnd:10 bytes_acked:5\n')).toEqual({ sockets: [], skipped: 1, suspicious: 0 });
  });

  it('keeps spaces and fake tokens inside a cgroup path, cut at the real shutdown marker', () => {
    const text = `${LINE('cgroup:/user.slice/evil <-> uid:5 ino:1 v6only:1 <->')}\n\t cwnd:10 bytes_acked:5\n`;
    const [s] = parseSsInfo(text).sockets;
    expect(s?.cgroup).toBe('/user.slice/evil <-> uid:5 ino:1');
    expect(s?.uid).toBe(0);
    expect(s?.inode).toBe(77);
    expect(s?.tcp?.bytesSent).toBe(5);
  });

  it('does not read a uid from a cgroup path (uid: is printed before ino:)', () => {
    const [s] = parseSsInfo(`${LINE('cgroup:/x uid:1000 <->')}\n`).sockets;
    expect(s?.uid).toBe(0);
    expect(s?.cgroup).toBe('/x uid:1000');
  });

  it('drops both records when a forged line (a newline in a cgroup path) repeats a real socket inode', () => {
    const victim = 'tcp   ESTAB 0 0 127.0.0.1:22 127.0.0.1:7000 ino:500 sk:2 cgroup:/system.slice/sshd.service <->\n\t cwnd:10 bytes_acked:1\n';
    const forged = `${LINE('cgroup:/user.slice/evil')}\ntcp   ESTAB 0 0 127.0.0.1:22 127.0.0.1:7000 ino:500 sk:3 cgroup:/system.slice/other.service <->\n\t cwnd:10 bytes_acked:999999\n`;
    const result = parseSsInfo(forged + victim);
    expect(result.sockets.map((s) => s.inode)).toEqual([77]);
    expect(result.suspicious).toBe(2);
  });

  it('keeps a socket but not its counters when it has two info lines (one forged)', () => {
    const text = `${LINE('cgroup:/x <->')}\n\t cwnd:10 bytes_acked:999 retrans:0/50\n\t cwnd:10 bytes_acked:5\n`;
    const result = parseSsInfo(text);
    expect(result.sockets).toHaveLength(1);
    expect(result.sockets[0]?.tcp).toBeNull();
    expect(result.suspicious).toBe(1);
  });

  it('reads device-bound and bracketed addresses, lines without Netid, and skips other netids', () => {
    const text = [
      'ESTAB 0 0 127.0.0.53%lo:53 127.0.0.1:40000 ino:5 sk:1 <->',
      '\t cwnd:10 bytes_received:3',
      'ESTAB 0 0 [fe80::1]%eth0:22 [fe80::2]:50000 ino:6 sk:2 <->',
      'mptcp ESTAB 0 0 127.0.0.1:1 127.0.0.1:2 ino:7 sk:3 <->',
      'LISTEN 0 128 *:8080 *:* ino:8 sk:4 v6only:0 <->',
    ].join('\n');
    const result = parseSsInfo(text);
    expect(result.sockets.map((s) => [s.localAddress, s.localPort, s.remoteAddress, s.family, s.tcp?.bytesReceived ?? null])).toEqual([
      ['127.0.0.53', 53, '127.0.0.1', 4, 3],
      ['fe80::1', 22, 'fe80::2', 6, null],
      ['::', 8080, null, 6, null],
    ]);
    expect(result.skipped).toBe(1);
  });

  it('skips lines with a bad queue or port and keeps going', () => {
    const text = ['tcp ESTAB x 0 127.0.0.1:1 127.0.0.1:2 ino:1 sk:1', 'tcp ESTAB 0 0 127.0.0.1:99999 127.0.0.1:2 ino:2 sk:2', LINE('<->')].join('\n');
    const result = parseSsInfo(text);
    expect(result.sockets.map((s) => s.inode)).toEqual([77]);
    expect(result.skipped).toBe(2);
  });
});
