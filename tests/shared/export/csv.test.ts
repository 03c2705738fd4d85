import Papa from 'papaparse';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { COLUMN_SPECS } from '../../../src/shared/export/columns';
import { BOM, csvChunks, guardCell, guardText } from '../../../src/shared/export/csv';
import { EXPORT_COLUMNS } from '../../../src/shared/model';
import type { Connection, ExportColumn } from '../../../src/shared/model';
import { makeConnection } from '../../support/connections';

const T = 1_700_000_000_000;

/** Parses CSV with papaparse, an independent RFC 4180 parser. */
function parseCsv(text: string, delimiter = ','): string[][] {
  const result = Papa.parse<string[]>(text, { delimiter, newline: '\r\n', skipEmptyLines: false });
  expect(result.errors).toEqual([]);
  // The final CRLF leaves one empty record behind.
  expect(result.data.at(-1)).toEqual(['']);
  return result.data.slice(0, -1);
}

function csvOf(rows: Connection[], options: Partial<Parameters<typeof csvChunks>[1]> = {}): string {
  return [...csvChunks(rows, { capturedAt: T, ...options })].join('');
}

/** The cells of one row by column name. */
function record(header: string[], cells: string[]): Record<string, string> {
  return Object.fromEntries(header.map((name, i) => [name, cells[i] ?? '<missing>']));
}

const HOSTILE_TEXTS = [
  'comma, inside',
  'semi;colon',
  'say "hi"',
  '"quoted"',
  'line\nbreak',
  'carriage\rreturn',
  'crlf\r\nboth',
  '=1+2',
  '=HYPERLINK("http://evil.test","click")',
  '+cmd|\' /C calc\'!A0',
  '-2+3',
  '-1',
  '@SUM(A1:A2)',
  '\tleading tab',
  '\rleading cr',
  'trailing space ',
  ' leading space',
  '🦊 firefox',
  'עברית RTL',
  '中文进程',
  "'already quoted",
  '',
  '""',
  ',',
];

