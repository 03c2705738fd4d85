/** `portwatch serve`: the Portwatch UI in a browser, on the same collector and contract. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkExportRequest, exportChunks, EXPORT_FILE_TYPES } from '../../shared/export';
import { defaultExportName } from '../../shared/export-name';
import { isLoopback, isWildcard, parseHostPort } from '../../shared/net';
import { createNodeService } from '../../main/node/create-service';
import { JOURNAL_FILE_NAME, defaultConfigDir, defaultDataDir } from '../../main/node/settings-file';
import { rendererBundleDir, workerBundlePath } from '../../main/node/bundle-paths';
import type { ProcessEvents } from '../serve/crash-policy';
import { installCrashPolicy } from '../serve/crash-policy';
import type { PublicHost, ServeHandle } from '../serve/server';
import { startServeServer } from '../serve/server';
import type { CliIo } from '../main';
import { parseOptions, registerCommand, UsageError, VERSION } from '../main';

const HELP = `Usage: portwatch serve [--host 127.0.0.1] [--port 0] [--config-dir DIR] [--journal FILE]
                       [--allow-remote [--public-host NAME]...]

Serves the Portwatch UI to a browser and prints the URL to open, with its access token in the
fragment (the part after #, which the browser never sends to any server):
  http://127.0.0.1:PORT/#token=…
The page keeps the token for its tab (sessionStorage, readable only by this origin: scheme, host
and port) and sends it in the WebSocket handshake; no cookie grants access, so no other program on
this machine can borrow it. The page itself is public (it holds no data); the WebSocket, the CSV
download and /auth-check answer 401 without the token. A restart makes a new token: open the new URL.

Options:
  --host ADDR          address to listen on (default 127.0.0.1, loopback only)
  --port N             port to listen on (default 0: a free port)
  --allow-remote       allow a non-loopback --host, and --public-host (anyone who can reach the
                       port and has the token sees every socket and process on this machine)
  --public-host NAME   a Host name clients may use besides 127.0.0.1/localhost/::1 (repeatable;
                       NAME or NAME:PORT): the machine's LAN name or address, or the name a reverse
                       proxy serves. Every other Host is refused (DNS rebinding).
  --config-dir DIR     where settings.json lives (default: the OS convention, e.g. ~/.config/portwatch)
  --journal FILE       the connection journal it records (default: journal.db in the data folder,
                       e.g. ~/.local/share/portwatch, or in --config-dir when that is given); turn
                       it off or pause it in Settings (journalEnabled)
  -h, --help           show this help

Serving beyond this machine is plain HTTP: the token and the data cross the network unencrypted.
Prefer one of these:
  SSH tunnel: keep serve on loopback and, on the other machine, run
      ssh -N -L PORT:127.0.0.1:PORT you@this-machine
    then open the printed URL there (same port on both ends, so the Host matches).
  TLS reverse proxy: run serve on loopback with a fixed port and the proxy's name, e.g.
      portwatch serve --port 8711 --allow-remote --public-host portwatch.example.org
      caddy reverse-proxy --from portwatch.example.org --to 127.0.0.1:8711
    then open https://portwatch.example.org/#token=… (the proxy must pass the Host header on
    and forward WebSocket upgrades).

Limits: connections that send nothing are closed after 15 s; at most 64 connections that have not
authenticated are open at once (past that the oldest is dropped), so silent clients cannot exhaust descriptors.
Runs until Ctrl+C (SIGINT) or SIGTERM. Exit codes: 0 stopped, 1 cannot listen, the UI is not
built, or an internal error stopped it, 2 bad arguments.
`;

/** Parses `--public-host` values: a host name or address, optionally with a port. */
export function parsePublicHosts(values: readonly string[]): PublicHost[] {
  return values.map((value) => {
    const parsed = parseHostPort(value);
    if (!parsed.ok) throw new UsageError(`--public-host ${value}: ${parsed.error}`);
    if (isWildcard(parsed.host)) throw new UsageError(`--public-host ${value}: a wildcard address is not a name clients use`);
    return { host: parsed.host.toLowerCase(), port: parsed.port };
  });
}

