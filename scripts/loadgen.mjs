#!/usr/bin/env node
// Portwatch's loopback load generator: a known set of sockets owned by other processes, for
// benchmarks and completeness tests. Loopback only (127.0.0.1, ::1, ::ffff:127.0.0.1).
//
//   node scripts/loadgen.mjs --pairs N [--listeners L] [--udp U] [--udp-connected C]
//                            [--half-close H] [--time-wait T] [--per-process 4000] [--ignore-stdin]
//
// Processes (so every socket has an owner other than the measuring process):
//   controller  this process; holds a duplicate of the shared listener (one socket, two owners)
//   server i    title "pw-loadgen-server-long-name" (longer than the kernel's 15-character comm)
//   client i    title "pw loadgen: client i" (a space and a colon in the name)
// Pairs are spread over ceil(N / per-process) server/client couples so no process nears its
// RLIMIT_NOFILE (20 000 here) at 10 000 pairs.
//
// Sockets (server 0 / client 0 hold the fixed ones):
//   TCP LISTEN      main listeners on 127.0.0.1, ::1 and ::ffff:127.0.0.1 (each server), L extra
//                   (alternating 127.0.0.1 / ::1), half-close and time-wait helpers, the shared one
//   TCP ESTABLISHED N pairs: 1/2 over 127.0.0.1, 1/4 over ::1, 1/4 over ::ffff:127.0.0.1
//   TCP FIN_WAIT2 / CLOSE_WAIT  H half-closed pairs (client shut its side, server never does)
//   TCP TIME_WAIT   T (client closed first; no owner, ~60 s)
//   UDP UNCONN      U bound sockets, alternating 127.0.0.1 / ::1
//   UDP ESTABLISHED C connected sockets (client), alternating 127.0.0.1 / ::1
//
// Prints ONE JSON line on stdout when ready: {"ready":true, pids, ports, expected}. Stdin commands
// (one per line): "close-extras" closes the L extra listeners and answers {"closed":[ports]}.
// Exits cleanly (connections reset, so no TIME_WAIT flood) on SIGTERM, SIGINT, or stdin close.
//
// Importable: `const lg = await startLoadgen({ pairs: 100 }); lg.info; await lg.closeExtras(); await lg.stop();`
import net from 'node:net';
import dgram from 'node:dgram';
import { fork, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SELF = fileURLToPath(import.meta.url);
const V4 = '127.0.0.1';
const V6 = '::1';
const MAPPED = '::ffff:127.0.0.1';
const LOOPBACK = new Set([V4, V6, MAPPED]);

/** Refuses anything but loopback, whatever the caller asks. */
function loopback(address) {
  if (!LOOPBACK.has(address)) throw new Error(`loadgen: refusing non-loopback address ${address}`);
  return address;
}

function listen(host, { allowHalfOpen = true, onConnection } = {}) {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen }, onConnection);
    server.once('error', reject);
    server.listen({ host: loopback(host), port: 0, backlog: 4096, exclusive: true }, () => resolve(server));
  });
}

function bindUdp(host) {
  return new Promise((resolve, reject) => {
    const type = host === V4 ? 'udp4' : 'udp6';
    const socket = dgram.createSocket({ type, ipv6Only: type === 'udp6' });
    socket.once('error', reject);
    socket.bind({ address: loopback(host), port: 0, exclusive: true }, () => resolve(socket));
  });
}

function connect(host, port, options = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: loopback(host), port, ...options });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

