import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readdirSync } from 'node:fs';
import { EMAILS, MAIL_LANGUAGES, MAIL_STRINGS, flushMail, sendMail } from '../src/mail/index.js';
import { EMAIL_TOKENS } from '../src/auth/email-tokens.js';
import {
  createAdmin, signup, startMailpit, startTestServer, testClient,
  type Mailpit, type TestClient, type TestServer,
} from '../src/testing/index.js';
import { hiddenField, PageBrowser } from './helpers/pages.js';

const linkIn = (text: string, path: string) => {
  const match = new RegExp(`https?://[^\\s]+${path.replace(/\//g, '\\/')}\\?token=[^\\s]+`).exec(text);
  assert.ok(match, `a ${path} link in: ${text}`);
  return new URL(match[0]);
};

describe('email through a real SMTP server (Mailpit)', () => {
  let mailpit: Mailpit;
  let server: TestServer;
  let api: TestClient;
  before(async () => {
    mailpit = await startMailpit();
    server = await startTestServer({ env: { SMTP_URL: mailpit.smtpUrl, MAIL_FROM: 'Flattr Test <noreply@flattr.test>' } });
    api = testClient(server.url);
  });
  after(async () => {
    await server?.close();
    await mailpit?.stop();
  });

  describe('verification on signup', () => {
    it('sends a verification email in the signup\'s language, as plain text and HTML', async () => {
      const user = await signup(api, { name: 'Grete' });
      await api.patch('/v1/me', { language: 'de' }, { token: user.token });
      const german = await api.post('/v1/auth/signup', { email: 'grete@example.test', password: 'correct horse battery', name: 'Grete' }, { headers: { 'accept-language': 'de-AT,de;q=0.9,en;q=0.5' } });
      assert.equal(german.status, 201);
      assert.equal(german.body.user.emailVerified, false);
      assert.equal(german.body.user.language, 'de');
      const [message] = await mailpit.waitFor('grete@example.test');
      assert.equal(message!.Subject, 'Bestätige deine E-Mail-Adresse');
      assert.equal(message!.From.Address, 'noreply@flattr.test');
      assert.match(message!.Text, /Hallo Grete,/);
      assert.match(message!.HTML, /<html lang="de">/);
      const link = linkIn(message!.Text, '/account/verify');
      assert.ok(message!.HTML.includes(link.href.replace(/&/g, '&amp;')), 'the HTML part carries the same link');
      assert.equal(link.origin, server.url);
    });

    it('refuses payouts until the address is verified, then allows them; the link works once', async () => {
      const admin = await createAdmin(server, api);
      const user = await signup(api);
      await api.post('/v1/admin/deposits', { userId: user.id, amount: 1000, reference: `v-${user.id}` }, { token: admin.token });
      const refused = await api.post('/v1/me/payouts', { amount: 500 }, { token: user.token });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'email_unverified');
      assert.equal((await server.db.collection('payouts').countDocuments({})), 0, 'nothing written');

      const [message] = await mailpit.waitFor(user.email);
      const link = linkIn(message!.Text, '/account/verify');
      const browser = new PageBrowser(server.url);
      const page = await browser.get(`${link.pathname}${link.search}`);
      assert.equal(page.status, 200, 'the link only shows a page with a button');
      assert.equal((await api.get('/v1/me', { token: user.token })).body.emailVerified, false, 'following the link verifies nothing yet');
      const confirmed = await browser.submit(`${link.pathname}${link.search}`, '/account/verify', { token: link.searchParams.get('token')! });
      assert.equal(confirmed.status, 200);
      assert.equal((await api.get('/v1/me', { token: user.token })).body.emailVerified, true);
      const again = await browser.submit(`${link.pathname}${link.search}`, '/account/verify', { token: link.searchParams.get('token')! });
      assert.equal(again.status, 400);

      const paid = await api.post('/v1/me/payouts', { amount: 500 }, { token: user.token });
      assert.equal(paid.status, 201);
    });

    it('refuses the verify form without its CSRF token (403, nothing verified)', async () => {
      const user = await signup(api);
      const [message] = await mailpit.waitFor(user.email);
      const link = linkIn(message!.Text, '/account/verify');
      const res = await new PageBrowser(server.url).postForm('/account/verify', { token: link.searchParams.get('token')! });
      assert.equal(res.status, 403);
      assert.equal((await api.get('/v1/me', { token: user.token })).body.emailVerified, false);
    });

    it('sends the link again on request, at most once a minute', async () => {
      const user = await signup(api);
      await mailpit.waitFor(user.email, 1);
      const early = await api.post('/v1/me/email-verification', undefined, { token: user.token });
      assert.equal(early.status, 422);
      assert.equal(early.body.code, 'verification_throttled');
      server.clock.advance(61_000);
      const res = await api.post('/v1/me/email-verification', undefined, { token: user.token });
      assert.equal(res.status, 202);
      assert.equal((await mailpit.waitFor(user.email, 2)).length, 2);
    });

    it('shows an unconfirmed address on /account with a form that sends the link again (CSRF; once a minute), and blocks payouts on /creator', async () => {
      const user = await signup(api);
      await mailpit.waitFor(user.email, 1);
      const browser = new PageBrowser(server.url);
      await browser.logIn(user.email, user.password);
      const account = await browser.get('/account');
      assert.match(account.text, /id="email"/);
      assert.match(account.text, /you can flattr, but not take money out/);
      assert.match(account.text, /action="\/account\/verify\/resend"/);
      const creator = await browser.get('/creator');
      assert.match(creator.text, /Confirm your email address before you take money out/);
      assert.doesNotMatch(creator.text, /action="\/creator\/payouts(\/bank)?"/, 'no payout or bank form to fail');
      assert.equal((await browser.postForm('/account/verify/resend', {})).status, 403, 'no CSRF token');
      const early = await browser.submit('/account', '/account/verify/resend', {});
      assert.equal(early.status, 422);
      assert.match(early.text, /data-code="verification_throttled"/);
      server.clock.advance(61_000);
      const sent = await browser.submit('/account', '/account/verify/resend', {});
      assert.equal(sent.status, 303);
      assert.equal(sent.headers.get('location'), '/account?done=verification-sent');
      const messages = await mailpit.waitFor(user.email, 2);
      const link = linkIn(messages.at(-1)!.Text, '/account/verify');
      assert.equal((await browser.submit(`${link.pathname}${link.search}`, '/account/verify', { token: link.searchParams.get('token')! })).status, 200);
      const after = await browser.get('/account');
      assert.doesNotMatch(after.text, /id="email"/);
      assert.match(after.text, /Your email address is confirmed\./);
    });

    it('speaks the reader\'s language on the link\'s page, and mails a page signup in the language the pages speak to the reader', async () => {
      const browser = new PageBrowser(server.url);
      const page = await browser.get('/account/verify?token=x&lang=de');
      assert.match(page.text, /<html lang="de">/);
      assert.match(page.text, /Meine Adresse bestätigen/);
      const form = await browser.get('/account/signup');
      const email = `sv-${Date.now()}@example.test`;
      const res = await browser.postForm('/account/signup', { _csrf: hiddenField(form.text, '_csrf'), email, password: 'a long enough password' }, { 'accept-language': 'sv-SE,sv;q=0.9' });
      assert.equal(res.status, 303);
      const [message] = await mailpit.waitFor(email);
      assert.equal(message!.Subject, 'Bestätige deine E-Mail-Adresse', 'the language picked on the pages (German) before the browser\'s (Swedish)');
    });
  });

  describe('password reset', () => {
    const forgot = async (email: string) => new PageBrowser(server.url).submit('/account/forgot', '/account/forgot', { email });

    it('mails a single-use link; the new password works, the old one and every session and refresh token stop', async () => {
      const user = await signup(api, { password: 'the old password 1' });
      const page = await forgot(user.email);
      assert.equal(page.status, 200);
      const reset = (await mailpit.waitFor(user.email, 2)).find((m) => m.Subject === 'Reset your password');
      assert.ok(reset, 'a reset email');
      const link = linkIn(reset.Text, '/account/reset');
      const secret = link.searchParams.get('token')!;
      const stored = await server.db.collection(EMAIL_TOKENS).find({ kind: 'reset' }).toArray();
      assert.ok(stored.length > 0);
      assert.ok(stored.every((t) => String(t._id) !== secret && !JSON.stringify(t).includes(secret)), 'only its hash is stored');

      const browser = new PageBrowser(server.url);
      const form = await browser.get(`${link.pathname}${link.search}`);
      assert.equal(form.status, 200);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
      // Two submissions at once: the one guarded update lets exactly one spend the link.
      const [a, b] = await Promise.all([
        browser.postForm('/account/reset', { _csrf: csrf, token: secret, password: 'the new password A' }),
        browser.postForm('/account/reset', { _csrf: csrf, token: secret, password: 'the new password B' }),
      ]);
      assert.deepEqual([a.status, b.status].sort(), [303, 400]);
      const winner = a.status === 303 ? 'the new password A' : 'the new password B';
      assert.equal((await api.post('/v1/auth/login', { email: user.email, password: winner })).status, 200);
      assert.equal((await api.post('/v1/auth/login', { email: user.email, password: 'the old password 1' })).status, 401);
      assert.equal((await api.post('/v1/auth/refresh', { refreshToken: user.refreshToken })).status, 401, 'refresh tokens of the old password are revoked');
      assert.equal((await browser.postForm('/account/reset', { _csrf: csrf, token: secret, password: 'the third password' })).status, 400);
      assert.equal((await api.get('/v1/me', { token: (await api.post('/v1/auth/login', { email: user.email, password: winner })).body.accessToken })).body.emailVerified, true,
        'following a reset link proves the address too');
    });

    it('expires a link after 60 minutes', async () => {
      const user = await signup(api);
      await forgot(user.email);
      const reset = (await mailpit.waitFor(user.email, 2)).find((m) => m.Subject === 'Reset your password')!;
      const link = linkIn(reset.Text, '/account/reset');
      server.clock.advance(61 * 60_000);
      assert.equal((await new PageBrowser(server.url).get(`${link.pathname}${link.search}`)).status, 400);
      const res = await new PageBrowser(server.url).submit('/account/forgot', '/account/reset', { token: link.searchParams.get('token')!, password: 'a new password 123' });
      assert.equal(res.status, 400);
      assert.equal((await api.post('/v1/auth/login', { email: user.email, password: user.password })).status, 200, 'password unchanged');
    });

    it('answers an unknown address exactly like a known one and sends nothing', async () => {
      const known = await signup(api);
      await mailpit.waitFor(known.email, 1);
      const before = (await mailpit.messages()).length;
      const a = await forgot('nobody-here@example.test');
      const b = await forgot(known.email);
      assert.equal(a.status, b.status);
      assert.equal(a.text.replace('nobody-here@example.test', 'X'), b.text.replace(known.email, 'X'));
      await mailpit.waitFor(known.email, 2);
      assert.equal((await mailpit.messages()).length, before + 1);
    });

    it('refuses the forgot form without its CSRF token', async () => {
      const res = await new PageBrowser(server.url).postForm('/account/forgot', { email: 'x@example.test' });
      assert.equal(res.status, 403);
    });
  });

  describe('once per key', () => {
    it('sends one email for one key however often (and however concurrently) it is asked', async () => {
      const to = 'once@example.test';
      const send = () => sendMail(server.ctx, { key: 'test:once', to, userId: null, language: 'sv', content: { kind: 'payout.paid', name: 'Ada', amount: 1234, reference: 'tr_1' } });
      const outcomes = await Promise.all([send(), send(), send()]);
      assert.deepEqual(outcomes.sort(), ['already', 'already', 'sent']);
      assert.equal(await send(), 'already');
      const messages = await mailpit.waitFor(to);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await mailpit.messages()).filter((m) => m.To[0]!.Address === to).length, 1);
      assert.match(messages[0]!.Subject, /Din utbetalning på 12,34\s€ är på väg/);
    });

    it('records a message the SMTP server refused as failed and sends it on the next attempt', async () => {
      const to = 'refused@example.test';
      const send = () => sendMail(server.ctx, { key: 'test:refused', to, userId: null, language: 'en', content: { kind: 'payout.failed', name: 'Ada', amount: 500, reason: 'test' } });
      await mailpit.refuseRecipients(550);
      try {
        assert.equal(await send(), 'failed');
      } finally {
        await mailpit.refuseRecipients(0);
      }
      const doc = await server.db.collection(EMAILS).findOne({ _id: 'test:refused' as never });
      assert.equal(doc?.state, 'failed');
      assert.equal(await send(), 'sent');
      assert.equal((await mailpit.waitFor(to)).length, 1);
      assert.equal((await server.db.collection(EMAILS).findOne({ _id: 'test:refused' as never }))?.attempts, 2);
    });
  });

  it('has every text in every language the widget speaks', () => {
    const widgetLanguages = readdirSync(new URL('../../widget/src/i18n/', import.meta.url)).filter((f) => /^[a-z]{2}\.ts$/.test(f)).map((f) => f.slice(0, 2));
    assert.deepEqual([...MAIL_LANGUAGES].sort(), widgetLanguages.sort());
    const keys = Object.keys(MAIL_STRINGS.en);
    for (const language of MAIL_LANGUAGES) {
      assert.deepEqual(Object.keys(MAIL_STRINGS[language]).sort(), [...keys].sort(), language);
      for (const key of keys) {
        const text = MAIL_STRINGS[language][key as keyof typeof MAIL_STRINGS.en];
        assert.ok(text.length > 0, `${language}.${key}`);
        assert.deepEqual(text.match(/\{\w+\}/g)?.sort() ?? [], MAIL_STRINGS.en[key as keyof typeof MAIL_STRINGS.en].match(/\{\w+\}/g)?.sort() ?? [], `${language}.${key} placeholders`);
      }
    }
  });
});

