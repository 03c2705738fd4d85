// What scripts/bench-journal.mjs loads from the sources (bundled by bench-lib.bundleForBench).
export { Collector } from '../src/main/core/collector';
export { createSocketSource } from '../src/main/node/socket-source';
export { systemClock } from '../src/main/node/system-clock';
export { NodeJournal } from '../src/main/node/journal/journal';
export { connectionKey } from '../src/shared/key';
