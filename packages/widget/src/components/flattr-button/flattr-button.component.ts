import { html, LitElement, nothing, type PropertyValues } from 'lit';
import type { FlattrErrorDetail } from '../../events/flattr-error.js';
import '../../events/flattr-click.js';
import '../../events/flattr-success.js';
import { enAtLoad } from '../../i18n/en.js';
import { fill, formatCount, loadStrings, resolveLanguage, stringsFor, type Language, type Strings } from '../../i18n/index.js';
import { defaults } from '../../internal/config.js';
import { confirmUrl, openConfirmWindow } from '@flattr/sdk/lite-core';
import { clearCounts, countsFor } from '../../internal/counts.js';
import { emit } from '../../internal/emit.js';
import { adoptDataAttributes } from '../../internal/legacy.js';
import { whenNearViewport } from '../../internal/near-viewport.js';
import { originOf, pageUrl } from '../../internal/page.js';
import { loadLazy } from '../../internal/load-lazy.js';
import { getSiteToken, isFlattred } from '../../internal/storage.js';
import { VERSION } from '../../version.js';
import styles from './flattr-button.styles.js';

export type FlattrButtonSize = 'compact' | 'large';
export type FlattrButtonState = 'loading' | 'ready' | 'flattred' | 'needs-login' | 'error';

/**
 * @summary A Flattr button: the reader clicks, confirms once in a window on the Flattr service, and the
 * thing gets a share of the reader's monthly budget.
 *
 * @event {FlattrClickEvent} flattr-click - Before a flattr starts; cancelable. `detail.via` says whether the
 *   stored one-click token or the confirm window will be used.
 * @event {FlattrSuccessEvent} flattr-success - The flattr was recorded; `detail.count` is the new count.
 * @event {FlattrErrorEvent} flattr-error - Counts failed to load, the window was blocked, or the service refused.
 *
 * @csspart button - The native `<button>`.
 * @csspart count - The count bubble (with `show-count`).
 * @csspart fallback - The link shown when the browser blocked the confirm window.
 *
 * @cssproperty --flattr-color - Button text colour.
 * @cssproperty --flattr-background - Button background.
 * @cssproperty --flattr-pressed-color - Text colour once flattred this month.
 * @cssproperty --flattr-pressed-background - Background once flattred this month.
 * @cssproperty --flattr-error-background - Background in the error state.
 * @cssproperty --flattr-count-color - Count text colour.
 * @cssproperty --flattr-count-background - Count background.
 * @cssproperty --flattr-border-color - Count border colour.
 * @cssproperty --flattr-focus-color - Focus ring colour.
 * @cssproperty --flattr-radius - Corner radius.
 * @cssproperty --flattr-font - Font family.
 * @cssproperty --flattr-font-size - Font size.
 */
export default class FlattrButton extends LitElement {
  /** This element's version: a page that loads two different ones is warned in the console. */
  static readonly version: string = VERSION;

  static override styles = styles;

  // Declared without decorators: the decorator helpers cost ~0.5 KB in the script-tag bundle.
  static override properties = {
    url: {},
    title: {},
    creator: {},
    size: { reflect: true },
    showCount: { type: Boolean, attribute: 'show-count' },
    lang: {},
    api: {},
    uid: {},
    button: {},
    category: {},
    tags: {},
    _state: { state: true },
    count: { state: true },
    _announced: { state: true },
    _fallback: { state: true },
  };

  private _stopObserving?: () => void;
  private _countsAbort?: AbortController;
  /** What a click in the error state retries: the count, or (unset) the flattr. */
  private _retryAction?: 'counts' | 'click';
  // The members below the click flow (`internal/click-flow.ts`, the script tag's second file) drives too.
  /** @internal */
  _confirmAbort?: AbortController;
  /** @internal A flattr is running: clicks are ignored. */
  _pending = false;

  /** The URL of the thing to flattr. Defaults to the page's canonical URL, then `location.href`. */
  url = '';

  /** The thing's title, used in the button's accessible name ("Flattr ‹title›"). */
  override title = '';

  /** The creator's name or handle on the service (old markup: `uid`). */
  creator = '';

  /** `compact` (one line) or `large` (count above the button). Old markup: `button="compact"`. */
  size: FlattrButtonSize = 'compact';

  /** Show the thing's flattr count (fetched when the button comes near the viewport). */
  showCount = false;

  /** Language of the button's text; defaults to the closest `lang`, then the browser's language. */
  override lang = '';

