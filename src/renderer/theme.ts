/** Applying the theme setting to the document (CSS variables do the rest). */
import type { Settings } from '../shared/model';

/** Sets `data-theme` on the root element; `system` removes it so `prefers-color-scheme` decides. */
export function applyTheme(theme: Settings['theme']): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

/** The theme in force right now (resolving `system` through the media query). */
export function effectiveTheme(): 'light' | 'dark' {
  const set = document.documentElement.dataset.theme;
  if (set === 'light' || set === 'dark') return set;
  return typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
