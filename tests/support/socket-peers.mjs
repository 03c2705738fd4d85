// Peer processes for traffic and socket-health tests, loopback only (127.0.0.1, ::1):
//
//   startTransfer({ clientToServer, serverToClient })  two processes move a known number of bytes
//       each way over one TCP connection and keep it open; resolves when both ends received all
//   startCloseWaitServer({ connections })  a server process that never closes its sockets; the
//       caller's connections are shut by the caller → they sit in CLOSE_WAIT in the server
//   startStoppedListener({ backlog })      a listener in a process that is then stopped (SIGSTOP),
//       so it never accepts: its accept queue fills and further SYNs are dropped
//   startListener({ host, port })          one listener in its own process (for shadowed ports)
//
// Each returns { pid(s), port(s), stop() }. Children run as the given uid/gid when asked (root only).
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const LOOPBACK = new Set(['127.0.0.1', '::1']);

function loopback(host) {
  if (!LOOPBACK.has(host)) throw new Error(`socket-peers: refusing non-loopback address ${host}`);
  return host;
}

function spawnRole(role, args, { uid, gid } = {}) {
  const child = fork(SELF, [`--role=${role}`, ...args.map(String)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(uid === undefined ? {} : { uid, gid: gid ?? uid }),
  });
  const messages = [];
  const waiters = [];
  child.on('message', (m) => {
    const w = waiters.shift();
    if (w) w.resolve(m);
    else messages.push(m);
  });
  child.on('exit', (code, signal) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`${role} exited (${code ?? signal})`));
  });
  const next = () =>
    new Promise((resolve, reject) => {
      const m = messages.shift();
      if (m !== undefined) resolve(m);
      else waiters.push({ resolve, reject });
    });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      try {
        process.kill(child.pid, 'SIGCONT');
      } catch {
        // gone
      }
      child.kill('SIGKILL');
    });
  return { child, next, stop };
}

/** Two processes moving known byte counts over one loopback connection, kept open. */
export async function startTransfer({ clientToServer, serverToClient, host = '127.0.0.1', uid, gid }) {
  loopback(host);
  const server = spawnRole('transfer-server', [host, serverToClient, clientToServer], { uid, gid });
  const { port } = await server.next();
  const client = spawnRole('transfer-client', [host, port, clientToServer, serverToClient], { uid, gid });
  try {
    const [c, s] = await Promise.all([client.next(), server.next()]);
    return {
      port,
      clientPort: c.localPort,
      serverPid: server.child.pid,
      clientPid: client.child.pid,
      received: { byServer: s.received, byClient: c.received },
      /** The client sends `bytes` more; resolves when the server has them all. */
      more: async (bytes) => {
        const done = server.next();
        server.child.send({ expect: bytes });
        client.child.send({ send: bytes });
        return done;
      },
      stop: async () => {
        await Promise.all([client.stop(), server.stop()]);
      },
    };
  } catch (error) {
    await Promise.all([client.stop(), server.stop()]);
    throw error;
  }
}

/** A server that never closes: `connections` sockets end up in CLOSE_WAIT in its process. */
export async function startCloseWaitServer({ connections, host = '127.0.0.1' }) {
  loopback(host);
  const server = spawnRole('close-wait-server', [host, connections]);
  const { port } = await server.next();
  const clients = [];
  for (let i = 0; i < connections; i++) {
    const socket = net.connect({ host, port });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    clients.push(socket);
  }
  await server.next(); // all accepted
  // Our side shuts down (FIN); the server never answers with its own FIN.
  for (const s of clients) s.end();
  await server.next(); // every connection saw the end
  return {
    port,
    pid: server.child.pid,
    clientPorts: clients.map((s) => s.localPort),
    stop: async () => {
      for (const s of clients) s.destroy();
      await server.stop();
    },
  };
}

/** A listener (backlog `backlog`) in a stopped process: it never accepts. */
export async function startStoppedListener({ backlog, host = '127.0.0.1' }) {
  loopback(host);
  const listener = spawnRole('listener', [host, 0, backlog]);
  const { port } = await listener.next();
  process.kill(listener.child.pid, 'SIGSTOP');
  return { port, pid: listener.child.pid, stop: () => listener.stop() };
}

/** One listener in its own process. */
export async function startListener({ host, port = 0, backlog = 511 }) {
  loopback(host);
  const listener = spawnRole('listener', [host, port, backlog]);
  const reply = await listener.next();
  if (reply.error) {
    await listener.stop();
    throw Object.assign(new Error(reply.error), { code: reply.code });
  }
  return { port: reply.port, pid: listener.child.pid, stop: () => listener.stop() };
}

// ---- child roles ----------------------------------------------------------------------------------
function send(message) {
  process.send(message);
}

function transferServer(host, toSend, toReceive) {
  let target = toReceive;
  const server = net.createServer((socket) => {
    let received = 0;
    let wrote = false;
    const check = () => {
      if (received >= target && wrote) {
        send({ received });
        target = Number.POSITIVE_INFINITY;
      }
    };
    process.on('message', (m) => {
      if (typeof m.expect !== 'number') return;
      target = received + m.expect;
      check();
    });
    socket.on('data', (b) => {
      received += b.length;
      check();
    });
    socket.write(Buffer.alloc(toSend, 7), () => {
      wrote = true;
      check();
    });
  });
  server.listen({ host, port: 0 }, () => send({ port: server.address().port }));
}

function transferClient(host, port, toSend, toReceive) {
  const socket = net.connect({ host, port: Number(port) });
  let received = 0;
  let wrote = false;
  const check = () => {
    if (received >= toReceive && wrote) send({ received, localPort: socket.localPort });
  };
  process.on('message', (m) => {
    if (typeof m.send === 'number') socket.write(Buffer.alloc(m.send, 9));
  });
  socket.on('data', (b) => {
    received += b.length;
    check();
  });
  socket.on('connect', () =>
    socket.write(Buffer.alloc(toSend, 9), () => {
      wrote = true;
      check();
    }),
  );
}

function closeWaitServer(host, connections) {
  let accepted = 0;
  let ended = 0;
  const held = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    held.push(socket);
    accepted += 1;
    if (accepted === connections) send({ accepted });
    // The peer's FIN arrives; this server "forgets" to close its end.
    socket.on('end', () => {
      ended += 1;
      if (ended === connections) send({ ended });
    });
    socket.resume();
  });
  server.listen({ host, port: 0 }, () => send({ port: server.address().port }));
}

function listener(host, port, backlog) {
  const server = net.createServer(() => {});
  server.once('error', (error) => send({ error: error.message, code: error.code }));
  server.listen({ host, port: Number(port), backlog: Number(backlog), ipv6Only: host === '::1' }, () => send({ port: server.address().port }));
}

const role = process.argv[2];
if (role === '--role=transfer-server') transferServer(loopback(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
else if (role === '--role=transfer-client') transferClient(loopback(process.argv[3]), process.argv[4], Number(process.argv[5]), Number(process.argv[6]));
else if (role === '--role=close-wait-server') closeWaitServer(loopback(process.argv[3]), Number(process.argv[4]));
else if (role === '--role=listener') listener(loopback(process.argv[3]), process.argv[4], process.argv[5]);