describe('csvChunks', () => {
  it('writes a header of the default columns in EXPORT_COLUMNS order, CRLF line ends', () => {
    const text = csvOf([]);
    expect(text).toBe(`${EXPORT_COLUMNS.join(',')}\r\n`);
  });

  it('round-trips hostile process names, paths, users and hosts through papaparse (guarded text only)', () => {
    const rows = HOSTILE_TEXTS.map((text, i) =>
      makeConnection({
        localPort: 1000 + i,
        remoteAddress: '::1',
        remotePort: 443,
        state: 'ESTABLISHED',
        remoteHost: text,
        owners: [{ pid: 10 + i, name: text, path: text, user: text, commandLine: text }],
      }),
    );
    const [header = [], ...records] = parseCsv(csvOf(rows));
    expect(header).toEqual([...EXPORT_COLUMNS]);
    expect(records).toHaveLength(HOSTILE_TEXTS.length);
    records.forEach((cells, i) => {
      const text = HOSTILE_TEXTS[i] ?? '';
      const expected = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
      const cell = record(header, cells);
      expect({ name: cell.process_name, path: cell.process_path, user: cell.user, cmd: cell.command_line, host: cell.remote_host }).toEqual({
        name: expected,
        path: expected,
        user: expected,
        cmd: expected,
        host: expected,
      });
      expect(cell.local_port).toBe(String(1000 + i));
      expect(cell.pid).toBe(String(10 + i));
      expect(cell.remote_address).toBe('::1');
    });
  });

  it('joins several owners with ";" in owner order and keeps them aligned', () => {
    const row = makeConnection({
      owners: [
        { pid: 100, name: 'nginx', user: 'root', path: '/usr/sbin/nginx' },
        { pid: 101, name: 'nginx worker', user: 'www-data' },
      ],
    });
    const [header = [], cells = []] = parseCsv(csvOf([row]));
    const cell = record(header, cells);
    expect([cell.pid, cell.process_name, cell.user, cell.process_path, cell.command_line]).toEqual([
      '100;101',
      'nginx;nginx worker',
      'root;www-data',
      '/usr/sbin/nginx;',
      '',
    ]);
  });

  it('writes empty values as empty cells, never "null" or "undefined"', () => {
    const row = makeConnection({ owners: [], ownerVisibility: 'none', remoteAddress: null, remotePort: null, service: null, exposure: null });
    const text = csvOf([row]);
    expect(text).not.toMatch(/null|undefined|NaN/);
    const [header = [], cells = []] = parseCsv(text);
    const cell = record(header, cells);
    for (const column of ['remote_address', 'remote_port', 'remote_host', 'pid', 'process_name', 'first_seen', 'last_seen', 'change', 'exposure', 'local_service']) {
      expect([column, cell[column]]).toEqual([column, '']);
    }
  });

  it('prints times in ISO 8601 UTC and takes services from the side they belong to', () => {
    const listener = makeConnection({
      localPort: 443,
      firstSeen: T - 1000,
      lastSeen: T,
      service: { name: 'https', description: '', port: 443, portClass: 'well-known', side: 'local' },
      exposure: 'all-interfaces',
    });
    const client = makeConnection({
      localPort: 50_000,
      remoteAddress: '10.1.2.3',
      remotePort: 22,
      state: 'ESTABLISHED',
      service: { name: 'ssh', description: '', port: 22, portClass: 'well-known', side: 'remote' },
      change: 'new',
    });
    const [header = [], a = [], b = []] = parseCsv(csvOf([listener, client]));
    const first = record(header, a);
    const second = record(header, b);
    expect([first.captured_at, first.first_seen, first.last_seen]).toEqual([
      '2023-11-14T22:13:20.000Z',
      '2023-11-14T22:13:19.000Z',
      '2023-11-14T22:13:20.000Z',
    ]);
    expect([first.local_service, first.remote_service, first.exposure]).toEqual(['https', '', 'all-interfaces']);
    expect([second.local_service, second.remote_service, second.change]).toEqual(['', 'ssh', 'new']);
  });

  it('writes the chosen columns in the chosen order', () => {
    const row = makeConnection({ localPort: 8080, owners: [{ pid: 7, name: 'app' }] });
    const columns: ExportColumn[] = ['process_name', 'local_port', 'protocol'];
    expect(csvOf([row], { columns })).toBe('process_name,local_port,protocol\r\napp,8080,tcp\r\n');
  });

  it.each([';', '\t'] as const)('uses %j as separator, quoting fields that contain it', (separator) => {
    const row = makeConnection({ owners: [{ pid: 1, name: `a${separator}b, "c"` }], localAddress: '::1' });
    const text = csvOf([row], { separator, columns: ['local_address', 'process_name', 'local_port'] });
    expect(text.split('\r\n')[0]).toBe(['local_address', 'process_name', 'local_port'].join(separator));
    expect(parseCsv(text, separator)).toEqual([
      ['local_address', 'process_name', 'local_port'],
      ['::1', `a${separator}b, "c"`, '8080'],
    ]);
    // A comma needs no quotes when it is not the separator.
    const plain = csvOf([makeConnection({ owners: [{ pid: 1, name: 'x,y' }] })], { separator, columns: ['process_name'] });
    expect(plain).toBe(`process_name\r\nx,y\r\n`);
  });

  it('starts with a UTF-8 BOM only when asked, and encodes Unicode as UTF-8', () => {
    const row = makeConnection({ owners: [{ pid: 1, name: '🦊 中文 עברית' }] });
    const withBom = csvOf([row], { bom: true, columns: ['process_name'] });
    const without = csvOf([row], { columns: ['process_name'] });
    expect(withBom).toBe(`${BOM}${without}`);
    const bytes = new TextEncoder().encode(withBom);
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)).toBe(withBom);
    expect(parseCsv(without)).toEqual([['process_name'], ['🦊 中文 עברית']]);
  });
});

