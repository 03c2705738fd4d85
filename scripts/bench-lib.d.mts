/** Types of scripts/bench-lib.mjs for TypeScript callers (tests). */

/** The project root. */
export declare const ROOT: string;

/** Bundles `entry` (relative to the root) and loads it. */
export declare function bundleForBench(entry: string): Promise<unknown>;

/** Bundles `entry` (relative to the root) into one CommonJS file for plain Node; resolves to its path. */
export declare function bundleFile(entry: string): Promise<string>;

/** The median of a list of numbers (the upper one for an even count). */
export declare function median(values: readonly number[]): number;

/** CPU ms of waited-for children so far (Linux /proc/self/stat). */
export declare function childCpuMs(): number;
