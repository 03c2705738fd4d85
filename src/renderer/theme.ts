/** Applying the theme setting to the document (CSS variables do the rest). */
import type { Settings } from '../shared/model';

let setting: Settings['theme'] = 'system';
let media: MediaQueryList | null = null;

function prefersDark(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: dark)').matches;
}

function resolved(): 'light' | 'dark' {
  return setting === 'system' ? (prefersDark() ? 'dark' : 'light') : setting;
}

/**
 * Sets `data-theme` on the root element to the theme in force: `system` is resolved here through
 * `prefers-color-scheme` (and followed when the OS switches), so the style sheet defines each theme
 * once. `data-theme-setting` keeps what the user chose.
 */
export function applyTheme(theme: Settings['theme']): void {
  setting = theme;
  const root = document.documentElement;
  root.dataset.themeSetting = theme;
  root.dataset.theme = resolved();
  if (media === null && typeof window.matchMedia === 'function') {
    media = window.matchMedia('(prefers-color-scheme: dark)');
    media.addEventListener('change', () => {
      document.documentElement.dataset.theme = resolved();
    });
  }
}

/** The theme in force right now. */
export function effectiveTheme(): 'light' | 'dark' {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : resolved();
}