describe('the formula-injection guard', () => {
  it('prefixes an apostrophe to text starting with = + - @ tab or CR, and to nothing else', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(guardText(`${start}x`)).toBe(`'${start}x`);
    for (const text of ['x=1', ' =1', "'=1", '1-2', 'a@b', '', '(1)', '#1', '|cmd']) expect(guardText(text)).toBe(text);
  });

  it('never alters number, time or IP-address cells, whatever their content (property loop)', () => {
    const numberLike = ['-1', '-0', '+1', '-65535', '0', '1e5', '-1.5', '65535', '4;5', '-1;-2'];
    const addresses = ['::1', '::', '0.0.0.0', '127.0.0.1', 'fe80::1%eth0', '::ffff:127.0.0.1', '2001:db8::1', '255.255.255.255', ''];
    for (const value of numberLike) {
      expect(guardCell(value, 'number')).toBe(value);
      expect(guardCell(value, 'time')).toBe(value);
      // The same text in a text column is guarded when it starts with a trigger.
      expect(guardCell(value, 'text')).toBe(/^[-+]/.test(value) ? `'${value}` : value);
    }
    for (const value of addresses) expect(guardCell(value, 'address')).toBe(value);
  });

  it('keeps ports, pids and addresses exact in real rows while guarding the names beside them', () => {
    const ports = [0, 1, 53, 443, 8080, 65535];
    const rows = ports.flatMap((port, i) =>
      ['::1', '::', '127.0.0.1', 'fe80::1%lo'].map((address) =>
        makeConnection({
          family: address.includes(':') ? 6 : 4,
          localAddress: address,
          localPort: port,
          remoteAddress: address,
          remotePort: port,
          state: 'ESTABLISHED',
          owners: [{ pid: 1000 + i, name: `-${port}` }],
        }),
      ),
    );
    const [header = [], ...records] = parseCsv(csvOf(rows));
    records.forEach((cells, i) => {
      const row = rows[i] as Connection;
      const cell = record(header, cells);
      expect([cell.local_address, cell.local_port, cell.remote_address, cell.remote_port, cell.pid, cell.ip_version]).toEqual([
        row.localAddress,
        String(row.localPort),
        row.remoteAddress,
        String(row.remotePort),
        String(row.owners[0]?.pid),
        String(row.family),
      ]);
      expect(cell.process_name).toBe(`'-${row.localPort}`);
    });
  });

  it('round-trips 600 random hostile rows with every separator: text guarded, numbers and addresses exact', () => {
    // A small seeded generator (mulberry32) so a failure reproduces.
    let seed = 0x5eed;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const ALPHABET = [',', ';', '\t', '"', "'", '\r', '\n', '\r\n', '=', '+', '-', '@', ' ', 'a', 'Z', '1', '.', ':', 'é', '🦊', '中', 'ש', '\u200f'];
    const text = (): string => Array.from({ length: Math.floor(random() * 8) }, () => pick(ALPHABET)).join('');
    const hex = (): string => Math.floor(random() * 0x10000).toString(16);
    const address = (): string =>
      pick([
        () => `${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`,
        () => `${hex()}:${hex()}::${hex()}`,
        () => '::1',
        () => '::',
        () => `::ffff:127.0.0.${Math.floor(random() * 256)}`,
      ])();
    const rows = Array.from({ length: 200 }, () =>
      makeConnection({
        family: 6,
        localAddress: address(),
        localPort: Math.floor(random() * 65536),
        remoteAddress: address(),
        remotePort: Math.floor(random() * 65536),
        remoteHost: text(),
        state: 'ESTABLISHED',
        owners: [{ pid: Math.floor(random() * 4_000_000), name: text(), path: text(), user: text(), commandLine: text() }],
      }),
    );
    for (const separator of [',', ';', '\t'] as const) {
      const [header = [], ...records] = parseCsv(csvOf(rows, { separator }), separator);
      expect(records).toHaveLength(rows.length);
      records.forEach((cells, i) => {
        const row = rows[i] as Connection;
        const owner = row.owners[0];
        const cell = record(header, cells);
        expect([cell.local_address, cell.local_port, cell.remote_address, cell.remote_port, cell.pid]).toEqual([
          row.localAddress,
          String(row.localPort),
          row.remoteAddress,
          String(row.remotePort),
          String(owner?.pid),
        ]);
        expect([cell.process_name, cell.process_path, cell.user, cell.command_line, cell.remote_host]).toEqual(
          [owner?.name, owner?.path, owner?.user, owner?.commandLine, row.remoteHost].map((value) => guardText(value ?? '')),
        );
      });
    }
  });

  it('guards an address column that holds no IP literal (only possible from a hand-made document)', () => {
    expect(guardCell('=cmd|x', 'address')).toBe("'=cmd|x");
    expect(guardCell('*', 'address')).toBe('*');
  });

  it('marks exactly the text columns as text in the column table', () => {
    const byKind = (kind: string): string[] => EXPORT_COLUMNS.filter((column) => COLUMN_SPECS[column].kind === kind);
    expect(byKind('number')).toEqual(['ip_version', 'local_port', 'remote_port', 'pid', 'bytes_sent', 'bytes_received', 'send_rate', 'recv_rate', 'rtt_ms', 'retransmits']);
    expect(byKind('address')).toEqual(['local_address', 'remote_address']);
    expect(byKind('time')).toEqual(['captured_at', 'first_seen', 'last_seen']);
    expect(byKind('text')).toEqual([
      'protocol',
      'local_service',
      'remote_host',
      'remote_service',
      'state',
      'process_name',
      'process_path',
      'command_line',
      'user',
      'change',
      'exposure',
      'forward',
      'health',
      'owner_hint',
    ]);
  });

  it('writes a forward as listen -> target (tool), and nothing for a row without one', () => {
    const forwarded = makeConnection({
      localPort: 15432,
      forward: { kind: 'ssh-local', listenAddress: '127.0.0.1', listenPort: 15432, targetHost: 'db', targetPort: 5432, via: 'ssh -L 15432:db:5432' },
    });
    const dynamic = makeConnection({ forward: { kind: 'ssh-dynamic', listenAddress: '::1', listenPort: 1080, targetHost: null, targetPort: null, via: 'ssh -D 1080' } });
    const context = { capturedAt: 0 };
    expect(COLUMN_SPECS.forward.read(forwarded, context)).toBe('127.0.0.1:15432 -> db:5432 (ssh -L)');
    expect(COLUMN_SPECS.forward.read(dynamic, context)).toBe('[::1]:1080 -> SOCKS (any host) (ssh -D)');
    expect(COLUMN_SPECS.forward.read(makeConnection(), context)).toBe('');
  });
});

