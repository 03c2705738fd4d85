// Opens a URL in the user's browser, best effort (`npm start`'s fallback to `portwatch serve`).
import { spawn } from 'node:child_process';

/** The command that opens `url` in the user's browser: $BROWSER (`%s` marks the URL) or the OS's opener. */
export function browserCommand(url, platform = process.platform, env = process.env) {
  const custom = env.BROWSER?.trim();
  if (custom) {
    // $BROWSER may list several commands separated by ":" (not on Windows, where ":" is in paths).
    const [command, ...rest] = (platform === 'win32' ? custom : (custom.split(':')[0] ?? custom)).trim().split(/\s+/);
    const args = rest.map((arg) => arg.replaceAll('%s', url));
    if (!rest.some((arg) => arg.includes('%s'))) args.push(url);
    return { command, args, verbatim: false };
  }
  if (platform === 'darwin') return { command: 'open', args: [url], verbatim: false };
  // The URL is ours (hex token, no quotes or carets), so quoting it for cmd is safe.
  if (platform === 'win32') return { command: 'cmd', args: ['/d', '/s', '/c', `start "" "${url}"`], verbatim: true };
  return { command: 'xdg-open', args: [url], verbatim: false };
}

/** Opens `url` in a browser, best effort: a failure is one line, and the URL is on screen anyway. */
export function openBrowser(url) {
  const { command, args, verbatim } = browserCommand(url);
  const failed = (why) => process.stderr.write(`portwatch: could not open a browser (${command}: ${why}); open the URL above yourself\n`);
  let child;
  try {
    child = spawn(command, args, { stdio: 'ignore', detached: true, windowsVerbatimArguments: verbatim });
  } catch (error) {
    return failed(error.message);
  }
  child.on('error', (error) => failed(error.code === 'ENOENT' ? 'not found' : error.message));
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) failed(`exit code ${code}`);
  });
  child.unref();
  process.stdout.write('portwatch: opening it in your browser (npm start -- --no-open skips this)\n');
}
