// Child process of tests/support/si-replay.ts: runs systeminformation's REAL macOS or Windows code
// on this machine, answering the commands it starts with captured output instead of running them.
// Before systeminformation loads, it makes process.platform / os.type() say the target OS and
// replaces child_process's functions; a command with no capture fails (as a missing tool would)
// and is recorded, so a test sees exactly which commands systeminformation ran.
import childProcess from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import v8 from 'node:v8';

/** @type {{ platform: 'darwin' | 'win32', call: string, captures: Record<string, { file: string, pipeline?: string }> }} */
const spec = JSON.parse(process.env.PORTWATCH_SI_REPLAY ?? '{}');
const commands = [];

// The shell work that follows netstat in systeminformation's macOS command, applied to the capture
// of netstat's own output: `netstat -natvln | head -n2; netstat -natvln | grep "tcp4\|tcp6\|udp4\|udp6"`.
const PIPELINES = {
  'head2-grep-inet': (text) => {
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    const grep = lines.filter((l) => /tcp4|tcp6|udp4|udp6/.test(l));
    return [...lines.slice(0, 2), ...grep].map((l) => `${l}\n`).join('');
  },
};

/** The captured output for `command`, with the line endings of the target OS (web pages lose CRLF). */
function answer(command) {
  commands.push(command);
  const capture = spec.captures[command];
  if (!capture) return null;
  const raw = readFileSync(capture.file, 'utf8').replace(/\r\n/g, '\n');
  const text = capture.pipeline ? PIPELINES[capture.pipeline](raw) : raw;
  return spec.platform === 'win32' ? text.replace(/\n/g, '\r\n') : text;
}

function notCaptured(command) {
  const error = new Error(`not captured: ${command}`);
  error.code = 127;
  return error;
}

Object.defineProperty(process, 'platform', { value: spec.platform });
os.type = () => (spec.platform === 'win32' ? 'Windows_NT' : 'Darwin');

childProcess.exec = (command, options, callback) => {
  const cb = typeof options === 'function' ? options : callback;
  const out = answer(command);
  process.nextTick(() => cb?.(out === null ? notCaptured(command) : null, out ?? '', ''));
  return new EventEmitter();
};
childProcess.execFile = (file, args, options, callback) => {
  const list = Array.isArray(args) ? args : [];
  const cb = [args, options, callback].find((x) => typeof x === 'function');
  const command = [file, ...list].join(' ');
  const out = answer(command);
  process.nextTick(() => cb?.(out === null ? notCaptured(command) : null, out ?? '', ''));
  return new EventEmitter();
};
childProcess.execSync = (command) => {
  const out = answer(command);
  if (out === null) throw notCaptured(command);
  return Buffer.from(out);
};
childProcess.execFileSync = (file, args) => {
  const command = [file, ...(Array.isArray(args) ? args : [])].join(' ');
  const out = answer(command);
  if (out === null) throw notCaptured(command);
  return Buffer.from(out);
};
childProcess.spawn = (file, args) => {
  const command = [file, ...(Array.isArray(args) ? args : [])].join(' ');
  commands.push(command);
  const child = new EventEmitter();
  child.stdout = new EventEmitter();
  child.stderr = new EventEmitter();
  child.stdin = { write: () => true, end: () => undefined, on: () => undefined };
  child.kill = () => true;
  process.nextTick(() => child.emit('error', notCaptured(command)));
  return child;
};

// Loaded only now, through require: it must see the patched platform and child_process.
const si = createRequire(import.meta.url)('systeminformation');

si[spec.call]().then(
  (result) => {
    // v8 serialization keeps NaN and undefined, which systeminformation returns and JSON would not.
    process.stdout.write(v8.serialize({ result, commands }).toString('base64'));
  },
  (error) => {
    process.stderr.write(String(error?.stack ?? error));
    process.exitCode = 1;
  },
);
