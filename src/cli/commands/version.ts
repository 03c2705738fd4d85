/** `portwatch version`. */
import { hostname } from 'node:os';
import { registerCommand, VERSION } from '../main';

registerCommand('version', {
  summary: 'print the version and the platform',
  help: 'Usage: portwatch version\n\nPrints the Portwatch version, the Node.js version and the platform.',
  run: async (_args, io) => {
    io.stdout.write(`portwatch ${VERSION} (node ${process.version}, ${process.platform}-${process.arch}, host ${hostname()})\n`);
    return 0;
  },
});
