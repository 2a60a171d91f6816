import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import { startTestServer, signup, testClient, type TestClient, type TestServer } from '../src/testing/index.js';
import { hiddenField, loggedIn, verifiedCreator, type VerifiedCreator } from './helpers/pages.js';

describe('the public pages (/things, /creators)', () => {
  let server: TestServer;
  let api: TestClient;
  let creator: VerifiedCreator;
  let thingId: string;
  let thingUrl: string;

  before(async () => {
    server = await startTestServer();
    api = testClient(server.url);
    creator = await verifiedCreator(server, api);
    thingId = await creator.thing('/hello', 'Hello <world>');
    thingUrl = `${creator.site.origin}/hello`;
    const reader = await signup(api);
    await api.post('/v1/flattrs', { thingId }, { token: reader.token });
  });
  after(async () => {
    await creator?.site.close();
    await server.close();
  });

  it('shows a thing to anyone: title, verified owner, counts and a Flattr button whose fallback works without JavaScript', async () => {
    const res = await fetch(`${server.url}/things/${thingId}`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /connect-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(text, /<h1>Hello &lt;world&gt;<\/h1>/);
    assert.ok(text.includes(`<a href="/creators/${creator.user.id}">Test User</a>`), 'names the verified owner');
    assert.match(text, /data-figure="flattr-count">1</);
    assert.match(text, /data-figure="month-count">1</);
    const fallback = /<flattr-button url="([^"]+)"[^>]*><a class="button" rel="payment" href="([^"]+)">Flattr<\/a><\/flattr-button>/.exec(text);
    assert.ok(fallback, 'a button with a link inside');
    assert.equal(fallback[1], thingUrl);
    // The plain Flattr link, as on any page without scripts (docs/widget.md, "The plain link").
    const link = new URL(fallback[2]!.replace(/&amp;/g, '&'));
    assert.equal(link.href.slice(0, server.url.length + 8), `${server.url}/flattr?`);
    assert.equal(link.searchParams.get('url'), thingUrl);
    assert.equal(link.searchParams.get('title'), 'Hello <world>');
  });

  it('flattrs through that link with forms alone (no JavaScript): /flattr, the full-page confirm, and back on the thing\'s page', async () => {
    const { user, browser } = await loggedIn(server, api);
    const thingPage = `${server.url}/things/${thingId}`;
    const page = await browser.get(`/things/${thingId}`);
    const href = /<a class="button" rel="payment" href="([^"]+)">Flattr<\/a>/.exec(page.text)![1]!.replace(/&amp;/g, '&');
    const link = await browser.get(href.slice(server.url.length), { referer: thingPage });
    assert.equal(link.status, 303);
    const confirmAt = new URL(link.headers.get('location')!, server.url);
    assert.equal(confirmAt.searchParams.get('return'), thingPage, 'back to the page the link was on: the thing\'s page on this service');
    const confirm = await browser.get(`${confirmAt.pathname}${confirmAt.search}`);
    assert.equal(confirm.status, 200);
    const form = Object.fromEntries(['url', 'title', 'return', '_csrf'].map((name) => [name, hiddenField(confirm.text, name)]));
    const result = await browser.postForm('/widget/confirm', form);
    assert.equal(result.status, 303);
    assert.equal(result.headers.get('location'), thingPage);
    assert.ok(await server.db.collection('flattrs').findOne({ readerId: new ObjectId(user.id), thingId: new ObjectId(thingId) }));
    assert.match((await browser.get(`/things/${thingId}`)).text, /data-figure="flattr-count">2</);
  });

  it('finds a thing by URL, offers the first flattr of an unknown one and refuses what is no URL', async () => {
    const found = await fetch(`${server.url}/things?url=${encodeURIComponent(`${thingUrl}#comments`)}`, { redirect: 'manual' });
    assert.equal(found.status, 303);
    assert.equal(found.headers.get('location'), `/things/${thingId}`);
    const fresh = await fetch(`${server.url}/things?url=${encodeURIComponent('https://new.example/post?utm_source=x')}`);
    assert.equal(fresh.status, 200);
    const text = await fresh.text();
    assert.match(text, /Nobody has flattred this page yet/);
    assert.match(text, /<flattr-button url="https:\/\/new\.example\/post" size="large" show-count>/, 'the normalised URL');
    assert.equal((await fetch(`${server.url}/things?url=not-a-url`)).status, 400);
    assert.equal((await fetch(`${server.url}/things/${new ObjectId()}`)).status, 404);
    assert.equal((await fetch(`${server.url}/things/nonsense`)).status, 404);
  });

  it('shows a creator\'s verified sites and things; a reader has no creator page', async () => {
    const res = await fetch(`${server.url}/creators/${creator.user.id}`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(text.includes(`>${creator.site.host}</a>`));
    assert.match(text, new RegExp(`<tr data-thing="${thingId}">`));
    const reader = await signup(api);
    assert.equal((await fetch(`${server.url}/creators/${reader.id}`)).status, 404);
  });

  it('speaks the reader\'s language: Accept-Language, then ?lang= remembered in a cookie', async () => {
    const german = await fetch(`${server.url}/things/${thingId}`, { headers: { 'accept-language': 'de-AT,de;q=0.9,en;q=0.5' } });
    assert.match(await german.text(), /<html lang="de">/);
    const swedish = await fetch(`${server.url}/things/${thingId}?lang=sv`);
    assert.match(await swedish.text(), /<html lang="sv">/);
    const cookie = swedish.headers.getSetCookie().find((c) => c.startsWith('flattr_lang=sv'));
    assert.ok(cookie, 'remembers the choice');
    const again = await fetch(`${server.url}/things/${thingId}`, { headers: { cookie: 'flattr_lang=sv', 'accept-language': 'fr' } });
    assert.match(await again.text(), /<html lang="sv">/);
    const unknown = await fetch(`${server.url}/things/${thingId}`, { headers: { 'accept-language': 'ja, zh;q=0.8' } });
    assert.match(await unknown.text(), /<html lang="en">/);
  });
});