describe('streaming', () => {
  it('exports 100 000 rows chunk by chunk with bounded heap growth and no huge chunk', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const COUNT = 100_000;
    const template = makeConnection({
      remoteAddress: '2001:db8::1',
      remotePort: 443,
      state: 'ESTABLISHED',
      remoteHost: 'a-fairly-long-remote-host-name.example.test',
      owners: [{ pid: 4242, name: 'some-process', path: '/usr/lib/some/long/path/to/the/binary', user: 'user', commandLine: '/usr/lib/some --with --flags' }],
      firstSeen: T,
      lastSeen: T,
    });
    // Rows are produced lazily too, so only the export itself could hold memory.
    function* rows(): Generator<Connection> {
      for (let i = 0; i < COUNT; i += 1) yield { ...template, localPort: 1024 + (i % 60_000) };
    }
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let growth = 0;
    let total = 0;
    let largest = 0;
    let lines = 0;
    let chunksSeen = 0;
    for (const chunk of csvChunks(rows(), { capturedAt: T })) {
      total += chunk.length;
      largest = Math.max(largest, chunk.length);
      lines += chunk.split('\r\n').length - 1;
      chunksSeen += 1;
      if (chunksSeen % 200 === 0) {
        gc();
        growth = Math.max(growth, process.memoryUsage().heapUsed - baseline);
      }
    }
    expect(lines).toBe(COUNT + 1);
    expect(total).toBeGreaterThan(20_000_000);
    expect(largest).toBeLessThan(64 * 1024);
    // Retained memory stays tiny next to the ~25 MB written (UTF-16 in memory: twice that).
    expect(growth).toBeLessThan(total / 20);
  });
});
