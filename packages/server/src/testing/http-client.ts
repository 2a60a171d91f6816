/** A tiny JSON client for tests: status, headers and the parsed body (any), never throws on 4xx/5xx. */
export interface TestResponse {
  status: number;
  headers: Headers;
  // Tests assert on arbitrary shapes; `any` keeps them short.
  body: any;
  text: string;
}

export interface TestRequestOptions {
  token?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent as-is (no JSON encoding), e.g. malformed JSON or form data. */
  rawBody?: string;
}

export function testClient(baseUrl: string) {
  const request = async (method: string, path: string, options: TestRequestOptions = {}): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text && /json/.test(res.headers.get('content-type') ?? '')) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  return {
    request,
    get: (path: string, o?: TestRequestOptions) => request('GET', path, o),
    post: (path: string, body?: unknown, o?: TestRequestOptions) => request('POST', path, { ...o, body }),
    patch: (path: string, body?: unknown, o?: TestRequestOptions) => request('PATCH', path, { ...o, body }),
    put: (path: string, body?: unknown, o?: TestRequestOptions) => request('PUT', path, { ...o, body }),
    delete: (path: string, o?: TestRequestOptions) => request('DELETE', path, o),
  };
}

export type TestClient = ReturnType<typeof testClient>;
