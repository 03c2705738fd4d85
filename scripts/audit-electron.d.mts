/** One finding of Electronegativity's CSV report, keyed by its header names. */
export type Finding = Record<string, string> & { issue: string; severity: string; filename: string; location: string };
export declare const ELECTRONEGATIVITY: string;
/** Review-only checks (see SECURITY.md). */
export declare const REVIEWED_CHECKS: Set<string>;
/** Parses CSV into rows of fields. */
export declare function parseCsv(text: string): string[][];
/** Findings of an Electronegativity CSV report. */
export declare function parseFindings(csv: string): Finding[];
/** Splits findings into failing (medium or higher, not reviewed) and accepted ones. */
export declare function judge(findings: Finding[]): { failing: Finding[]; accepted: Finding[] };
