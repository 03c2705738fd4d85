/** Theme colours for charts, read from the CSS variables and refreshed when the theme changes. */
import { onBeforeUnmount, ref, watch } from 'vue';
import type { Ref } from 'vue';
import { useSettingsStore } from '../stores/settings';
import type { ChartPalette } from './spec';

/** Reads the palette from the root element's computed style. */
export function readPalette(): ChartPalette {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    series: [1, 2, 3, 4, 5, 6].map((n) => read(`--chart-${n}`, '#888888')),
    grid: read('--chart-grid', '#cccccc'),
    text: read('--chart-text', '#555555'),
  };
}

/** A palette that follows the theme setting and the system's colour scheme. */
export function usePalette(): Ref<ChartPalette> {
  const palette = ref<ChartPalette>(readPalette());
  const settings = useSettingsStore();
  const refresh = (): void => {
    // The theme attribute is set in a watcher too; read after it has been applied.
    queueMicrotask(() => {
      palette.value = readPalette();
    });
  };
  watch(() => settings.settings.theme, refresh);
  const media = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  media?.addEventListener('change', refresh);
  onBeforeUnmount(() => media?.removeEventListener('change', refresh));
  return palette;
}