  /** The Flattr service's origin, e.g. `https://flattr.example`. Defaults to the loader's `data-api`. */
  api = '';

  /** Old vocabulary: the creator's user id. */
  uid = '';

  /** Old vocabulary: `compact` for the one-line button. */
  button = '';

  /** Old vocabulary: the thing's category (accepted for compatibility; not sent). */
  category = '';

  /** Old vocabulary: comma-separated tags (accepted for compatibility; not sent). */
  tags = '';

  /** @internal */
  _state: FlattrButtonState = 'loading';

  /**
   * Where the button is: loading, ready, flattred (this month), needs-login, or error. Read-only (a getter; the
   * `state` attribute mirrors it for styling, and setting that attribute changes nothing).
   */
  get state(): FlattrButtonState {
    return this._state;
  }

  /** The thing's flattr count, once loaded (null before, or without `show-count`). */
  count: number | null = null;

  /** The thing's id on the service, once counts loaded (null when nobody flattred it yet). */
  thingId: string | null = null;

  /** @internal The count announced after a flattr (the live region says nothing before one). */
  _announced?: number;
  /** @internal The link offered when the window was blocked, given the strings to speak. */
  _fallback?: ((strings: Strings) => unknown) | null;

  constructor() {
    super();
    // Listening on the host catches both the inner button's clicks and `element.click()`.
    this.addEventListener('click', (event) => this._handleClick(event));
  }

  /** The URL this button flattrs, after defaults and old vocabulary. */
  get effectiveUrl(): string {
    return this.url || pageUrl(this.ownerDocument);
  }

  /** The title used in the label and sent to the service. */
  get effectiveTitle(): string {
    // A button standing for the page itself takes the page's title.
    return this.title || (this.url ? '' : this.ownerDocument.title);
  }

  get effectiveCreator(): string {
    return this.creator || this.uid;
  }

  /** The service origin, or null when none is configured (or it is not an http(s) URL). */
  get apiOrigin(): string | null {
    const api = this.api || defaults.api;
    return api ? originOf(api) : null;
  }

