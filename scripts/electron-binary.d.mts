/** The project root. */
export declare const ROOT: string;
/** The Electron runtime binary, or why there is none. */
export declare function findElectronBinary(): { ok: true; path: string } | { ok: false; reason: string };
