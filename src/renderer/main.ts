/**
 * The renderer's entry: the only module that picks the transport (see `pickTransport`) and provides
 * it, and the state of its link, to the app. Stores `inject()` them; with none, the app says so
 * instead of showing an empty page.
 */
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { API_KEY, CONNECTION_KEY } from './api-key';
import { pickTransport } from './transport';
import { applyTheme } from './theme';
import './styles.css';

// Resolve the OS theme before the first paint; the stored setting is applied once it loads.
applyTheme('system');
const app = createApp(App);
app.use(createPinia());
const transport = pickTransport();
if (transport) {
  app.provide(API_KEY, transport.api);
  app.provide(CONNECTION_KEY, transport.monitor);
}
app.mount('#app');
