/** What the preload puts on `window`; only src/renderer/main.ts may read it. */
import type { PortwatchApi } from '../shared/api';

declare global {
  interface Window {
    portwatch?: PortwatchApi;
  }
}

export {};