/** Runs `jobs` with at most `limit` in flight (connecting 10 000 at once overflows the backlog). */
async function pool(jobs, limit) {
  const results = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

const portOf = (s) => s.address().port;

// ---------------------------------------------------------------------------------------------
async function runServer({ index, listeners, udp }) {
  process.title = 'pw-loadgen-server-long-name';
  const open = new Set();
  const track = (socket) => {
    open.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => open.delete(socket));
  };
  const servers = [];
  const udpSockets = [];
  const main = { v4: await listen(V4, { onConnection: track }), v6: await listen(V6, { onConnection: track }), mapped: await listen(MAPPED, { onConnection: track }) };
  servers.push(main.v4, main.v6, main.mapped);
  const ports = { main4: portOf(main.v4), main6: portOf(main.v6), mapped: portOf(main.mapped) };
  let extras = [];
  if (index === 0) {
    const halfClose = await listen(V4, { onConnection: track }); // never ends its side: CLOSE_WAIT
    const timeWait = await listen(V4, { allowHalfOpen: false, onConnection: track }); // ends when the client does
    const shared = await listen(V4);
    servers.push(halfClose, timeWait, shared);
    for (let i = 0; i < listeners; i++) extras.push(await listen(i % 2 === 0 ? V4 : V6));
    servers.push(...extras);
    for (let i = 0; i < udp; i++) udpSockets.push(await bindUdp(i % 2 === 0 ? V4 : V6));
    Object.assign(ports, {
      halfClose: portOf(halfClose),
      timeWait: portOf(timeWait),
      shared: portOf(shared),
      extras: extras.map((s) => ({ port: portOf(s), address: s.address().address })),
      udp: udpSockets.map((s) => ({ port: s.address().port, address: s.address().address })),
    });
    // The controller keeps a duplicate of this listening socket: one socket, two owning processes.
    process.send({ type: 'shared' }, shared);
  }
  process.on('message', (message) => {
    if (message?.type === 'close-extras') {
      const closed = extras.map((s) => portOf(s));
      for (const s of extras) s.close();
      extras = [];
      process.send({ type: 'closed-extras', ports: closed });
    } else if (message?.type === 'stop') {
      for (const s of open) s.resetAndDestroy();
      for (const s of servers) s.close();
      for (const s of udpSockets) s.close();
      setTimeout(() => process.exit(0), 20);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', pid: process.pid, ports });
}

// ---------------------------------------------------------------------------------------------
async function runClient({ index, pairs, target, udpConnected, halfClose, timeWait }) {
  process.title = `pw loadgen: client ${index}`;
  const open = [];
  const udpSockets = [];
  const keep = (s) => {
    open.push(s);
    return s;
  };
  const jobs = [];
  for (let i = 0; i < pairs; i++) {
    // 1/2 IPv4, 1/4 IPv6, 1/4 v4-mapped (an AF_INET6 socket talking to an IPv4 peer).
    const [host, port] = i % 4 === 1 ? [V6, target.main6] : i % 4 === 3 ? [MAPPED, target.mapped] : [V4, target.main4];
    jobs.push(async () => keep(await connect(host, port)));
  }
  await pool(jobs, 256);
  if (index === 0) {
    for (let i = 0; i < halfClose; i++) {
      const s = keep(await connect(V4, target.halfClose, { allowHalfOpen: true }));
      s.end(); // our FIN: FIN_WAIT2 here, CLOSE_WAIT at the server, as long as it never ends
    }
    for (let i = 0; i < timeWait; i++) {
      const s = await connect(V4, target.timeWait);
      await new Promise((resolve) => {
        s.once('close', resolve);
        s.end(); // we close first, so our side lingers in TIME_WAIT
      });
    }
    for (let i = 0; i < udpConnected; i++) {
      const peer = target.udp[i % target.udp.length];
      const host = peer ? peer.address : i % 2 === 0 ? V4 : V6;
      const socket = await bindUdp(host);
      if (peer) await new Promise((resolve, reject) => socket.connect(peer.port, loopback(peer.address), (e) => (e ? reject(e) : resolve())));
      udpSockets.push(socket);
    }
  }
  process.on('message', (message) => {
    if (message?.type === 'stop') {
      for (const s of open) s.resetAndDestroy();
      for (const s of udpSockets) s.close();
      setTimeout(() => process.exit(0), 20);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({
    type: 'ready',
    pid: process.pid,
    udpConnected: udpSockets.map((s) => ({ local: s.address().port, address: s.address().address, remote: s.remoteAddress().port })),
  });
}

// ---------------------------------------------------------------------------------------------
function child(role, config) {
  const proc = fork(SELF, ['--role', role, '--config', JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = new Promise((resolve, reject) => {
    proc.on('message', (m) => {
      if (m?.type === 'ready') resolve(m);
    });
    proc.once('exit', (code) => reject(new Error(`loadgen ${role} exited early (code ${code})`)));
  });
  return { proc, ready };
}

async function runController(opt) {
  process.title = 'pw-loadgen-ctl';
  const couples = Math.max(1, Math.ceil(opt.pairs / opt.perProcess));
  const servers = [];
  let shared = null;
  for (let i = 0; i < couples; i++) {
    const s = child('server', { index: i, listeners: opt.listeners, udp: opt.udp });
    if (i === 0) {
      s.proc.on('message', (m, handle) => {
        if (m?.type === 'shared') shared = handle;
      });
    }
    servers.push(s);
  }
  const serverReady = await Promise.all(servers.map((s) => s.ready));
  // Server 0's fixed ports (helpers, shared, extras, UDP); the main listeners are listed per server.
  const fixed = { ...serverReady[0].ports };
  for (const key of ['main4', 'main6', 'mapped']) delete fixed[key];
  const clients = [];
  for (let i = 0; i < couples; i++) {
    const share = Math.floor(opt.pairs / couples) + (i < opt.pairs % couples ? 1 : 0);
    clients.push(
      child('client', {
        index: i,
        pairs: share,
        target: { ...serverReady[i].ports, halfClose: fixed.halfClose, timeWait: fixed.timeWait, udp: fixed.udp },
        udpConnected: opt.udpConnected,
        halfClose: opt.halfClose,
        timeWait: opt.timeWait,
      }),
    );
  }
  const clientReady = await Promise.all(clients.map((c) => c.ready));
  const all = [...servers, ...clients];

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    shared?.close();
    let left = all.length;
    for (const c of all) {
      c.proc.once('exit', () => {
        if (--left === 0) process.exit(0);
      });
      if (c.proc.connected) c.proc.send({ type: 'stop' });
      else c.proc.kill('SIGTERM');
    }
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (const c of all) c.proc.once('exit', () => !stopping && stop());

  if (!opt.ignoreStdin) {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === 'close-extras') {
        servers[0].proc.once('message', (m) => {
          if (m?.type === 'closed-extras') process.stdout.write(`${JSON.stringify({ closed: m.ports })}\n`);
        });
        servers[0].proc.send({ type: 'close-extras' });
      }
    });
    lines.on('close', stop);
  }

  const info = {
    ready: true,
    controller: process.pid,
    servers: serverReady.map((s) => s.pid),
    clients: clientReady.map((c) => c.pid),
    names: { server: 'pw-loadgen-server-long-name', client: 'pw loadgen: client {i}' },
    ports: { main: serverReady.map((s) => ({ v4: s.ports.main4, v6: s.ports.main6, mapped: s.ports.mapped })), ...fixed },
    udpConnected: clientReady[0].udpConnected,
    expected: {
      established: 2 * opt.pairs,
      listeners: 3 * couples + 3 + opt.listeners,
      finWait2: opt.halfClose,
      closeWait: opt.halfClose,
      timeWait: opt.timeWait,
      udpUnconnected: opt.udp,
      udpConnected: clientReady[0].udpConnected.length,
    },
  };
  process.stdout.write(`${JSON.stringify(info)}\n`);
}

// ---------------------------------------------------------------------------------------------
/**
 * Starts the load generator as a child process and resolves once its sockets are in place.
 * Options: pairs, listeners, udp, udpConnected, halfClose, timeWait, perProcess.
 */
export async function startLoadgen(options = {}) {
  const args = [SELF];
  const flags = { pairs: 'pairs', listeners: 'listeners', udp: 'udp', udpConnected: 'udp-connected', halfClose: 'half-close', timeWait: 'time-wait', perProcess: 'per-process' };
  for (const [key, flag] of Object.entries(flags)) if (options[key] !== undefined) args.push(`--${flag}`, String(options[key]));
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line)));
  const nextLine = () => new Promise((resolve) => waiting.push(resolve));
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const info = await Promise.race([
    nextLine(),
    exited.then((code) => {
      throw new Error(`loadgen exited before it was ready (code ${code})`);
    }),
  ]);
  return {
    info,
    child: proc,
    /** Closes the extra listeners; resolves to their ports. */
    async closeExtras() {
      const answer = nextLine();
      proc.stdin.write('close-extras\n');
      return (await answer).closed;
    },
    /** Stops every process and waits for them to exit. */
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

function int(value, name, min, max) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`loadgen: --${name} must be a whole number from ${min} to ${max}\n`);
    process.exit(2);
  }
  return n;
}

const USAGE =
  'usage: node scripts/loadgen.mjs --pairs N [--listeners L] [--udp U] [--udp-connected C] [--half-close H]\n' +
  '                                [--time-wait T] [--per-process 4000] [--ignore-stdin]\n';

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        role: { type: 'string', default: 'controller' },
        config: { type: 'string' },
        pairs: { type: 'string', default: '100' },
        listeners: { type: 'string', default: '10' },
        udp: { type: 'string', default: '10' },
        'udp-connected': { type: 'string', default: '4' },
        'half-close': { type: 'string', default: '3' },
        'time-wait': { type: 'string', default: '3' },
        'per-process': { type: 'string', default: '4000' },
        'ignore-stdin': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`loadgen: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

if (process.argv[1] === SELF) {
  const { values } = parseCommandLine();
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const fail = (error) => {
    process.stderr.write(`loadgen ${values.role}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  };
  if (values.role === 'server') runServer(JSON.parse(values.config)).catch(fail);
  else if (values.role === 'client') runClient(JSON.parse(values.config)).catch(fail);
  else {
    runController({
      pairs: int(values.pairs, 'pairs', 0, 50_000),
      listeners: int(values.listeners, 'listeners', 0, 1000),
      udp: int(values.udp, 'udp', 0, 1000),
      udpConnected: int(values['udp-connected'], 'udp-connected', 0, 1000),
      halfClose: int(values['half-close'], 'half-close', 0, 1000),
      timeWait: int(values['time-wait'], 'time-wait', 0, 1000),
      perProcess: int(values['per-process'], 'per-process', 1, 8000),
      ignoreStdin: values['ignore-stdin'],
    }).catch(fail);
  }
}
