/** Runs the `portwatch` CLI in-process with captured output (tests of commands). */
import { Writable } from 'node:stream';
import '../../src/cli/commands';
import { runCli } from '../../src/cli/main';

/** What a CLI run printed and its exit code. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `portwatch ...args`; `onErr` sees stderr as it is written (to react to progress lines). */
export async function runCliCaptured(args: string[], onErr?: (text: string) => void): Promise<CliRun> {
  const text = { out: '', err: '' };
  const sink = (name: 'out' | 'err'): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, callback): void {
        text[name] += chunk.toString('utf8');
        if (name === 'err') onErr?.(text.err);
        callback();
      },
    });
  const code = await runCli(args, { stdout: sink('out'), stderr: sink('err') });
  return { code, ...text };
}
