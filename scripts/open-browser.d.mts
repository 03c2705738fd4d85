/** The command that opens `url` in the user's browser: $BROWSER (`%s` marks the URL) or the OS's opener. */
export declare function browserCommand(
  url: string,
  platform?: NodeJS.Platform,
  env?: NodeJS.ProcessEnv,
): { command: string; args: string[]; verbatim: boolean };
/** Opens `url` in a browser, best effort: a failure is one line on stderr. */
export declare function openBrowser(url: string): void;
