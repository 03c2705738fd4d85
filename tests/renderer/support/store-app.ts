/** A Vue app with the API provided and a fresh active Pinia: setup stores can `inject()` the API. */
import { createApp } from 'vue';
import type { App } from 'vue';
import { createPinia, setActivePinia } from 'pinia';
import type { Pinia } from 'pinia';
import type { PortwatchApi } from '../../../src/shared/api';
import { API_KEY } from '../../../src/renderer/api-key';

/** Creates the app context a store needs (inject works only inside an app). */
export function storeApp(api: PortwatchApi | null): { app: App; pinia: Pinia } {
  const app = createApp({ render: () => null });
  if (api) app.provide(API_KEY, api);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return { app, pinia };
}

/** Lets queued microtasks and timers (the fake's deliveries, the sync's fetches) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
}
