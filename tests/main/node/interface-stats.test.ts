import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/main/core/sources';
import { createInterfaceStatsSource, parseProcNetDev } from '../../../src/main/node/interface-stats';
import { onlyOn } from '../../support/platform';

const RECORDED = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  913245    4021    0    0    0     0          0         0   913245    4021    0    0    0     0       0          0
  eth0: 123456789  98765    0    0    0     0          0         0 4567890  12345    0    0    0     0       0          0
`;

describe('parseProcNetDev', () => {
  it('reads rx and tx bytes per interface', () => {
    expect(parseProcNetDev(RECORDED)).toEqual([
      { name: 'lo', rxBytes: 913245, txBytes: 913245 },
      { name: 'eth0', rxBytes: 123456789, txBytes: 4567890 },
    ]);
  });

  it('skips lines it cannot read', () => {
    expect(parseProcNetDev(`${RECORDED}  bad: x y\n`)).toHaveLength(2);
  });
});

describe('createInterfaceStatsSource on Linux', () => {
  it.skipIf(onlyOn('linux', 'reads /proc/net/dev'))('reads the loopback counters from the real /proc/net/dev', async () => {
    const counters = await createInterfaceStatsSource().read();
    const lo = counters.find((c) => c.name === 'lo');
    expect(lo?.rxBytes).toBeGreaterThan(0);
  });

  it('rejects with a SourceError naming the file it could not read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-dev-'));
    try {
      const read = createInterfaceStatsSource('linux', join(dir, 'missing')).read();
      await expect(read).rejects.toBeInstanceOf(SourceError);
      await expect(read).rejects.toMatchObject({ kind: 'other', message: `Cannot read interface counters from ${join(dir, 'missing')} (ENOENT).` });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
