/** Just enough of a browser for the server's own pages: a cookie jar, form posts, no redirect following. */
export function testBrowser(baseUrl: string) {
  const jar = new Map<string, string>();
  const send = async (method: string, path: string, form?: Record<string, string>, headers: Record<string, string> = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  return {
    jar,
    get: (path: string, headers?: Record<string, string>) => send('GET', path, undefined, headers),
    post: (path: string, form: Record<string, string>, headers?: Record<string, string>) => send('POST', path, form, headers),
    /** GETs a page with a form and posts it with the page's `_csrf` token and `fields`. */
    async submit(pagePath: string, action: string, fields: Record<string, string>) {
      const page = await send('GET', pagePath);
      return send('POST', action, { _csrf: csrfOf(page.text), ...fields });
    },
  };
}

export type TestBrowser = ReturnType<typeof testBrowser>;

/** The `_csrf` hidden field of a page's form. */
export function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error(`the page has no _csrf field: ${page.slice(0, 300)}`);
  return match[1]!;
}
