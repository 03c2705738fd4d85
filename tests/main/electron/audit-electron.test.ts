import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judge, parseCsv, parseFindings } from '../../../scripts/audit-electron.mjs';

// Recorded real output: Electronegativity 1.10.3 (-e 41.7.1) on this repository before the window
// hardening of issue 8 (options built by a function call, no permission handler).
const before = readFileSync('tests/main/electron/fixtures/electronegativity-before-hardening.csv', 'utf8');

describe('parseCsv', () => {
  it('handles quoted fields with commas, doubled quotes and CRLF', () => {
    expect(parseCsv('a,"b, c","say ""hi"""\r\n1,2,3\n')).toEqual([
      ['a', 'b, c', 'say "hi"'],
      ['1', '2', '3'],
    ]);
  });
});

describe('parseFindings', () => {
  it('reads every finding of a real report with its columns', () => {
    const findings = parseFindings(before);
    expect(findings.map((f) => `${f.issue} ${f.severity} ${f.filename}:${f.location}`)).toEqual([
      'CSP_GLOBAL_CHECK LOW out/renderer/index.html:5:0',
      'CSP_GLOBAL_CHECK LOW src/renderer/index.html:5:0',
      'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK MEDIUM N/A:0:0',
      'AUXCLICK_JS_CHECK MEDIUM src/main/electron/index.ts:11:17',
      'CONTEXT_ISOLATION_JS_CHECK HIGH src/main/electron/index.ts:11:17',
      'SANDBOX_JS_CHECK MEDIUM src/main/electron/index.ts:11:17',
    ]);
  });

  it('refuses a report without the expected columns', () => {
    expect(() => parseFindings('')).toThrow('the report is empty (no header line)');
    expect(() => parseFindings('name,level\nx,y\n')).toThrow('the report has no "issue" column (header: name, level)');
  });
});

describe('judge', () => {
  it('fails the medium and high findings of the unhardened app, accepting the low ones', () => {
    const { failing, accepted } = judge(parseFindings(before));
    expect(failing.map((f) => f.issue)).toEqual(['PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK', 'AUXCLICK_JS_CHECK', 'CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK']);
    expect(accepted.map((f) => f.severity)).toEqual(['LOW', 'LOW']);
  });

  it('accepts the two review-only checks at any severity, and nothing else', () => {
    const finding = (issue: string, severity: string): Record<string, string> & { issue: string; severity: string; filename: string; location: string } => ({
      issue,
      severity,
      filename: 'f',
      location: '1:1',
    });
    const { failing, accepted } = judge([
      finding('PRELOAD_JS_CHECK', 'MEDIUM'),
      finding('OPEN_EXTERNAL_JS_CHECK', 'HIGH'),
      finding('NODE_INTEGRATION_JS_CHECK', 'INFORMATIONAL'),
      finding('WEB_SECURITY_JS_CHECK', 'critical'),
    ]);
    expect(accepted.map((f) => f.issue)).toEqual(['PRELOAD_JS_CHECK', 'OPEN_EXTERNAL_JS_CHECK', 'NODE_INTEGRATION_JS_CHECK']);
    expect(failing.map((f) => f.issue)).toEqual(['WEB_SECURITY_JS_CHECK']);
  });
});
