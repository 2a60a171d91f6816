import FlattrButton from './flattr-button.component.js';

export * from './flattr-button.component.js';
export default FlattrButton;

// Pages include embeds twice (two script tags, a bundler copy and the loader): the first definition wins.
if (!customElements.get('flattr-button')) customElements.define('flattr-button', FlattrButton);

declare global {
  interface HTMLElementTagNameMap {
    'flattr-button': FlattrButton;
  }
}
