/**
 * Child process for the signal test: writes a large export to argv[2] with the real file writer,
 * prints "writing" once the first megabyte is in the temporary file, then waits for ever (the
 * test ends it with a signal). argv[3] = "own-handler": a SIGTERM listener of the program's own
 * is installed that exits with code 3 (the writer must not re-raise then).
 */
import { writeFileAtomic } from '../../../src/main/node/atomic-write';

const target = process.argv[2] ?? '';
if (process.argv[3] === 'own-handler') process.on('SIGTERM', () => process.exit(3));

async function* rows(): AsyncGenerator<string> {
  const line = `tcp,127.0.0.1,8080,LISTEN,${'x'.repeat(100)}\r\n`;
  for (let i = 0; i < 10_000; i += 1) yield line;
  // Past 64 KiB chunks: the first megabyte is in the temporary file now.
  process.stdout.write('writing\n');
  setInterval(() => undefined, 1000);
  await new Promise<never>(() => undefined);
}

writeFileAtomic(target, rows()).then(
  () => process.stdout.write('finished\n'),
  (error: unknown) => process.stdout.write(`failed: ${String(error)}\n`),
);
