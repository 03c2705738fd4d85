// A collector worker that gets stuck: the real built worker (out/main/collector-worker.js), except
// that its first incarnation (initialSeq 0) freezes its thread in a synchronous busy loop right
// after posting its first delta, as a worker stuck in a synchronous read would. A restarted worker
// (initialSeq > 0) runs normally, so the host's recovery can be seen.
const { join } = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');

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
require(join(__dirname, '..', '..', 'out', 'main', 'collector-worker.js'));