  override connectedCallback(): void {
    // Old vocabulary on the element (`data-flattr-uid`, `-url`, `-language`, …) becomes its attributes, read
    // once here, before the first update; modern attributes already present win.
    adoptDataAttributes(this);
    super.connectedCallback();
    // Re-attached after a move: pick up where the lazy count left off.
    if (this.hasUpdated && this._state === 'loading' && !this._pending) this._setUp();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._stopObserving?.();
    this._countsAbort?.abort();
    // Removed while the window is open: stop listening (a result then lands nowhere, by design).
    this._confirmAbort?.abort();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.hasAttribute('size') && this.button) this.size = this.button === 'compact' ? 'compact' : 'large';
    if (!this.hasUpdated || changed.has('url') || changed.has('api') || changed.has('showCount')) this._setUp();
  }

  /** Decides the initial state and, with `show-count`, waits to come near the viewport before fetching. */
  private _setUp(): void {
    this._stopObserving?.();
    this._countsAbort?.abort();
    this._fallback = null;
    const origin = this.apiOrigin;
    if (!origin) {
      this._fail({ code: 'missing_api', message: 'Set the api attribute or the loader’s data-api.' }, 'counts');
      return;
    }
    if (this.showCount) {
      this._state = 'loading';
      this._stopObserving = whenNearViewport(this, () => void this._loadCount());
    } else void this._loadCount();
  }

  /** With `show-count`, fetches the count; without, settles at once (nothing awaited): ready or flattred. */
  private async _loadCount(): Promise<void> {
    const origin = this.apiOrigin;
    if (!origin) return;
    const abort = new AbortController();
    this._countsAbort = abort;
    this._state = 'loading';
    try {
      const counts = this.showCount ? await countsFor(origin, this.effectiveUrl) : { count: null, thingId: this.thingId };
      if (abort.signal.aborted) return;
      this.count = counts.count;
      this.thingId = counts.thingId;
      this._state = isFlattred(origin, this.effectiveUrl) ? 'flattred' : 'ready';
    } catch (error) {
      if (abort.signal.aborted) return;
      this._fail(errorDetail(error, 'counts_failed'), 'counts');
    }
  }

  private _handleClick(event: MouseEvent): void {
    const path = event.composedPath();
    const onHost = path[0] === this;
    if (!onHost && !path.includes(this.renderRoot.querySelector('button')!)) return; // clicks on the count or the fallback link
    if (this._state === 'flattred' || this._state === 'loading') return; // also while a flattr runs
    if (this._state === 'error' && this._retryAction === 'counts') {
      if (this.apiOrigin) void this._loadCount();
      return;
    }
    const origin = this.apiOrigin!;
    // Only a real click by the reader may use the one-click token. A script's `click()` or dispatched event
    // can at most open the confirm window, where the reader still has to confirm.
    const token = event.isTrusted ? getSiteToken(origin) : null;
    const input = { url: this.effectiveUrl, title: this.effectiveTitle, creator: this.effectiveCreator };
    const clickEvent = emit(this, 'flattr-click', { cancelable: true, detail: { ...input, via: token ? 'site-token' : 'window', trusted: event.isTrusted } });
    if (clickEvent.defaultPrevented) return;
    // The window opens now, inside the reader's click, so that the popup blocker sees the gesture (null: blocked).
    const popup = token ? null : openConfirmWindow(confirmUrl(origin, input));
    // The rest arrives with this click (the click flow): loading meanwhile, and what the window posts is kept for it.
    const previous = this._state;
    this._pending = true;
    this._state = 'loading';
    const early: MessageEvent[] = [];
    const keep = (event: MessageEvent) => popup && event.source === popup && early.push(event);
    addEventListener('message', keep);
    loadLazy()
      .then((flow) => {
        removeEventListener('message', keep);
        return flow.finishClick(this, origin, previous, token, popup, early, clearCounts, enAtLoad);
      })
      .catch((error) => {
        removeEventListener('message', keep);
        this._pending = false;
        this._fail(errorDetail(error), 'click');
      });
  }

  /** @internal */
  _fail(detail: FlattrErrorDetail, retry: 'counts' | 'click', state: FlattrButtonState = 'error'): void {
    this._state = state;
    this._retryAction = retry;
    emit(this, 'flattr-error', { detail });
  }


  /** Fetches the count again (after the cache is cleared), e.g. after the page learned of a new flattr. */
  refresh(): void {
    const origin = this.apiOrigin;
    if (!origin) return;
    clearCounts(origin);
    this._setUp();
  }

  protected override updated(): void {
    // The attribute mirrors the state for styling (`flattr-button[state=error]`); it is never read back.
    if (this.getAttribute('state') !== this._state) this.setAttribute('state', this._state);
  }

  override render() {
    let language: Language = resolveLanguage(this);
    let strings = stringsFor(language);
    if (!strings) {
      // The script tag bundles English only: speak it until this language's strings arrive from the service.
      const origin = this.apiOrigin;
      if (origin) void loadStrings(language, origin).then(() => stringsFor(language) && this.requestUpdate());
      strings = stringsFor((language = 'en'))!;
    }
    const title = this.effectiveTitle || strings.untitled;
    const [text, label] = (<Record<FlattrButtonState, [string, string]>>{
      loading: [strings.flattr, strings.labelLoading],
      ready: [strings.flattr, strings.labelFlattr],
      flattred: [strings.flattred, strings.labelFlattred],
      'needs-login': [strings.logIn, strings.labelLogIn],
      error: [strings.retry, strings.labelRetry],
    })[this._state];
    return html`
      <button
        part="button"
        type="button"
        aria-label=${fill(label, 'title', title)}
        aria-pressed=${this._state === 'flattred' ? 'true' : 'false'}
        aria-busy=${this._state === 'loading' ? 'true' : nothing}
      >${text}</button>
      ${this.showCount
        ? html`<span part="count"
            ><span aria-hidden="true">${this.count === null ? '–' : new Intl.NumberFormat(language).format(this.count)}</span
            >${this.count === null ? nothing : html`<span class="visually-hidden">${formatCount(language, this.count)}</span>`}</span
          >`
        : nothing}
      <span class="visually-hidden" role="status" aria-live="polite">${this._announced === undefined ? '' : formatCount(language, this._announced)}</span>
      ${this._fallback?.(strings)}
    `;
  }
}

/** The event detail for a failure: the SDK core's errors carry the answer's `status` and problem `code`. */
function errorDetail(error: unknown, code?: string): FlattrErrorDetail {
  const e = error as { message?: string; status?: number; code?: string } | undefined;
  return { code: code ?? e?.code ?? 'network_error', message: e?.message ?? String(error), status: e?.status };
}
