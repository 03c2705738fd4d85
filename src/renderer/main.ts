/**
 * The renderer's entry: the only module that picks the transport (the preload's `window.portwatch`
 * inside Electron) and provides it to the app.
 */
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { API_KEY } from './api-key';

const app = createApp(App);
app.use(createPinia());
if (window.portwatch) app.provide(API_KEY, window.portwatch);
app.mount('#app');
