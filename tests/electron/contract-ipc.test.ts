import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElectronApplication, Page } from 'playwright';
import { describe } from 'vitest';
import { findElectronBinary } from '../../scripts/electron-binary.mjs';
import { EVENT_METHODS, REQUEST_METHODS } from '../../src/shared/api';
import type { EventMethod, PortwatchApi, Unsubscribe } from '../../src/shared/api';
import { runContractSuite } from '../support/contract-suite';

// The contract suite over the real Electron IPC: every call goes through the page's
// `window.portwatch` (the preload), the bridge and the main process's validating handlers.
// Runs where the Electron binary exists; app.test.ts prints the reason when it does not.
const binary = findElectronBinary();

type Reply = { ok: true; value: unknown } | { ok: false; error: string };
type PageWindow = Window & {
  portwatch?: Record<string, (...args: unknown[]) => unknown>;
  __pwUnsubscribe?: Record<string, () => void>;
  __pwEvent?: (event: string, payload: unknown) => void;
};

/** A Node-side PortwatchApi whose every method runs in the renderer through the preload. */
async function apiThroughPage(page: Page): Promise<PortwatchApi> {
  const listeners = new Map<EventMethod, Set<(payload: unknown) => void>>();
  await page.exposeFunction('__pwEvent', (event: EventMethod, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload)));
  const api: Record<string, unknown> = {};
  for (const method of REQUEST_METHODS) {
    api[method] = async (...args: unknown[]): Promise<unknown> => {
      const reply = await page.evaluate(
        async ([name, callArgs]): Promise<Reply> => {
          const bridge = (window as PageWindow).portwatch;
          try {
            return { ok: true, value: await bridge?.[name as string]?.(...(callArgs as unknown[])) };
          } catch (error) {
            return { ok: false, error: error instanceof Error ? error.message : String(error) };
          }
        },
        [method, args] as const,
      );
      if (!reply.ok) throw new Error(reply.error);
      return reply.value;
    };
  }
  for (const event of EVENT_METHODS) {
    api[event] = (listener: (payload: unknown) => void): Unsubscribe => {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
        void page.evaluate((name) => {
          const w = window as PageWindow;
          w.__pwUnsubscribe ??= {};
          const subscribe = w.portwatch?.[name] as ((l: (p: unknown) => void) => () => void) | undefined;
          w.__pwUnsubscribe[name] = subscribe?.((payload) => w.__pwEvent?.(name, payload)) ?? (() => undefined);
        }, event);
      }
      set.add(listener);
      return () => {
        set?.delete(listener);
      };
    };
  }
  return api as unknown as PortwatchApi;
}

describe.skipIf(!binary.ok)('contract over Electron IPC', () => {
  runContractSuite('Electron IPC', async () => {
    const { _electron } = await import('playwright');
    const profile = mkdtempSync(join(tmpdir(), 'portwatch-ipc-'));
    const app: ElectronApplication = await _electron.launch({
      executablePath: binary.ok ? binary.path : '',
      args: ['.', '--no-sandbox'],
      env: { ...process.env, PORTWATCH_E2E: '1', PORTWATCH_USER_DATA: join(profile, 'user-data') },
    });
    const page = await app.firstWindow();
    await page.waitForSelector('h1');
    return {
      api: await apiThroughPage(page),
      openListener: async () => {
        const server = createServer();
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const address = server.address();
        return {
          port: typeof address === 'object' && address !== null ? address.port : 0,
          close: () => new Promise<void>((resolve) => server.close(() => resolve())),
        };
      },
      dispose: async () => {
        await app.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  });
});
