import { describe, expect, it } from 'vitest';
import {
  parseSnapshotDocument,
  snapshotJsonChunks,
  snapshotNdjsonChunks,
  toSnapshotDocument,
  headerOf,
} from '../../../src/shared/export/json';
import type { Connection, SnapshotDocument } from '../../../src/shared/model';
import { goldenDocument } from '../../fixtures/export/input';
import { makeConnection, okStatus } from '../../support/connections';

const json = (document: SnapshotDocument): string => [...snapshotJsonChunks(headerOf(document), document.rows)].join('');
const ndjson = (document: SnapshotDocument): string => [...snapshotNdjsonChunks(headerOf(document), document.rows)].join('');

function parsed(text: string): SnapshotDocument {
  const result = parseSnapshotDocument(text);
  if (!result.ok) throw new Error(`expected a document, got: ${result.error}`);
  return result.document;
}

function errorOf(text: string): string {
  const result = parseSnapshotDocument(text);
  if (result.ok) throw new Error('expected an error');
  return result.error;
}

describe('toSnapshotDocument', () => {
  it('builds the documented metadata with the ISO time of the capture', () => {
    const status = okStatus();
    const rows = [makeConnection()];
    expect(toSnapshotDocument({ hostname: 'h', capturedAt: 0, status, rows }, '9.9.9')).toEqual({
      format: 'portwatch-snapshot',
      formatVersion: 1,
      portwatchVersion: '9.9.9',
      hostname: 'h',
      capturedAt: 0,
      capturedAtIso: '1970-01-01T00:00:00.000Z',
      status,
      rows,
    });
  });
});

describe('JSON and NDJSON writers', () => {
  it('write JSON that parses back to the same document, one row per line', () => {
    const document = goldenDocument();
    const text = json(document);
    expect(JSON.parse(text)).toEqual(document);
    expect(text.split('\n')).toHaveLength(document.rows.length + 3);
  });

  it('write an empty rows list as valid JSON', () => {
    const document = { ...goldenDocument(), rows: [] };
    expect(JSON.parse(json(document))).toEqual(document);
  });

  it('write NDJSON: the document without rows, then one row per line', () => {
    const document = goldenDocument();
    const lines = ndjson(document).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(JSON.parse(lines[0] ?? '')).toEqual(headerOf(document));
    expect(lines.slice(1, -1).map((line) => JSON.parse(line) as Connection)).toEqual(document.rows);
  });

  it('stream 100 000 rows in chunks far smaller than the output', () => {
    const template = makeConnection({ owners: [{ pid: 1, name: 'x', commandLine: '/bin/x --serve' }] });
    function* rows(): Generator<Connection> {
      for (let i = 0; i < 100_000; i += 1) yield { ...template, localPort: i % 65_536 };
    }
    for (const write of [snapshotJsonChunks, snapshotNdjsonChunks]) {
      let total = 0;
      let largest = 0;
      let newlines = 0;
      for (const chunk of write(headerOf(goldenDocument()), rows())) {
        total += chunk.length;
        largest = Math.max(largest, chunk.length);
        for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) newlines += 1;
      }
      expect(total).toBeGreaterThan(10_000_000);
      expect(largest).toBeLessThan(64 * 1024);
      expect(newlines).toBe(write === snapshotJsonChunks ? 100_002 : 100_001);
    }
  });
});

