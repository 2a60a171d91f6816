import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { http, HttpResponse } from 'msw';
import { API, flattr, mockApi, problem, recordRequests, testClient } from './setup.js';

const server = mockApi();
const seen = recordRequests(server);

/** A stand-in browser window: records the opened URL, delivers messages to the SDK's listener. */
function fakeHost() {
  let listener: ((event: MessageEvent) => void) | undefined;
  const popup = { closed: false, close() { this.closed = true; } };
  const opened: string[] = [];
  return {
    popup,
    opened,
    host: {
      location: { origin: 'https://blog.example' },
      addEventListener: (_type: string, fn: (event: MessageEvent) => void) => { listener = fn; },
      removeEventListener: () => { listener = undefined; },
    },
    open: (url: string) => { opened.push(url); return popup as unknown as Window; },
    post: (data: unknown, origin = API, source: unknown = popup) => listener?.({ data, origin, source } as MessageEvent),
    get listening() { return Boolean(listener); },
  };
}

const success = { type: 'flattr:result', ok: true, url: 'https://blog.example/a', thingId: 't1', count: 4, period: '2026-11', flattrId: 'f1' };

describe('flattr through the confirm window (widget flow)', () => {
  it('opens the confirm window with url, title, creator and this origin; accepts only its own message', async () => {
    const w = fakeHost();
    const client = testClient();
    const result = client.siteToken.flattrOrConfirm({ url: 'https://blog.example/a', title: 'A', creator: 'ada' }, { host: w.host as never, open: w.open, pollMs: 5 });
    await new Promise((r) => setTimeout(r, 10));
    const opened = new URL(w.opened[0]!);
    assert.equal(`${opened.origin}${opened.pathname}`, `${API}/widget/confirm`);
    assert.deepEqual(Object.fromEntries(opened.searchParams), { url: 'https://blog.example/a', title: 'A', creator: 'ada', origin: 'https://blog.example' });
    w.post({ ...success, flattrId: 'from-elsewhere' }, 'https://evil.example');
    w.post({ ...success, flattrId: 'from-another-window' }, API, {});
    w.post({ type: 'other' });
    w.post({ ...success, siteToken: 'fsite_new' });
    assert.equal((await result).flattrId, 'f1');
    assert.equal(await client.siteToken.get(), 'fsite_new');
    assert.equal(w.listening, false);
  });

  it('a refusal from the window rejects with its code', async () => {
    const w = fakeHost();
    const result = testClient().siteToken.flattrOrConfirm({ url: 'https://blog.example/a' }, { host: w.host as never, open: w.open, pollMs: 5 });
    await new Promise((r) => setTimeout(r, 10));
    w.post({ type: 'flattr:result', ok: false, code: 'own_thing', detail: 'You own this' });
    await assert.rejects(result, { name: 'FlattrError', code: 'own_thing', detail: 'You own this' });
  });

  it('a window closed without an answer rejects with popup_closed', async () => {
    const w = fakeHost();
    const result = testClient().siteToken.flattrOrConfirm({ url: 'https://blog.example/a' }, { host: w.host as never, open: w.open, pollMs: 5 });
    w.popup.close();
    await assert.rejects(result, { code: 'popup_closed' });
  });

  it('a blocked window rejects with popup_blocked', async () => {
    const w = fakeHost();
    await assert.rejects(testClient().siteToken.flattrOrConfirm({ url: 'https://blog.example/a' }, { host: w.host as never, open: () => null }), { code: 'popup_blocked' });
  });

  it('with a stored site token it flattrs at once, without a window', async () => {
    server.use(http.post(`${API}/v1/flattrs`, () => HttpResponse.json(flattr, { status: 201 })));
    const w = fakeHost();
    const client = testClient();
    await client.siteToken.set('fsite_ok');
    seen.length = 0;
    const result = await client.siteToken.flattrOrConfirm({ url: 'https://blog.example/a' }, { host: w.host as never, open: w.open });
    assert.deepEqual(result, { type: 'flattr:result', ok: true, url: 'https://blog.example/a', thingId: flattr.thingId, count: flattr.thing.flattrCount, period: flattr.period, flattrId: flattr.id });
    assert.equal(seen[0]!.headers.get('authorization'), 'Bearer fsite_ok');
    assert.deepEqual(w.opened, []);
  });

  it('past the site\'s monthly cap (429 site_cap_reached) the window opens and the token is kept', async () => {
    server.use(http.post(`${API}/v1/flattrs`, () => problem(429, 'site_cap_reached', 'used up')));
    const w = fakeHost();
    const client = testClient({ retries: 0 });
    await client.siteToken.set('fsite_capped');
    const result = client.siteToken.flattrOrConfirm({ url: 'https://blog.example/a' }, { host: w.host as never, open: w.open, pollMs: 5 });
    const settled = result.then(() => 'settled', (e: { code?: string }) => `rejected ${e.code}`);
    const waited = await Promise.race([settled, (async () => { while (!w.listening) await new Promise((r) => setTimeout(r, 5)); return 'listening'; })()]);
    assert.equal(waited, 'listening', 'the window opened instead of the click failing');
    assert.equal(w.opened.length, 1);
    w.post(success);
    assert.equal((await result).thingId, 't1');
    assert.equal(await client.siteToken.get(), 'fsite_capped');
  });

  it('a refused site token is forgotten and the window opens instead', async () => {
    server.use(http.post(`${API}/v1/flattrs`, () => problem(401, 'invalid_token', 'revoked')));
    const w = fakeHost();
    const client = testClient();
    await client.siteToken.set('fsite_revoked');
    const result = client.siteToken.flattrOrConfirm({ url: 'https://blog.example/a' }, { host: w.host as never, open: w.open, pollMs: 5 });
    while (!w.listening) await new Promise((r) => setTimeout(r, 5));
    assert.equal(await client.siteToken.get(), undefined);
    w.post(success);
    assert.equal((await result).thingId, 't1');
  });
});

