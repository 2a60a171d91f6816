/**
 * Compile-time checks of the typed props and events (`tsc -p tsconfig.json`, part of `npm test`): each
 * `@ts-expect-error` must meet an error, so loosening a type fails the build.
 */
import { FlattrButton } from '../src/FlattrButton.js';

export const checks = [
  <FlattrButton url="https://blog.example/post" size="compact" showCount onFlattrSuccess={(e) => e.detail.count.toFixed(0)} />,
  <FlattrButton onFlattrClick={(e) => e.preventDefault()} onFlattrError={(e) => e.detail.code} />,
  // @ts-expect-error the size is 'compact' or 'large'
  <FlattrButton size="huge" />,
  // @ts-expect-error showCount is a boolean
  <FlattrButton showCount="yes" />,
  // @ts-expect-error the count is a number
  <FlattrButton onFlattrSuccess={(e) => e.detail.count.toUpperCase()} />,
  <flattr-button url="https://blog.example/post" size="large" show-count="" />,
  // @ts-expect-error the element has no such attribute
  <flattr-button sizes="large" />,
];
