// A churner for the benchmarks: a child process holding its own loopback pairs (127.0.0.1 only)
// and replacing `rate` of them per second, closed with RST so the table does not fill with
// TIME_WAIT. `startChurner(rate)` forks it and resolves once its first pairs are open; disconnect
// the child to stop it.
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

/** Forks the churner; resolves to the child process once it is ready. */
export function startChurner(rate) {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, [String(rate)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`churner exited (${code})`)));
  });
}

async function churner(rate) {
  const server = net.createServer((socket) => socket.on('error', () => {}));
  await new Promise((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
  const { port } = server.address();
  const live = [];
  const open = () =>
    new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
      socket.on('error', () => resolve(null));
    });
  const openMany = async (n) => {
    for (const s of await Promise.all(Array.from({ length: n }, open))) if (s) live.push(s);
  };
  await openMany(rate * 3);
  process.title = 'pw-bench-churner';
  process.send({ ready: true });
  const timer = setInterval(() => {
    for (const s of live.splice(0, rate)) s.resetAndDestroy();
    void openMany(rate);
  }, 1000);
  process.on('disconnect', () => {
    clearInterval(timer);
    for (const s of live) s.resetAndDestroy();
    server.close();
    process.exit(0);
  });
}

if (process.argv[1] === SELF && process.send !== undefined) await churner(Number(process.argv[2]));