describe('waitForConfirmResult: the one confirm-window wait (the widget uses it too)', () => {
  const load = () => import('../../src/lite-core.js');

  it('takes a result the window posted before the wait began (early), and only one from that window and origin', async () => {
    const { waitForConfirmResult } = await load();
    const w = fakeHost();
    const early = [
      { data: { ...success, flattrId: 'elsewhere' }, origin: 'https://evil.example', source: w.popup },
      { data: success, origin: API, source: w.popup },
    ] as unknown as MessageEvent[];
    const result = await waitForConfirmResult(w.popup as unknown as Window, API, { host: w.host as never, early, pollMs: 5 });
    assert.equal(result?.ok && result.flattrId, 'f1');
    assert.equal(w.listening, false);
  });

  it('ignores a success without string ids (the server always sends them)', async () => {
    const { waitForConfirmResult } = await load();
    const w = fakeHost();
    const result = waitForConfirmResult(w.popup as unknown as Window, API, { host: w.host as never, pollMs: 5 });
    w.post({ ...success, thingId: null });
    w.post({ ...success, flattrId: 7 });
    w.post(success);
    assert.equal((await result)?.ok, true);
  });

  it('answers null when the window closes, when aborted, and when another caller reuses the window', async () => {
    const { waitForConfirmResult } = await load();
    const closed = fakeHost();
    const waiting = waitForConfirmResult(closed.popup as unknown as Window, API, { host: closed.host as never, pollMs: 5 });
    closed.popup.close();
    assert.equal(await waiting, null);

    const abort = new AbortController();
    const aborted = fakeHost();
    const gone = waitForConfirmResult(aborted.popup as unknown as Window, API, { host: aborted.host as never, signal: abort.signal });
    abort.abort();
    assert.equal(await gone, null);

    const first = fakeHost();
    const second = fakeHost();
    const earlier = waitForConfirmResult(first.popup as unknown as Window, API, { host: first.host as never });
    const later = waitForConfirmResult(second.popup as unknown as Window, API, { host: second.host as never, pollMs: 5 });
    assert.equal(await earlier, null, 'the earlier wait ended: the window now shows another request');
    second.post(success);
    assert.equal((await later)?.ok, true);
  });
});
