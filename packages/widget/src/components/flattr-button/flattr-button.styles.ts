import { css } from 'lit';

// Default colours meet WCAG AA contrast (4.5:1) in both schemes; pages override them with the custom
// properties, or restyle everything with ::part(button) / ::part(count).
// The private `--_*` variables hold only the scheme's defaults; each `--flattr-*` property is read once, where
// it is used, so the dark scheme swaps defaults without repeating every `var(--flattr-…, …)` (bundle size).
export default css`
  :host {
    --_fg: #fff;
    --_bg: #1e6b34;
    --_pfg: #1e6b34;
    --_pbg: #e3f3e7;
    --_ebg: #a4271c;
    --_cfg: #1f1f1f;
    --_cbg: #fff;
    --_bd: #6b6b6b;
    --_fc: #1a5fb4;
    --_r: var(--flattr-radius, 4px);
    --_cb: var(--flattr-count-background, var(--_cbg));
    display: inline-flex;
    align-items: center;
    gap: 0.375em;
    vertical-align: middle;
    font: var(--flattr-font-size, 14px) / 1.2 var(--flattr-font, system-ui, sans-serif);
  }

  @media (prefers-color-scheme: dark) {
    :host {
      --_fg: #0d2414;
      --_bg: #7ed396;
      --_pfg: #c9f2d4;
      --_pbg: #1c3b25;
      --_ebg: #ffb4a9;
      --_cfg: #f1f1f1;
      --_cbg: #1f1f1f;
      --_bd: #9a9a9a;
      --_fc: #8ab4f8;
    }
  }

  :host([hidden]) {
    display: none;
  }

  :host([size='large']) {
    flex-direction: column-reverse;
    align-items: stretch;
    gap: 0.25em;
    font-size: var(--flattr-font-size, 16px);
  }

  button {
    font: inherit;
    font-weight: 600;
    color: var(--flattr-color, var(--_fg));
    background: var(--flattr-background, var(--_bg));
    border: 1px solid transparent;
    border-radius: var(--_r);
    padding: 0.35em 0.8em;
    min-height: 24px;
    cursor: pointer;
  }

  :host([size='large']) button {
    padding: 0.6em 1.2em;
    min-height: 44px;
  }

  button:focus-visible {
    outline: 3px solid var(--flattr-focus-color, var(--_fc));
    outline-offset: 2px;
  }

  [aria-pressed='true'] {
    color: var(--flattr-pressed-color, var(--_pfg));
    background: var(--flattr-pressed-background, var(--_pbg));
    border-color: currentColor;
  }

  :host([state='error']) button {
    color: var(--_cb);
    background: var(--flattr-error-background, var(--_ebg));
  }

  [aria-busy='true'] {
    cursor: progress;
  }

  [part='count'] {
    color: var(--flattr-count-color, var(--_cfg));
    background: var(--_cb);
    border: 1px solid var(--flattr-border-color, var(--_bd));
    border-radius: var(--_r);
    padding: 0.25em 0.5em;
    font-variant-numeric: tabular-nums;
    text-align: center;
  }

  :host([size='large']) [part='count'] {
    font-size: 1.5em;
    padding: 0.35em 0.5em;
  }

  [part='fallback'] {
    color: inherit;
    font-size: 0.85em;
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
