/**
 * Child process for the two-process test: the real service (settings store on argv[2], the probe
 * runner) with a fake collector. Prints "ready", waits for a line on stdin, then saves argv[4]
 * probes named `<argv[3]>-<n>` and applies the settings patch in argv[5] (JSON), all at once
 * through the API's dispatch, prints "done <n ok>" and exits.
 */
import { createInterface } from 'node:readline';
import { dispatchRequest } from '../../../src/main/core/service';
import { JsonSettingsStore } from '../../../src/main/node/settings-file';
import { startServiceOn } from '../real-service';

const [file = '', name = 'w', countText = '10', patchText = '{}'] = process.argv.slice(2);

async function main(): Promise<void> {
  const service = await startServiceOn(new JsonSettingsStore(file));
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
  const saves = Array.from({ length: Number(countText) }, (_, i) =>
    dispatchRequest(service.handlers, 'saveProbe', [
      { id: `${name}-${i}`, label: '', kind: 'tcp', host: '127.0.0.1', port: 1000 + i, intervalMs: 10_000, timeoutMs: 1000, enabled: false, downAfter: 1, upAfter: 1 },
    ]),
  );
  const results = await Promise.all([...saves, dispatchRequest(service.handlers, 'setSettings', [JSON.parse(patchText)])]);
  const failed = results.filter((r) => !r.ok);
  process.stdout.write(`done ${results.length - failed.length}${failed.length > 0 ? ` ${JSON.stringify(failed)}` : ''}\n`);
  await service.stop();
  process.exit(0);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