/** What serve prints to stderr when it listens beyond loopback or accepts other Host names. */
function remoteNotes(host: string, port: number, publicHosts: readonly PublicHost[], token: string): string {
  const lines: string[] = [];
  if (!isLoopback(host)) {
    lines.push(`portwatch serve: WARNING: listening on ${host}, beyond this machine, over plain HTTP: keep the token secret`);
  }
  if (isWildcard(host) && publicHosts.length === 0) {
    lines.push('portwatch serve: only 127.0.0.1, localhost and ::1 are accepted as Host; add --public-host NAME for each name or address clients use');
  }
  for (const extra of publicHosts) {
    const shown = extra.host.includes(':') ? `[${extra.host}]` : extra.host;
    lines.push(`portwatch serve: also answers as ${shown}: http://${shown}:${extra.port ?? port}/#token=${token}`);
  }
  lines.push(
    `portwatch serve: for TLS, put a reverse proxy in front (e.g. caddy reverse-proxy --from NAME --to 127.0.0.1:${port}, with --public-host NAME);`,
    `portwatch serve: or skip --allow-remote and tunnel: ssh -N -L ${port}:127.0.0.1:${port} you@this-machine, then open the URL on the other machine`,
  );
  return `${lines.join('\n')}\n`;
}

/** Starts serving until SIGINT/SIGTERM; `ready` gets the handle (tests). */
export async function runServe(
  args: string[],
  io: CliIo,
  ready?: (handle: ServeHandle) => void,
  processEvents: ProcessEvents = process,
): Promise<number> {
  const { values } = parseOptions(args, {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'allow-remote': { type: 'boolean', default: false },
    'public-host': { type: 'string', multiple: true, default: [] },
    'config-dir': { type: 'string' },
    journal: { type: 'string' },
  });
  const host = String(values.host);
  const port = Number(values.port);
  if (!/^\d{1,5}$/.test(String(values.port)) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${String(values.port)}"`);
  const loopback = isLoopback(host);
  const allowRemote = values['allow-remote'] === true;
  if (!loopback && !allowRemote) {
    throw new UsageError(`--host ${host} is not a loopback address; add --allow-remote to serve beyond this machine`);
  }
  const publicHosts = parsePublicHosts(values['public-host'] ?? []);
  if (publicHosts.length > 0 && !allowRemote) {
    throw new UsageError('--public-host lets clients reach serve under another name; add --allow-remote to confirm');
  }
  const renderer = rendererBundleDir();
  if (!existsSync(join(renderer, 'index.html'))) throw new Error(`the built UI is missing at ${renderer} (run npm run build)`);
  const configDir = typeof values['config-dir'] === 'string' ? values['config-dir'] : defaultConfigDir(process.platform, process.env, homedir());
  // With its own --config-dir, serve keeps its journal there too (a separate profile).
  const journalFile =
    typeof values.journal === 'string' && values.journal !== ''
      ? values.journal
      : join(typeof values['config-dir'] === 'string' ? configDir : defaultDataDir(process.platform, process.env, homedir()), JOURNAL_FILE_NAME);

  let server: ServeHandle | null = null;
  const { service, context } = await createNodeService({
    store: { configDir },
    workerPath: workerBundlePath(),
    journalFile,
    capabilities: { transport: 'websocket', nativeSaveDialog: false, tray: false, platform: process.platform, version: VERSION },
    // The page asked over its authenticated WebSocket: it gets a single-use download link, so the
    // download itself needs no credential a browser would send on its own.
    exporter: async (request) => {
      if (server === null) throw new Error('portwatch serve is still starting; try again');
      // A bad request (a filter past its bounds) is said now, in the page, not as a failed download.
      const checked = checkExportRequest(request);
      if (!checked.ok) throw new Error(checked.error);
      return { kind: 'download', url: server.exportTicketPath(request) };
    },
  });
  const log = (line: string): void => {
    io.stderr.write(`portwatch serve: ${line}\n`);
  };
  try {
    server = await startServeServer({
      service,
      rendererDir: renderer,
      host,
      port,
      publicHosts,
      log,
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
  const running = server;
  if (allowRemote) io.stderr.write(remoteNotes(host, running.port, publicHosts, running.token));
  io.stdout.write(`Portwatch is serving at ${running.url}\nOpen that URL in a browser; press Ctrl+C to stop.\n`);
  ready?.(running);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (code: number): void => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void Promise.allSettled([running.close(), service.stop()]).then(() => {
        removeCrashPolicy();
        resolve(code);
      });
    };
    const onSignal = (): void => shutdown(0);
    const removeCrashPolicy = installCrashPolicy(processEvents, {
      write: (line) => io.stderr.write(line),
      fatal: () => shutdown(1),
    });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

registerCommand('serve', {
  summary: 'serve the Portwatch UI to a browser (loopback, token-protected)',
  help: HELP,
  run: (args, io) => runServe(args, io),
});
