/**
 * A browser for server-page tests over plain HTTP: a cookie jar kept by hand,
 * form posts, no redirects followed (tests assert on them). Logs in through
 * the real account pages, as a reader in the confirm window would.
 */
export interface PageResponse {
  status: number;
  headers: Headers;
  text: string;
}

export class PageBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<PageResponse> {
    return this.send('GET', path, undefined, headers);
  }

  /** Posts `application/x-www-form-urlencoded`, like an HTML form. */
  async postForm(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<PageResponse> {
    return this.send('POST', path, new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  /** GETs the page that holds a form and posts `fields` to `action` with that page's `_csrf` token, as a browser submitting it would. */
  async submit(pagePath: string, action: string, fields: Record<string, string>): Promise<PageResponse> {
    const page = await this.get(pagePath);
    return this.postForm(action, { _csrf: hiddenField(page.text, '_csrf'), ...fields });
  }

  /** Logs in through GET/POST /account/login (CSRF cookie and field included). */
  async logIn(email: string, password: string): Promise<void> {
    const page = await this.get('/account/login');
    const res = await this.postForm('/account/login', { _csrf: hiddenField(page.text, '_csrf'), email, password, next: '/account' });
    if (res.status !== 303 || !this.cookies.has('flattr_session')) {
      throw new Error(`login of ${email} answered ${res.status} without a session cookie: ${res.text.slice(0, 200)}`);
    }
  }

  private async send(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<PageResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      body,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...headers },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = decodeURIComponent(pair!.slice(eq + 1).trim());
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
}

/** The value of `<input type="hidden" name="…" value="…">` in a page (HTML-unescaped). */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no hidden field ${name} in the page`);
  return match[1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#96;/g, '`').replace(/&amp;/g, '&');
}
