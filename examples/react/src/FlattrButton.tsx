/**
 * <FlattrButton> for React 18 and 19: typed props for the element's attributes and typed callbacks for its
 * events. Works with server rendering too (the element upgrades when @flattr/widget loads in the browser).
 */
import { forwardRef, useEffect, useImperativeHandle, useRef, type CSSProperties } from 'react';
import type {
  FlattrButton as FlattrButtonElement,
  FlattrButtonSize,
  FlattrClickEvent,
  FlattrErrorEvent,
  FlattrSuccessEvent,
} from '@flattr/widget';

export interface FlattrButtonProps {
  /** The thing to flattr; defaults to the page's canonical URL. */
  url?: string;
  /** Names the thing in the button's accessible label ("Flattr ‹title›"). */
  title?: string;
  creator?: string;
  size?: FlattrButtonSize;
  showCount?: boolean;
  lang?: string;
  /** The Flattr service origin; defaults to the one set with `setDefaultApi` or the loader's `data-api`. */
  api?: string;
  className?: string;
  style?: CSSProperties;
  /** Before the flattr; call `event.preventDefault()` to stop it. */
  onFlattrClick?: (event: FlattrClickEvent) => void;
  onFlattrSuccess?: (event: FlattrSuccessEvent) => void;
  onFlattrError?: (event: FlattrErrorEvent) => void;
}

export const FlattrButton = forwardRef<FlattrButtonElement, FlattrButtonProps>(function FlattrButton(
  { url, title, creator, size, showCount, lang, api, className, style, onFlattrClick, onFlattrSuccess, onFlattrError },
  ref,
) {
  const element = useRef<FlattrButtonElement | null>(null);
  useImperativeHandle(ref, () => element.current!, []);

  // Keep the latest callbacks without re-adding listeners on every render.
  const handlers = useRef({ onFlattrClick, onFlattrSuccess, onFlattrError });
  handlers.current = { onFlattrClick, onFlattrSuccess, onFlattrError };

  useEffect(() => {
    const el = element.current;
    if (!el) return;
    const click = (e: FlattrClickEvent) => handlers.current.onFlattrClick?.(e);
    const success = (e: FlattrSuccessEvent) => handlers.current.onFlattrSuccess?.(e);
    const error = (e: FlattrErrorEvent) => handlers.current.onFlattrError?.(e);
    el.addEventListener('flattr-click', click);
    el.addEventListener('flattr-success', success);
    el.addEventListener('flattr-error', error);
    return () => {
      el.removeEventListener('flattr-click', click);
      el.removeEventListener('flattr-success', success);
      el.removeEventListener('flattr-error', error);
    };
  }, []);

  // Attributes, not properties: they render on the server and work in React 18 and 19 alike.
  return (
    <flattr-button
      ref={element}
      url={url}
      title={title}
      creator={creator}
      size={size}
      lang={lang}
      api={api}
      show-count={showCount ? '' : undefined}
      className={className}
      style={style}
    />
  );
});
