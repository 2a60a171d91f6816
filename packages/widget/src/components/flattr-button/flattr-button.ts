import { defineElement } from '../../internal/define.js';
import FlattrButton from './flattr-button.component.js';

export * from './flattr-button.component.js';
export default FlattrButton;

defineElement('flattr-button', FlattrButton);

declare global {
  interface HTMLElementTagNameMap {
    'flattr-button': FlattrButton;
  }
}
