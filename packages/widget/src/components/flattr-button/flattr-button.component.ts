import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { createFlattr, FlattrError } from '@flattr/sdk/lite';
import type { FlattrErrorDetail } from '../../events/flattr-error.js';
import type { FlattrSuccessDetail } from '../../events/flattr-success.js';
import '../../events/flattr-click.js';
import { format, formatCount, resolveLanguage, stringsFor, type Language } from '../../i18n/index.js';
import { defaults } from '../../internal/config.js';
import { awaitConfirmResult, confirmUrl, openConfirmWindow, type ConfirmRequest } from '../../internal/confirm-window.js';
import { clearCounts, countsFor } from '../../internal/counts.js';
import { emit } from '../../internal/emit.js';
import { readDataAttributes, toLangTag } from '../../internal/legacy.js';
import { whenNearViewport } from '../../internal/near-viewport.js';
import { originOf, pageUrl } from '../../internal/page.js';
import { getSiteToken, isFlattred, rememberFlattred, setSiteToken } from '../../internal/storage.js';
import styles from './flattr-button.styles.js';

export type FlattrButtonSize = 'compact' | 'large';
export type FlattrButtonState = 'loading' | 'ready' | 'flattred' | 'needs-login' | 'error';

// Window results that mean "the reader is not logged in": the button then offers to log in.
const LOGIN_CODES = new Set(['login_required', 'unauthorized', 'invalid_token']);

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
  static override styles = styles;

  private stopObserving?: () => void;
  private countsAbort?: AbortController;
  private confirmAbort?: AbortController;
  private retryAction: 'counts' | 'click' = 'click';
  private pending = false;

  @query('button') private buttonEl!: HTMLButtonElement;

  /** The URL of the thing to flattr. Defaults to the page's canonical URL, then `location.href`. */
  @property() url = '';

  /** The thing's title, used in the button's accessible name ("Flattr ‹title›"). */
  @property() override title = '';

  /** The creator's name or handle on the service (old markup: `uid`). */
  @property() creator = '';

  /** `compact` (one line) or `large` (count above the button). Old markup: `button="compact"`. */
  @property({ reflect: true }) size: FlattrButtonSize = 'compact';

  /** Show the thing's flattr count (fetched when the button comes near the viewport). */
  @property({ type: Boolean, attribute: 'show-count' }) showCount = false;

  /** Language of the button's text; defaults to the closest `lang`, then the browser's language. */
  @property() override lang = '';

  /** The Flattr service's origin, e.g. `https://flattr.example`. Defaults to the loader's `data-api`. */
  @property() api = '';

  /** Old vocabulary: the creator's user id. */
  @property() uid = '';

  /** Old vocabulary: `compact` for the one-line button. */
  @property() button = '';

  /** Old vocabulary: the thing's category (accepted for compatibility; not sent). */
  @property() category = '';

  /** Old vocabulary: comma-separated tags (accepted for compatibility; not sent). */
  @property() tags = '';

  /** Where the button is: loading, ready, flattred (this month), needs-login, or error. Read-only. */
  @property({ reflect: true }) state: FlattrButtonState = 'loading';

  /** The thing's flattr count, once loaded (null before, or without `show-count`). */
  @state() count: number | null = null;

  /** The thing's id on the service, once counts loaded (null when nobody flattred it yet). */
  thingId: string | null = null;

  @state() private announcement = '';
  @state() private fallbackHref: string | null = null;

  constructor() {
    super();
    // Listening on the host catches both the inner button's clicks and `element.click()`.
    this.addEventListener('click', (event) => this.handleClick(event));
  }

  /** The URL this button flattrs, after defaults and old vocabulary. */
  get effectiveUrl(): string {
    return this.url || this.legacy.url || pageUrl(this.ownerDocument);
  }

  /** The title used in the label and sent to the service. */
  get effectiveTitle(): string {
    if (this.title || this.legacy.title) return this.title || this.legacy.title!;
    // A button standing for the page itself takes the page's title.
    return this.url || this.legacy.url ? '' : this.ownerDocument.title;
  }

  get effectiveCreator(): string {
    return this.creator || this.uid || this.legacy.uid || '';
  }

  /** The service origin, or null when none is configured (or it is not an http(s) URL). */
  get apiOrigin(): string | null {
    const api = this.api || this.legacy.api || defaults.api;
    return api ? originOf(api) : null;
  }

  private get legacy() {
    return readDataAttributes(this);
  }

  private get language(): Language {
    const legacyLanguage = this.legacy.language;
    if (!this.lang && legacyLanguage) {
      const probe = this.ownerDocument.createElement('span');
      probe.lang = toLangTag(legacyLanguage);
      return resolveLanguage(probe);
    }
    return resolveLanguage(this);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-attached after a move: pick up where the lazy count left off.
    if (this.hasUpdated && this.state === 'loading' && !this.pending) this.setUp();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopObserving?.();
    this.countsAbort?.abort();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!this.hasAttribute('size') && (this.button || this.legacy.button)) {
      this.size = (this.button || this.legacy.button) === 'compact' ? 'compact' : 'large';
    }
    if (!this.hasUpdated || changed.has('url') || changed.has('api') || changed.has('showCount')) this.setUp();
  }

  /** Decides the initial state and, with `show-count`, waits to come near the viewport before fetching. */
  private setUp(): void {
    this.stopObserving?.();
    this.countsAbort?.abort();
    this.fallbackHref = null;
    const origin = this.apiOrigin;
    if (!origin) {
      this.fail({ code: 'missing_api', message: 'Set the api attribute or the loader’s data-api.' }, 'counts');
      return;
    }
    if (!this.showCount) {
      this.count = null;
      this.state = isFlattred(origin, this.effectiveUrl) ? 'flattred' : 'ready';
      return;
    }
    this.state = 'loading';
    this.stopObserving = whenNearViewport(this, () => void this.loadCount());
  }

  private async loadCount(): Promise<void> {
    const origin = this.apiOrigin;
    if (!origin) return;
    const abort = new AbortController();
    this.countsAbort = abort;
    this.state = 'loading';
    try {
      const counts = await countsFor(origin, this.effectiveUrl, abort.signal);
      if (abort.signal.aborted) return;
      this.count = counts.count;
      this.thingId = counts.thingId;
      this.state = isFlattred(origin, this.effectiveUrl) ? 'flattred' : 'ready';
    } catch (error) {
      if (abort.signal.aborted) return;
      this.fail({ code: 'counts_failed', message: messageOf(error), status: statusOf(error) }, 'counts');
    }
  }

  private handleClick(event: MouseEvent): void {
    const path = event.composedPath();
    const onHost = path[0] === this;
    if (!onHost && !path.includes(this.buttonEl)) return; // clicks on the count or the fallback link
    if (this.pending || this.state === 'flattred' || this.state === 'loading') return;
    if (this.state === 'error' && this.retryAction === 'counts') {
      if (this.apiOrigin) void this.loadCount();
      return;
    }
    const origin = this.apiOrigin!;
    // Only a real click by the reader may use the one-click token. A script's `click()` or dispatched event
    // can at most open the confirm window, where the reader still has to confirm.
    const token = event.isTrusted ? getSiteToken(origin) : null;
    const via = token ? 'site-token' : 'window';
    const clickEvent = emit(this, 'flattr-click', {
      cancelable: true,
      detail: { url: this.effectiveUrl, title: this.effectiveTitle, creator: this.effectiveCreator, via, trusted: event.isTrusted },
    });
    if (clickEvent.defaultPrevented) return;
    if (token) void this.flattrWithToken(origin, token);
    else void this.flattrInWindow(origin);
  }

  private handleFallbackClick(event: MouseEvent): void {
    const origin = this.apiOrigin;
    if (!origin) return;
    // Opening as a tab from the link's own click; if that is blocked too, the link navigates by itself.
    const popup = openConfirmWindow(this.confirmRequest(origin), true);
    if (!popup) return;
    event.preventDefault();
    void this.flattrInWindow(origin, popup);
  }

  private confirmRequest(origin: string): ConfirmRequest {
    return { api: origin, url: this.effectiveUrl, title: this.effectiveTitle, creator: this.effectiveCreator };
  }

  /** The window path. Runs synchronously up to `window.open` so the popup counts as the reader's gesture. */
  private async flattrInWindow(origin: string, alreadyOpen?: Window): Promise<void> {
    const request = this.confirmRequest(origin);
    const popup = alreadyOpen ?? openConfirmWindow(request);
    if (!popup) {
      this.fallbackHref = confirmUrl(request);
      this.fail(
        { code: 'popup_blocked', message: 'The browser blocked the Flattr window.', fallbackUrl: this.fallbackHref },
        'click',
      );
      return;
    }
    this.fallbackHref = null;
    const previous = this.state;
    this.pending = true;
    this.state = 'loading';
    this.confirmAbort = new AbortController();
    const result = await awaitConfirmResult(popup, origin, this.confirmAbort.signal);
    this.pending = false;
    if (!result) {
      this.state = previous; // closed without a result: the reader changed their mind
    } else if (result.ok) {
      if (result.siteToken) setSiteToken(origin, result.siteToken);
      this.succeed(origin, {
        url: this.effectiveUrl,
        thingId: result.thingId,
        count: result.count,
        period: result.period,
        flattrId: result.flattrId,
        via: 'window',
      });
    } else if (LOGIN_CODES.has(result.code)) {
      this.state = 'needs-login';
      this.retryAction = 'click';
      emit(this, 'flattr-error', { detail: { code: result.code, message: result.detail ?? result.code } });
    } else {
      this.fail({ code: result.code, message: result.detail ?? result.code }, 'click');
    }
  }

  /** The one-click path: the reader granted this site a token earlier. */
  private async flattrWithToken(origin: string, token: string): Promise<void> {
    const previous = this.state;
    this.pending = true;
    this.state = 'loading';
    try {
      const input = { url: this.effectiveUrl, ...(this.effectiveTitle && { title: this.effectiveTitle }), ...(this.effectiveCreator && { creator: this.effectiveCreator }) };
      const { status, flattr } = await createFlattr({ baseUrl: origin, token }, input);
      this.pending = false;
      this.succeed(origin, {
        url: this.effectiveUrl,
        thingId: flattr.thingId ?? null,
        count: flattr.thing?.flattrCount ?? (this.count ?? 0) + (status === 201 ? 1 : 0),
        period: flattr.period,
        flattrId: flattr.id ?? null,
        via: 'site-token',
      });
    } catch (error) {
      this.pending = false;
      if (error instanceof FlattrError && (error.status === 401 || error.status === 403)) {
        // Revoked, expired, or bound to another origin: forget it and ask the reader in the window instead.
        setSiteToken(origin, null);
        this.state = 'needs-login';
        void this.flattrInWindow(origin);
        return;
      }
      this.state = previous;
      this.fail({ code: codeOf(error), message: messageOf(error), status: statusOf(error) }, 'click');
    }
  }

  private succeed(origin: string, detail: FlattrSuccessDetail): void {
    rememberFlattred(origin, detail.url, detail.period);
    clearCounts(origin);
    this.count = detail.count;
    this.thingId = detail.thingId;
    this.state = 'flattred';
    this.announcement = formatCount(this.language, detail.count);
    emit(this, 'flattr-success', { detail });
  }

  private fail(detail: FlattrErrorDetail, retry: 'counts' | 'click'): void {
    this.state = 'error';
    this.retryAction = retry;
    emit(this, 'flattr-error', { detail });
  }

  /** Fetches the count again (after the cache is cleared), e.g. after the page learned of a new flattr. */
  refresh(): void {
    const origin = this.apiOrigin;
    if (!origin) return;
    clearCounts(origin);
    this.setUp();
  }

  override render() {
    const language = this.language;
    const strings = stringsFor(language);
    const title = this.effectiveTitle || strings.untitled;
    const [text, label] = (<Record<FlattrButtonState, [string, string]>>{
      loading: [strings.flattr, strings.labelLoading],
      ready: [strings.flattr, strings.labelFlattr],
      flattred: [strings.flattred, strings.labelFlattred],
      'needs-login': [strings.logIn, strings.labelLogIn],
      error: [strings.retry, strings.labelRetry],
    })[this.state];
    return html`
      <button
        part="button"
        type="button"
        aria-label=${format(label, { title })}
        aria-pressed=${this.state === 'flattred' ? 'true' : 'false'}
        aria-busy=${this.state === 'loading' ? 'true' : nothing}
      >${text}</button>
      ${this.showCount
        ? html`<span part="count" class="count"
            >${this.count === null
              ? html`<span aria-hidden="true">–</span>`
              : html`<span aria-hidden="true">${new Intl.NumberFormat(language).format(this.count)}</span
                  ><span class="visually-hidden">${formatCount(language, this.count)}</span>`}</span
          >`
        : nothing}
      <span class="visually-hidden" role="status" aria-live="polite">${this.announcement}</span>
      ${this.fallbackHref
        ? html`<a part="fallback" class="fallback" href=${this.fallbackHref} target="_blank" @click=${this.handleFallbackClick}
            >${strings.popupBlocked}</a
          >`
        : nothing}
    `;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function statusOf(error: unknown): number | undefined {
  return error instanceof FlattrError ? error.status : undefined;
}

function codeOf(error: unknown): string {
  return error instanceof FlattrError ? error.code : 'network_error';
}
