import { css } from 'lit';

// Default colours meet WCAG AA contrast (4.5:1) in both schemes; pages override them with the custom
// properties, or restyle everything with ::part(button) / ::part(count).
export default css`
  :host {
    --_fg: var(--flattr-color, #ffffff);
    --_bg: var(--flattr-background, #1e6b34);
    --_pressed-fg: var(--flattr-pressed-color, #1e6b34);
    --_pressed-bg: var(--flattr-pressed-background, #e3f3e7);
    --_error-bg: var(--flattr-error-background, #a4271c);
    --_count-fg: var(--flattr-count-color, #1f1f1f);
    --_count-bg: var(--flattr-count-background, #ffffff);
    --_border: var(--flattr-border-color, #6b6b6b);
    --_focus: var(--flattr-focus-color, #1a5fb4);
    --_radius: var(--flattr-radius, 4px);
    --_font: var(--flattr-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    display: inline-flex;
    align-items: center;
    gap: 0.375em;
    vertical-align: middle;
    font-family: var(--_font);
    font-size: var(--flattr-font-size, 14px);
    line-height: 1.2;
  }

  @media (prefers-color-scheme: dark) {
    :host {
      --_fg: var(--flattr-color, #0d2414);
      --_bg: var(--flattr-background, #7ed396);
      --_pressed-fg: var(--flattr-pressed-color, #c9f2d4);
      --_pressed-bg: var(--flattr-pressed-background, #1c3b25);
      --_error-bg: var(--flattr-error-background, #ffb4a9);
      --_count-fg: var(--flattr-count-color, #f1f1f1);
      --_count-bg: var(--flattr-count-background, #1f1f1f);
      --_border: var(--flattr-border-color, #9a9a9a);
      --_focus: var(--flattr-focus-color, #8ab4f8);
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
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid transparent;
    border-radius: var(--_radius);
    padding: 0.35em 0.8em;
    min-height: 24px;
    cursor: pointer;
  }

  :host([size='large']) button {
    padding: 0.6em 1.2em;
    min-height: 44px;
  }

  button:focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }

  button[aria-pressed='true'] {
    color: var(--_pressed-fg);
    background: var(--_pressed-bg);
    border-color: var(--_pressed-fg);
  }

  :host([state='error']) button {
    color: var(--_count-bg);
    background: var(--_error-bg);
  }

  :host([state='loading']) button {
    cursor: progress;
  }

  .count {
    color: var(--_count-fg);
    background: var(--_count-bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 0.25em 0.5em;
    font-variant-numeric: tabular-nums;
    text-align: center;
  }

  :host([size='large']) .count {
    font-size: 1.5em;
    padding: 0.35em 0.5em;
  }

  .fallback {
    color: inherit;
    font-size: 0.85em;
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
`;
