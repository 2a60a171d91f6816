/** The preview's theme stylesheet (built from the button themes: the page's CSP allows no style attribute). */
export const BUTTON_THEMES_CSS_PATH = '/creator/button-themes.css';
