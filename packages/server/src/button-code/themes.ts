/**
 * Colour themes of the generated button: values for the element's CSS
 * custom properties (packages/widget, `@cssproperty`). `auto` sets none: the
 * button follows the page's `prefers-color-scheme` by itself. Each pair meets
 * WCAG AA contrast, like the element's own defaults.
 */
export const BUTTON_THEMES = {
  auto: {},
  light: {
    '--flattr-color': '#ffffff', '--flattr-background': '#1e6b34', '--flattr-pressed-color': '#1e6b34', '--flattr-pressed-background': '#e3f3e7',
    '--flattr-count-color': '#1f1f1f', '--flattr-count-background': '#ffffff', '--flattr-border-color': '#6b6b6b',
  },
  dark: {
    '--flattr-color': '#0d2414', '--flattr-background': '#7ed396', '--flattr-pressed-color': '#c9f2d4', '--flattr-pressed-background': '#1c3b25',
    '--flattr-count-color': '#f1f1f1', '--flattr-count-background': '#1f1f1f', '--flattr-border-color': '#9a9a9a',
  },
  classic: {
    '--flattr-color': '#ffffff', '--flattr-background': '#b8410e', '--flattr-pressed-color': '#8a2f08', '--flattr-pressed-background': '#fde7dc',
    '--flattr-count-color': '#1f1f1f', '--flattr-count-background': '#ffffff', '--flattr-border-color': '#8a8a8a', '--flattr-radius': '12px',
  },
} as const satisfies Record<string, Record<string, string>>;

export type ButtonTheme = keyof typeof BUTTON_THEMES;
export const BUTTON_THEME_NAMES = Object.keys(BUTTON_THEMES) as ButtonTheme[];

/** `--a:1;--b:2`: the theme as a `style` attribute value for the blogger's page. */
export function themeStyle(theme: ButtonTheme): string {
  return Object.entries(BUTTON_THEMES[theme]).map(([name, value]) => `${name}:${value}`).join(';');
}

/**
 * The same themes as a stylesheet for the live preview on /creator (its CSP
 * allows no `style` attribute): `.preview[data-theme=x] flattr-button {…}`.
 */
export function themesStylesheet(): string {
  return BUTTON_THEME_NAMES.filter((name) => name !== 'auto')
    .map((name) => `.preview[data-theme="${name}"] flattr-button { ${themeStyle(name).replace(/;/g, '; ')}; }`)
    .join('\n') + '\n';
}
