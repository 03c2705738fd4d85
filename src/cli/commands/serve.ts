/** `portwatch serve`: the Portwatch UI in a browser, on the same collector and contract. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { exportChunks, EXPORT_FILE_TYPES } from '../../shared/export';
import { defaultExportName } from '../../shared/export-name';
import { isLoopback } from '../../shared/net';
import { createNodeService } from '../../main/node/create-service';
import { JOURNAL_FILE_NAME, defaultConfigDir, defaultDataDir } from '../../main/node/settings-file';
import { rendererBundleDir, workerBundlePath } from '../../main/node/bundle-paths';
import type { ServeHandle } from '../serve/server';
import { startServeServer } from '../serve/server';
import type { CliIo } from '../main';
import { parseOptions, registerCommand, UsageError, VERSION } from '../main';

const HELP = `Usage: portwatch serve [--host 127.0.0.1] [--port 0] [--allow-remote] [--config-dir DIR] [--journal FILE]

Serves the Portwatch UI to a browser and prints the URL to open, with its access token:
  http://127.0.0.1:PORT/?token=…
Only that URL (or the session cookie it sets) opens the app; anything else gets 401.

Options:
  --host ADDR       address to listen on (default 127.0.0.1, loopback only)
  --port N          port to listen on (default 0: a free port)
  --allow-remote    allow a non-loopback --host (anyone who can reach it and has the token
                    sees every socket and process on this machine)
  --config-dir DIR  where settings.json lives (default: the OS convention, e.g. ~/.config/portwatch)
  --journal FILE    the connection journal it records (default: journal.db in the data folder, e.g.
                    ~/.local/share/portwatch, or in --config-dir when that is given); turn it off
                    or pause it in Settings (journalEnabled)
  -h, --help        show this help

Runs until Ctrl+C (SIGINT) or SIGTERM. Exit codes: 0 stopped, 1 cannot listen or the UI is not
built, 2 bad arguments.
`;

/** Starts serving until SIGINT/SIGTERM; `ready` gets the handle (tests). */
export async function runServe(args: string[], io: CliIo, ready?: (handle: ServeHandle) => void): Promise<number> {
  const { values } = parseOptions(args, {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'allow-remote': { type: 'boolean', default: false },
    'config-dir': { type: 'string' },
    journal: { type: 'string' },
  });
  const host = String(values.host);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${String(values.port)}"`);
  const loopback = isLoopback(host);
  if (!loopback && values['allow-remote'] !== true) {
    throw new UsageError(`--host ${host} is not a loopback address; add --allow-remote to serve beyond this machine`);
  }
  const renderer = rendererBundleDir();
  if (!existsSync(join(renderer, 'index.html'))) throw new Error(`the built UI is missing at ${renderer} (run npm run build)`);
  const configDir = typeof values['config-dir'] === 'string' ? values['config-dir'] : defaultConfigDir(process.platform, process.env, homedir());
  // With its own --config-dir, serve keeps its journal there too (a separate profile).
  const journalFile =
    typeof values.journal === 'string' && values.journal !== ''
      ? values.journal
      : join(typeof values['config-dir'] === 'string' ? configDir : defaultDataDir(process.platform, process.env, homedir()), JOURNAL_FILE_NAME);

  const { service, context } = await createNodeService({
    store: { configDir },
    workerPath: workerBundlePath(),
    journalFile,
    capabilities: { transport: 'websocket', nativeSaveDialog: false, tray: false, platform: process.platform, version: VERSION },
    exporter: async (request) => {
      const params = new URLSearchParams({ format: request.format });
      if (request.columns) params.set('columns', request.columns.join(','));
      if (request.separator) params.set('separator', request.separator === '\t' ? 'tab' : request.separator);
      if (request.bom) params.set('bom', '1');
      if (request.filter) params.set('filter', request.filter);
      return { kind: 'download', url: `/export.csv?${params.toString()}` };
    },
  });
  let server: ServeHandle;
  try {
    server = await startServeServer({
      service,
      rendererDir: renderer,
      host,
      port,
      exportProducer: async (request) => {
        const document = await context.snapshotDocument();
        const prepared = exportChunks(document, request);
        if (!prepared.ok) throw new Error(prepared.error);
        return {
          chunks: prepared.chunks,
          fileName: defaultExportName(document.capturedAt, prepared.format),
          contentType: EXPORT_FILE_TYPES[prepared.format].mimeType,
        };
      },
    });
  } catch (error) {
    await service.stop();
    throw new Error(`cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!loopback) io.stderr.write(`portwatch serve: WARNING: listening on ${host}, beyond this machine; keep the token secret\n`);
  io.stdout.write(`Portwatch is serving at ${server.url}\nOpen that URL in a browser; press Ctrl+C to stop.\n`);
  ready?.(server);

  return new Promise<number>((resolve) => {
    const shutdown = (): void => {
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      void Promise.allSettled([server.close(), service.stop()]).then(() => resolve(0));
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}

registerCommand('serve', {
  summary: 'serve the Portwatch UI to a browser (loopback, token-protected)',
  help: HELP,
  run: (args, io) => runServe(args, io),
});
