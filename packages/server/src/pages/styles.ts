/** The one stylesheet of the server's own pages (served from /assets/pages.css: the CSP allows no inline style). */
export const PAGES_CSS_PATH = '/assets/pages.css';

export const PAGES_CSS = `
:root { color-scheme: light dark; --accent: #e8531f; --fg: #1d1d1f; --bg: #fff; --muted: #6b6b70; --line: #d9d9de; --error: #b3261e; }
@media (prefers-color-scheme: dark) { :root { --fg: #f2f2f5; --bg: #161618; --muted: #a0a0a8; --line: #3a3a40; --error: #ff8a80; } }
* { box-sizing: border-box; }
html { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; padding: 1.5rem 1rem; }
main { max-width: 26rem; margin: 0 auto; }
header.brand { font-weight: 700; color: var(--accent); margin-bottom: 1rem; letter-spacing: .02em; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
p { margin: 0 0 1rem; }
.muted { color: var(--muted); font-size: .9rem; }
form { display: grid; gap: .75rem; margin: 0 0 1rem; }
form.inline { display: inline; }
label { display: grid; gap: .25rem; font-weight: 600; font-size: .95rem; }
label.check { display: flex; gap: .5rem; align-items: center; font-weight: 400; }
input[type=email], input[type=password], input[type=text] {
  font: inherit; padding: .55rem .7rem; border: 1px solid var(--line); border-radius: .4rem; background: transparent; color: inherit; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button { font: inherit; font-weight: 600; padding: .6rem 1rem; border-radius: .4rem; border: 1px solid var(--accent); cursor: pointer;
  background: var(--accent); color: #fff; }
button.secondary { background: transparent; color: inherit; border-color: var(--line); }
.actions { display: flex; gap: .75rem; flex-wrap: wrap; }
.error { color: var(--error); border-left: 3px solid var(--error); padding-left: .6rem; }
ul.scopes { padding-left: 1.2rem; }
a { color: var(--accent); }
`;
