/**
 * Every CLI command, registered in help order. Each command lives in its own module under
 * commands/ and registers itself; add one import line per command here.
 */
import './commands/version';
import './commands/snapshot';
import './commands/diff';
import './commands/probe';
import './commands/serve';
import './commands/history';
import './commands/at';
import './commands/forget';