describe('email without SMTP', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer(); });
  after(async () => { await server.close(); });

  it('sends and records nothing, and does not hold payouts back for verification', async () => {
    const api = testClient(server.url);
    const admin = await createAdmin(server, api);
    const user = await signup(api);
    await api.post('/v1/admin/deposits', { userId: user.id, amount: 1000, reference: `n-${user.id}` }, { token: admin.token });
    assert.equal((await api.post('/v1/me/payouts', { amount: 100 }, { token: user.token })).status, 201);
    await flushMail(server.ctx);
    assert.equal(await server.db.collection(EMAILS).countDocuments({}), 0);
    assert.equal(await server.db.collection(EMAIL_TOKENS).countDocuments({}), 0);
  });
});

describe('the development outbox', () => {
  let server: TestServer;
  const logged: string[] = [];
  before(async () => {
    server = await startTestServer({ env: { DEV_MAIL_OUTBOX: 'true' } });
    server.ctx.log.info = (line) => logged.push(line);
  });
  after(async () => { await server.close(); });

  it('logs each message with a link and lists it on /dev/mail, sending nothing', async () => {
    const api = testClient(server.url);
    const user = await signup(api);
    await flushMail(server.ctx);
    const line = logged.find((l) => l.includes(user.email));
    assert.ok(line, `logged: ${logged.join('\n')}`);
    const link = /(\/dev\/mail\/\d+)/.exec(line)![1]!;
    const list = await fetch(`${server.url}/dev/mail`);
    assert.equal(list.status, 200);
    assert.match(await list.text(), new RegExp(link));
    const message = await (await fetch(`${server.url}${link}`)).text();
    assert.match(message, /\/account\/verify\?token=/);
    const htmlPart = await fetch(`${server.url}${link}/html`);
    assert.match(htmlPart.headers.get('content-security-policy')!, /sandbox/);
  });

  it('is not there when mail goes to an SMTP server or nowhere', async () => {
    const plain = await startTestServer();
    try {
      assert.equal((await fetch(`${plain.url}/dev/mail`)).status, 404);
    } finally {
      await plain.close();
    }
  });
});
