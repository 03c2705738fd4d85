import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/main/node/atomic-write';
import { createExporter, createSnapshotExporter, defaultExportName, timestamp } from '../../../src/main/electron/exporter';
import type { ExporterDeps, SaveDialogOptions } from '../../../src/main/electron/exporter';
import type { Snapshot } from '../../../src/shared/model';
import { countersOf, emptyAggregates, makeConnection, okStatus } from '../../support/connections';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portwatch-export-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const at = new Date(2026, 0, 5, 7, 8, 9).getTime();

/** Exporter deps whose dialog answers `answer` and which record dialogs and errors. */
function deps(answer: (options: SaveDialogOptions) => string | null): ExporterDeps & { dialogs: SaveDialogOptions[]; errors: [string, string][] } {
  const dialogs: SaveDialogOptions[] = [];
  const errors: [string, string][] = [];
  return {
    dialogs,
    errors,
    showSaveDialog: async (options) => {
      dialogs.push(options);
      const path = answer(options);
      return path === null ? { canceled: true } : { canceled: false, filePath: path };
    },
    showError: (title, message) => errors.push([title, message]),
    writeFile: writeFileAtomic,
    now: () => at,
    defaultFolder: dir,
    join,
    dirname,
  };
}

describe('defaultExportName', () => {
  it('is portwatch-YYYYMMDD-HHMMSS in local time, with the format extension', () => {
    expect(defaultExportName(at)).toBe('portwatch-20260105-070809.csv');
    expect(defaultExportName(at, 'json')).toBe('portwatch-20260105-070809.json');
    expect(defaultExportName(at, 'ndjson')).toBe('portwatch-20260105-070809.ndjson');
  });
  it('pads every field', () => {
    expect(timestamp(new Date(2027, 11, 31, 23, 59, 58).getTime())).toBe('20271231-235958');
  });
});

describe('createExporter', () => {
  it('proposes the default name in the default folder and writes the chunks there', async () => {
    const d = deps((options) => options.defaultPath);
    const result = await createExporter(d)({ format: 'csv' }, ['a,b\r\n', '1,2\r\n']);
    const target = join(dir, 'portwatch-20260105-070809.csv');
    expect(result).toEqual({ kind: 'saved', path: target });
    expect(readFileSync(target, 'utf8')).toBe('a,b\r\n1,2\r\n');
    expect(d.dialogs[0]).toMatchObject({ filters: [{ name: 'CSV', extensions: ['csv'] }], properties: ['createDirectory', 'showOverwriteConfirmation'] });
    expect(d.errors).toEqual([]);
  });

  it('remembers the folder of the last save for the next dialog', async () => {
    const other = join(dir, 'exports');
    mkdirSync(other);
    const d = deps((options) => (d.dialogs.length === 1 ? join(other, 'mine.csv') : options.defaultPath));
    const exporter = createExporter(d);
    await exporter({ format: 'csv' }, ['x']);
    await exporter({ format: 'json' }, ['{}']);
    expect(d.dialogs[1]?.defaultPath).toBe(join(other, 'portwatch-20260105-070809.json'));
  });

  it('writes nothing when the dialog is cancelled', async () => {
    const d = deps(() => null);
    expect(await createExporter(d)({ format: 'csv' }, ['x'])).toEqual({ kind: 'cancelled' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('shows an unwritable path in an error dialog, rejects with the same message and leaves nothing', async () => {
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    const target = join(dir, 'not-a-folder', 'out.csv');
    const d = deps(() => target);
    await expect(createExporter(d)({ format: 'csv' }, ['a'])).rejects.toThrow(`cannot write ${target}: a part of the path is not a folder`);
    expect(d.errors).toEqual([['Export failed', `cannot write ${target}: a part of the path is not a folder`]]);
    expect(readdirSync(dir)).toEqual(['not-a-folder']);
  });

  it('leaves no temporary file when the final rename fails (target is a folder)', async () => {
    const target = join(dir, 'taken');
    mkdirSync(target);
    const d = deps(() => target);
    await expect(createExporter(d)({ format: 'csv' }, ['a'])).rejects.toThrow(`cannot write ${target}`);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(d.errors).toHaveLength(1);
  });

  it('keeps the previous file intact when producing the export fails halfway', async () => {
    const target = join(dir, 'old.csv');
    writeFileSync(target, 'previous');
    function* failing(): Generator<string> {
      yield 'x'.repeat(100_000);
      throw new Error('the snapshot went away');
    }
    const d = deps(() => target);
    await expect(createExporter(d)({ format: 'csv' }, failing())).rejects.toThrow(`cannot write ${target}: the snapshot went away`);
    expect(readFileSync(target, 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['old.csv']);
  });
});

describe('createSnapshotExporter', () => {
  const rows = [makeConnection({ localPort: 8080 }), makeConnection({ localPort: 9090, protocol: 'udp', state: 'UNCONN' })];
  const snapshot: Snapshot = { seq: 3, capturedAt: at, hostname: 'box', status: okStatus(), rows, aggregates: emptyAggregates(), counters: countersOf(rows) };

  it('writes the current snapshot as CSV with the shared writer, filtered as asked', async () => {
    const d = deps((options) => options.defaultPath);
    const exporter = createSnapshotExporter(async () => snapshot, createExporter(d), '0.1.0', d.showError);
    const result = await exporter({ format: 'csv', columns: ['protocol', 'local_port'], filter: 'port:8080' });
    expect(result.kind).toBe('saved');
    expect(readFileSync(join(dir, 'portwatch-20260105-070809.csv'), 'utf8')).toBe('protocol,local_port\r\ntcp,8080\r\n');
  });

  it('refuses a bad filter before opening the dialog, in an error dialog', async () => {
    const d = deps((options) => options.defaultPath);
    const exporter = createSnapshotExporter(async () => snapshot, createExporter(d), '0.1.0', d.showError);
    await expect(exporter({ format: 'csv', filter: 'port:' })).rejects.toThrow(/^filter: /);
    expect(d.dialogs).toEqual([]);
    expect(d.errors[0]?.[0]).toBe('Export failed');
    expect(readdirSync(dir)).toEqual([]);
  });
});
