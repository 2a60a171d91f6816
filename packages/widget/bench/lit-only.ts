// The size benchmark's baseline: Lit alone, with one trivial element, built like dist/flattr.js.
import { LitElement, html, css } from 'lit';

class LitOnly extends LitElement {
  static override styles = css`:host { display: inline-block; }`;
  override render() {
    return html`<button part="button"><slot></slot></button>`;
  }
}
if (!customElements.get('lit-only')) customElements.define('lit-only', LitOnly);
