/**
 * One probe validator: the same bad probe gives the same message through the API (the real
 * service behind the request dispatch) and through `portwatch probe`. The form's half of the table
 * is in tests/renderer/components/ProbeForm.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dispatchRequest } from '../../src/main/core/service';
import { runCliCaptured } from '../support/cli';
import { MemorySettingsStore } from '../support/memory-store';
import { startServiceOn } from '../support/real-service';
import { PROBE_VALIDATION_CASES } from '../support/probe-validation-table';

const store = new MemorySettingsStore();
const service = await startServiceOn(store);
afterAll(() => service.stop());

describe.each(PROBE_VALIDATION_CASES)('a probe whose $field is bad', (row) => {
  it(`is refused by the API with "${row.message}", nothing saved`, async () => {
    expect(await dispatchRequest(service.handlers, 'saveProbe', [row.spec])).toEqual({ ok: false, error: `saveProbe: ${row.message}` });
    expect(store.saved).toEqual([]);
  });

  it(`is refused by portwatch probe with "${row.message}", exit code 2`, async () => {
    expect(await runCliCaptured(['probe', ...row.cli])).toEqual({ code: 2, out: '', err: `portwatch probe: ${row.message} (try: portwatch probe --help)\n` });
  });
});
