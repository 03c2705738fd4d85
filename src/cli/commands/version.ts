/** `portwatch version`. */
import { hostname } from 'node:os';
import { registerCommand, UsageError, VERSION } from '../main';

registerCommand('version', {
  summary: 'print the version and the platform',
  help: [
    'Usage: portwatch version',
    '',
    'Prints the Portwatch version, the Node.js version, the platform and the host name.',
    '(`portwatch --version` prints the version alone.)',
    '',
    'Options:',
    '  -h, --help  show this help',
  ].join('\n'),
  run: async (args, io) => {
    if (args.length > 0) throw new UsageError(`takes no arguments (got "${args.join(' ')}")`);
    io.stdout.write(`portwatch ${VERSION} (node ${process.version}, ${process.platform}-${process.arch}, host ${hostname()})\n`);
    return 0;
  },
});
