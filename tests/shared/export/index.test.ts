import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkExportRequest, exportChunks } from '../../../src/shared/export';
import type { PreparedExport } from '../../../src/shared/export';
import type { ExportRequest } from '../../../src/shared/model';
import { GOLDEN_CAPTURED_AT, goldenDocument } from '../../fixtures/export/input';

function text(prepared: PreparedExport): string {
  if (!prepared.ok) throw new Error(prepared.error);
  return [...prepared.chunks].join('');
}

const golden = (name: string): string => readFileSync(new URL(`../../fixtures/export/${name}`, import.meta.url), 'utf8');

describe('exportChunks', () => {
  it.each(['csv', 'json', 'ndjson'] as const)('matches the %s golden file byte for byte (default columns)', (format) => {
    expect(text(exportChunks(goldenDocument(), { format }))).toBe(golden(`snapshot.${format}`));
  });

  it('exports bare rows with their metadata like the document they make', () => {
    const document = goldenDocument();
    const meta = { portwatchVersion: document.portwatchVersion, hostname: document.hostname, capturedAt: GOLDEN_CAPTURED_AT, status: document.status };
    expect(text(exportChunks(document.rows, { format: 'json' }, meta))).toBe(golden('snapshot.json'));
    expect(text(exportChunks(new Set(document.rows), { format: 'csv' }, meta))).toBe(golden('snapshot.csv'));
  });

  it('applies the filter in every format', () => {
    const document = goldenDocument();
    const csv = text(exportChunks(document, { format: 'csv', filter: 'proc:nginx', columns: ['local_port', 'pid'] }));
    expect(csv).toBe('local_port,pid\r\n443,100;101\r\n');
    const json = JSON.parse(text(exportChunks(document, { format: 'json', filter: 'udp port:1' }))) as { rows: unknown[] };
    expect(json.rows).toEqual([]);
    const ndjson = text(exportChunks(document, { format: 'ndjson', filter: 'state:listen,unconn' })).trim().split('\n');
    expect(ndjson.slice(1).map((line) => (JSON.parse(line) as { localPort: number }).localPort)).toEqual([443, 53, 15_432]);
  });

  it('rejects a bad filter before writing anything, naming the problem', () => {
    const prepared = exportChunks(goldenDocument(), { format: 'csv', filter: 'port:99999' });
    expect(prepared).toEqual({ ok: false, error: 'filter: "99999" is not a port (0–65535) or a range like 8000-8100' });
  });

  it('rejects an invalid request (unknown column, repeated column, bad format)', () => {
    const bad = (request: unknown): string => {
      const checked = exportChunks(goldenDocument(), request as ExportRequest);
      return checked.ok ? 'ok' : checked.error;
    };
    expect(bad({ format: 'csv', columns: ['nope'] })).toContain('export request: columns must be among: captured_at');
    expect(bad({ format: 'csv', columns: ['pid', 'pid'] })).toBe('export request: columns must not repeat a column');
    expect(bad({ format: 'xml' })).toBe('export request: format must be csv, json or ndjson');
  });

  it('refuses bare rows without metadata', () => {
    const rows = goldenDocument().rows;
    const prepared = (exportChunks as (rows: unknown, request: ExportRequest) => PreparedExport)(rows, { format: 'csv' });
    expect(prepared).toEqual({ ok: false, error: 'export: rows given without their metadata (host name, capture time, status)' });
  });

  it('treats a blank filter as no filter', () => {
    const checked = checkExportRequest({ format: 'csv', filter: '   ' });
    expect(checked).toEqual({ ok: true, request: { format: 'csv', filter: '   ' }, filter: null });
  });
});
