import { describe, expect, it } from 'vitest';
import { InterfaceRates, counterRate } from '../../../src/main/core/rates';

describe('counterRate', () => {
  it('divides the growth by the elapsed seconds', () => {
    expect(counterRate(1000, 3000, 500)).toBe(4000);
  });

  it('is null when the counter went backwards (reset or wrap)', () => {
    expect(counterRate(2 ** 32 - 10, 5, 1000)).toBeNull();
  });

  it('is null for zero or negative elapsed time', () => {
    expect(counterRate(0, 100, 0)).toBeNull();
    expect(counterRate(0, 100, -5)).toBeNull();
  });

  it('is null for values that are not finite numbers', () => {
    expect(counterRate(Number.NaN, 100, 1000)).toBeNull();
    expect(counterRate(0, Number.POSITIVE_INFINITY, 1000)).toBeNull();
  });

  it('is 0 for an idle counter', () => {
    expect(counterRate(7, 7, 1000)).toBe(0);
  });
});

describe('InterfaceRates', () => {
  it('gives null on the first reading, rates after, null after a reset, and forgets gone interfaces', () => {
    const rates = new InterfaceRates();
    expect(rates.update([{ name: 'lo', rxBytes: 100, txBytes: 200 }], 0)).toEqual([{ name: 'lo', rxBytesPerSec: null, txBytesPerSec: null }]);
    expect(
      rates.update(
        [
          { name: 'lo', rxBytes: 1100, txBytes: 700 },
          { name: 'eth0', rxBytes: 5, txBytes: 5 },
        ],
        2000,
      ),
    ).toEqual([
      { name: 'lo', rxBytesPerSec: 500, txBytesPerSec: 250 },
      { name: 'eth0', rxBytesPerSec: null, txBytesPerSec: null },
    ]);
    // lo reset (rx went down), tx grew.
    expect(rates.update([{ name: 'lo', rxBytes: 10, txBytes: 1700 }], 3000)).toEqual([{ name: 'lo', rxBytesPerSec: null, txBytesPerSec: 1000 }]);
    // eth0 vanished at 3000, so it starts over.
    expect(rates.update([{ name: 'eth0', rxBytes: 50, txBytes: 50 }], 4000)).toEqual([{ name: 'eth0', rxBytesPerSec: null, txBytesPerSec: null }]);
  });

  it('gives null rates for two readings at the same time', () => {
    const rates = new InterfaceRates();
    rates.update([{ name: 'lo', rxBytes: 1, txBytes: 1 }], 1000);
    expect(rates.update([{ name: 'lo', rxBytes: 9, txBytes: 9 }], 1000)).toEqual([{ name: 'lo', rxBytesPerSec: null, txBytesPerSec: null }]);
  });
});
