/** The `portwatch` executable: registers the commands and runs. */
import { runCli } from './main';
import './commands';

void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
