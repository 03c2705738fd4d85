// A collector worker that gets stuck: the real built worker (out/main/collector-worker.js), except
// that its first incarnation (initialSeq 0) freezes its thread in a synchronous busy loop right
// after posting its first delta, as a worker stuck in a synchronous read would. A restarted worker
// (initialSeq > 0) runs normally, so the host's recovery can be seen.
import { parentPort, workerData } from 'node:worker_threads';

if (parentPort !== null && workerData.initialSeq === 0) {
  const post = parentPort.postMessage.bind(parentPort);
  parentPort.postMessage = (frame) => {
    post(frame);
    if (frame && frame.t === 'evt' && frame.ev === 'onSnapshotDelta') {
      setImmediate(() => {
        for (;;) {
          // Stuck: no timer, no message, no pong ever runs on this thread again.
        }
      });
    }
  };
}
// Loaded after the patch above, so the worker posts through it.
await import(new URL('../../out/main/collector-worker.js', import.meta.url).href);
