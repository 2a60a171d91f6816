export { BUTTON_SNIPPET_FORMATS, buttonSnippets, type ButtonOptions, type ButtonSize, type ServiceUrls, type Snippet, type SnippetFormat } from './snippets.js';
export { BUTTON_THEMES, BUTTON_THEME_NAMES, themeStyle, themesStylesheet, type ButtonTheme } from './themes.js';
