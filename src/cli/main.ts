/**
 * `portwatch` on the command line. Each command is a function taking its argument list and the
 * output streams, so tests run commands in-process as well as through the built file.
 */
import { parseArgs } from 'node:util';

/** Where a command writes. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A command: its one-line summary, help text and runner (resolving to the exit code). */
export interface CliCommand {
  summary: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Raised for bad arguments: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** The version baked in at build time (the package's). */
export const VERSION: string = typeof __PORTWATCH_VERSION__ === 'string' ? __PORTWATCH_VERSION__ : '0.0.0-dev';

const commands = new Map<string, CliCommand>();

/** Registers a command; called by each command module. */
export function registerCommand(name: string, command: CliCommand): void {
  commands.set(name, command);
}

function usage(): string {
  const lines = [...commands.entries()].map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`);
  return [
    'Usage: portwatch <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  -h, --help     show help (also: portwatch <command> --help)',
    '  -v, --version  print the version',
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout.write(usage());
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '--version') {
    io.stdout.write(`portwatch ${VERSION}\n`);
    return 0;
  }
  const command = commands.get(first);
  if (!command) {
    io.stderr.write(`portwatch: unknown command "${first}" (try: portwatch --help)\n`);
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr.write(`portwatch ${first}: ${error.message} (try: portwatch ${first} --help)\n`);
      return 2;
    }
    io.stderr.write(`portwatch ${first}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** `util.parseArgs` in strict mode, so unknown options are errors. */
export function parseOptions<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(
  args: string[],
  options: T,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: boolean }>> {
  return parseArgs({ args, options, strict: true, allowPositionals });
}
