/** The one stylesheet of the server's own pages (served from /assets/pages.css: the CSP allows no inline style). */
export const PAGES_CSS_PATH = '/assets/pages.css';

// Colours meet WCAG AA (4.5:1 for text) in both schemes: axe checks every page in light and dark.
export const PAGES_CSS = `
:root { color-scheme: light dark; --accent: #c2410c; --on-accent: #fff; --fg: #1d1d1f; --bg: #fff; --panel: #f6f6f8; --muted: #5f5f66;
  --line: #d9d9de; --error: #b3261e; --ok: #1e6b34; --demo-bg: #fff4d6; --demo-fg: #5c3d00; --bar: #c2410c; }
@media (prefers-color-scheme: dark) { :root { --accent: #fb923c; --on-accent: #161618; --fg: #f2f2f5; --bg: #161618; --panel: #1f1f23;
  --muted: #a9a9b2; --line: #3a3a40; --error: #ff8a80; --ok: #7ed396; --demo-bg: #3b2a05; --demo-fg: #ffe3a3; --bar: #fb923c; } }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; padding: 1.5rem 1rem; }
main { max-width: 26rem; margin: 0 auto; }
body.wide main { max-width: 64rem; }
header.brand { font-weight: 700; color: var(--accent); margin-bottom: 1rem; letter-spacing: .02em; }
.skip { position: absolute; left: -999px; top: 0; }
.skip:focus { left: 1rem; background: var(--bg); padding: .5rem; z-index: 1; }
.topbar { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; justify-content: space-between; margin: 0 auto 1.25rem;
  max-width: 64rem; padding-bottom: .75rem; border-bottom: 1px solid var(--line); }
.topbar .brand { font-weight: 700; color: var(--accent); text-decoration: none; letter-spacing: .02em; }
.topbar nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0; padding: 0; align-items: center; }
.topbar nav a[aria-current="page"] { font-weight: 700; text-decoration: none; color: var(--fg); }
.topbar form { margin: 0; }
.demo-banner { max-width: 64rem; margin: 0 auto 1rem; background: var(--demo-bg); color: var(--demo-fg); border: 1px solid currentColor;
  border-radius: .4rem; padding: .5rem .8rem; }
.demo-banner strong { text-transform: uppercase; letter-spacing: .05em; }
footer.page-footer { max-width: 64rem; margin: 2rem auto 0; padding-top: .75rem; border-top: 1px solid var(--line); font-size: .9rem; color: var(--muted); }
footer.page-footer ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem .9rem; padding: 0; margin: 0; }
footer.page-footer a[aria-current="true"] { font-weight: 700; color: var(--fg); text-decoration: none; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 0 0 .6rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
p { margin: 0 0 1rem; }
.muted { color: var(--muted); font-size: .9rem; }
form { display: grid; gap: .75rem; margin: 0 0 1rem; }
form.inline { display: inline-flex; gap: .4rem; align-items: end; flex-wrap: wrap; margin: 0; }
form.row { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; }
label { display: grid; gap: .25rem; font-weight: 600; font-size: .95rem; }
label.check { display: flex; gap: .5rem; align-items: center; font-weight: 400; }
fieldset { border: 1px solid var(--line); border-radius: .4rem; padding: .5rem .8rem .8rem; margin: 0; display: flex; flex-wrap: wrap; gap: .4rem 1rem; }
legend { font-weight: 600; padding: 0 .3rem; }
input[type=email], input[type=password], input[type=text], input[type=url], input[type=number], input[type=search], select, textarea {
  font: inherit; padding: .5rem .65rem; border: 1px solid var(--muted); border-radius: .4rem; background: var(--bg); color: inherit; }
textarea { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; width: 100%; min-height: 4.5rem; }
input:focus-visible, button:focus-visible, a:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px; }
button, .button { font: inherit; font-weight: 600; padding: .55rem 1rem; border-radius: .4rem; border: 1px solid var(--accent); cursor: pointer;
  background: var(--accent); color: var(--on-accent); text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: transparent; color: inherit; border-color: var(--muted); }
button.small { padding: .25rem .6rem; font-size: .9rem; }
.actions { display: flex; gap: .75rem; flex-wrap: wrap; align-items: center; }
.error { color: var(--error); border-left: 3px solid var(--error); padding-left: .6rem; }
.notice { border-left: 3px solid var(--ok); padding-left: .6rem; }
ul.scopes { padding-left: 1.2rem; }
a { color: var(--accent); }
section.card { background: var(--panel); border: 1px solid var(--line); border-radius: .6rem; padding: 1rem 1.1rem; margin: 0 0 1.25rem; }
.grid { display: grid; gap: 1.25rem; grid-template-columns: repeat(auto-fit, minmax(19rem, 1fr)); align-items: start; }
.grid > section.card { margin: 0; }
.figures { display: flex; flex-wrap: wrap; gap: .5rem 2rem; margin: 0 0 1rem; }
.figures div { display: grid; }
.figures dt { font-size: .85rem; color: var(--muted); }
.figures dd { margin: 0; font-size: 1.35rem; font-weight: 700; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; margin: 0 0 1rem; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 .3rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tfoot td { font-weight: 700; border-bottom: 0; }
.table-wrap { overflow-x: auto; }
.url { overflow-wrap: anywhere; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: .4rem; padding: .6rem; white-space: pre-wrap; word-break: break-all; margin: 0 0 .75rem; }
.badge { display: inline-block; font-size: .8rem; font-weight: 600; padding: .05rem .45rem; border-radius: 1rem; border: 1px solid currentColor; }
.badge.ok { color: var(--ok); }
.badge.warn { color: var(--error); }
details { margin: 0 0 .75rem; }
summary { cursor: pointer; font-weight: 600; }
svg.chart { width: 100%; max-width: 36rem; height: auto; display: block; margin: 0 0 .75rem; }
svg.chart rect.bar { fill: var(--bar); }
svg.chart text { fill: var(--fg); font-size: 11px; }
svg.chart line { stroke: var(--line); }
progress { width: 100%; max-width: 28rem; height: 1rem; accent-color: var(--accent); }
ol.stages { display: flex; flex-wrap: wrap; gap: .25rem .5rem; list-style: none; padding: 0; margin: 0 0 .75rem; }
ol.stages li { padding: .1rem .5rem; border: 1px solid var(--line); border-radius: 1rem; font-size: .85rem; }
ol.stages li[aria-current="step"] { border-color: var(--accent); font-weight: 700; }
ol.stages li.done { color: var(--ok); }
.preview { padding: 1rem; border: 1px dashed var(--line); border-radius: .4rem; margin: 0 0 .75rem; min-height: 3.5rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