describe('parseSnapshotDocument', () => {
  it('reads back JSON and NDJSON exports exactly', () => {
    const document = goldenDocument();
    expect(parsed(json(document))).toEqual(document);
    expect(parsed(ndjson(document))).toEqual(document);
  });

  it('accepts a leading BOM, CRLF line ends, blank lines and pretty-printed JSON', () => {
    const document = goldenDocument();
    expect(parsed(`\uFEFF${json(document)}`)).toEqual(document);
    expect(parsed(ndjson(document).replace(/\n/g, '\r\n\r\n'))).toEqual(document);
    expect(parsed(JSON.stringify(document, null, 2))).toEqual(document);
  });

  it('reads an NDJSON file with only its header line as a snapshot without rows', () => {
    const document = { ...goldenDocument(), rows: [] };
    expect(parsed(ndjson(document))).toEqual(document);
  });

  it('recomputes a missing key and drops unknown fields', () => {
    const row = makeConnection({ localPort: 9000 });
    const { key, ...withoutKey } = row;
    const document = { ...goldenDocument(), rows: [{ ...withoutKey, extra: 'ignored' }] };
    expect(parsed(JSON.stringify(document)).rows).toEqual([{ ...withoutKey, key }]);
  });

  it('fills capturedAtIso when an older or hand-made document lacks it', () => {
    const { capturedAtIso: _iso, ...rest } = goldenDocument();
    expect(parsed(JSON.stringify(rest)).capturedAtIso).toBe('2023-11-14T22:13:20.000Z');
  });

  it.each([
    ['', 'the file is empty'],
    ['  \n\n', 'the file is empty'],
    ['[]', 'not a Portwatch snapshot: the document is not a JSON object'],
    ['{"format":"other-tool"}', 'not a Portwatch snapshot: the document has format "other-tool", expected "portwatch-snapshot"'],
    ['{"rows":[]}', 'not a Portwatch snapshot: the document has format missing, expected "portwatch-snapshot"'],
    ['{"format":"portwatch-snapshot","formatVersion":2}', 'unsupported snapshot formatVersion 2: this Portwatch reads version 1'],
    ['id,name\r\n1,x\r\n', 'not valid JSON or NDJSON ('],
  ])('rejects %j with a clear error', (text, message) => {
    expect(errorOf(text)).toContain(message);
  });

  it('names the NDJSON line that is not valid JSON', () => {
    const lines = ndjson(goldenDocument()).split('\n');
    lines[2] = '{"protocol": "tcp", oops}';
    expect(errorOf(lines.join('\n'))).toMatch(/^line 3: not valid JSON \(/);
  });

  it('names a truncated JSON file as invalid JSON', () => {
    const text = json(goldenDocument());
    expect(errorOf(text.slice(0, text.length - 10))).toMatch(/^not valid JSON or NDJSON \(/);
  });

  it('names the row and the field that is wrong', () => {
    const document = goldenDocument();
    const bad = (patch: Record<string, unknown>, index = 1): string => {
      const rows: unknown[] = document.rows.map((row) => ({ ...row }));
      rows[index] = { ...(rows[index] as object), ...patch };
      return errorOf(JSON.stringify({ ...document, rows }));
    };
    expect(bad({ localPort: 70_000 })).toBe('row 2: localPort must be at most 65535');
    expect(bad({ localPort: '443' })).toBe('row 2: localPort must be a number');
    expect(bad({ state: 'OPEN' })).toContain('row 2: state must be one of ESTABLISHED');
    expect(bad({ protocol: 'sctp' }, 0)).toBe('row 1: protocol must be tcp or udp');
    expect(bad({ owners: [{ pid: 'x', name: 'a' }] })).toBe('row 2: owners.pid must be a number');
    expect(bad({ owners: 'nginx' })).toBe('row 2: owners must be a list');
    expect(errorOf(JSON.stringify({ ...document, rows: [1] }))).toBe('row 1: a row must be a JSON object');
    expect(errorOf(JSON.stringify({ ...document, rows: {} }))).toBe('rows must be a list');
  });

  it('names the NDJSON line of a bad row and rejects rows inside the header line', () => {
    const lines = ndjson(goldenDocument()).split('\n');
    lines[3] = JSON.stringify({ ...(JSON.parse(lines[3] ?? '') as object), family: 5 });
    expect(errorOf(lines.join('\n'))).toBe('line 4: family must be 4 or 6');
    const header = JSON.stringify({ ...headerOf(goldenDocument()), rows: [] });
    expect(errorOf(`${header}\n${lines[1] ?? ''}\n`)).toBe('line 1: an NDJSON header line must not hold rows (one row per line follows it)');
  });

  it('rejects a header with a bad status or host name', () => {
    const document = goldenDocument();
    expect(errorOf(JSON.stringify({ ...document, status: { ...document.status, ok: 'yes' } }))).toBe(
      'the document: status.ok must be true or false',
    );
    expect(errorOf(JSON.stringify({ ...document, hostname: 42 }))).toBe('the document: hostname must be text');
  });
});
