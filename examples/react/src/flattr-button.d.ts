/**
 * `<flattr-button>` in JSX: its attributes, typed. The element itself (and its events' types) come from
 * @flattr/widget; this only tells TypeScript which attributes React may pass to it.
 */
import type { FlattrButton, FlattrButtonSize } from '@flattr/widget';
import type { DetailedHTMLProps, HTMLAttributes } from 'react';

export interface FlattrButtonAttributes extends Omit<HTMLAttributes<FlattrButton>, 'title'> {
  url?: string;
  title?: string;
  creator?: string;
  size?: FlattrButtonSize;
  'show-count'?: '' | undefined;
  lang?: string;
  api?: string;
}

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'flattr-button': DetailedHTMLProps<FlattrButtonAttributes, FlattrButton>;
    }
  }
}
