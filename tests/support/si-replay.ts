/**
 * Replays captured macOS/Windows command output through systeminformation's real code for that OS
 * (tests/support/si-replay-child.mjs runs it in a child Node process that believes it is on the
 * target OS). Captures live in tests/fixtures/macos and tests/fixtures/windows with their sources.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { deserialize } from 'node:v8';

const ROOT = resolve(__dirname, '../..');
const CHILD = resolve(__dirname, 'si-replay-child.mjs');

/** The commands systeminformation 5.33 starts for `networkConnections()`, exactly as it spells them. */
export const SI_COMMANDS = {
  darwinNetstat: 'netstat -natvln | head -n2; netstat -natvln | grep "tcp4\\|tcp6\\|udp4\\|udp6"',
  darwinPs: 'ps -axo pid,command',
  windowsNetstat: 'netstat -nao',
} as const;

/** A capture answering one command; `pipeline` applies the shell work after the captured tool. */
export interface Capture {
  /** Path relative to tests/fixtures. */
  file: string;
  pipeline?: 'head2-grep-inet';
}

/** What one replay returned: systeminformation's result as it built it, and the commands it ran. */
export interface Replay<T> {
  result: T;
  commands: string[];
}

/** Runs `si[call]()` as on `platform`, with `captures` answering the commands it starts. */
export function replaySi<T>(platform: 'darwin' | 'win32', call: string, captures: Record<string, Capture>): Replay<T> {
  const spec = {
    platform,
    call,
    captures: Object.fromEntries(Object.entries(captures).map(([cmd, c]) => [cmd, { ...c, file: resolve(ROOT, 'tests', 'fixtures', c.file) }])),
  };
  const out = execFileSync(process.execPath, [CHILD], {
    cwd: ROOT,
    env: { ...process.env, PORTWATCH_SI_REPLAY: JSON.stringify(spec) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return deserialize(Buffer.from(out, 'base64')) as Replay<T>;
}
