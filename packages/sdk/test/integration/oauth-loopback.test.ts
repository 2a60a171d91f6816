/*
 * OAuth 2.0 + PKCE through the SDK against the real server: a CLI app signs
 * a reader in with authorizeWithLoopback. The reader's browser (login form,
 * consent form) is played by a cookie-keeping fetch; everything the app does
 * goes through the SDK.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@flattr/server/testing';
import { FlattrClient, FlattrError } from '../../src/index.js';
import { authorizeWithLoopback } from '../../src/node.js';

let server: TestServer;
before(async () => { server = await startTestServer(); });
after(async () => { await server?.close(); });

/** The reader's browser: keeps cookies, never follows redirects by itself. */
function browser() {
  const jar = new Map<string, string>();
  return async (url: string, form?: Record<string, string>) => {
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const location = res.headers.get('location');
    return { status: res.status, text: await res.text(), location: location ? new URL(location, url).toString() : undefined };
  };
}

function hiddenFields(page: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1]!] = m[2]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  }
  return fields;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('OAuth loopback sign-in of a CLI app through the SDK', () => {
  it('authorizes, calls the API with the granted scopes, and refreshes', async () => {
    const password = 'reader password 123';
    const developer = new FlattrClient({ baseUrl: server.url });
    await developer.auth.signup({ email: 'dev@example.test', password: 'developer password', name: 'Dev' });
    const port = await freePort();
    // The server matches redirect URIs exactly (port included), so the app registers its port.
    const registered = await developer.oauthClients.create({ name: 'Terminal App', redirectUris: [`http://127.0.0.1:${port}/callback`] });
    await new FlattrClient({ baseUrl: server.url }).auth.signup({ email: 'reader@example.test', password, name: 'Reader' });

    const app = new FlattrClient({ baseUrl: server.url, clientId: registered.clientId });
    const visit = browser();
    const session = await authorizeWithLoopback(app, {
      port,
      scope: 'read flattr',
      openUrl: async (authorizeUrl) => {
        const toLogin = await visit(authorizeUrl);
        assert.equal(toLogin.status, 303);
        const loginPage = await visit(toLogin.location!);
        const loggedIn = await visit(`${server.url}/account/login`, { ...hiddenFields(loginPage.text), email: 'reader@example.test', password });
        const consent = await visit(loggedIn.location!);
        assert.match(consent.text, /Terminal App/);
        const approved = await visit(`${server.url}/oauth/authorize`, { ...hiddenFields(consent.text), decision: 'approve' });
        assert.equal(approved.status, 303);
        assert.ok(approved.location!.startsWith(`http://127.0.0.1:${port}/callback?`));
        // The browser lands on the app's loopback listener.
        const landed = await visit(approved.location!);
        assert.equal(landed.status, 200);
      },
    });
    assert.equal(session.via, 'oauth');
    assert.equal((await app.me.get()).email, 'reader@example.test');

    // Granted read + flattr, not things.
    await assert.rejects(app.things.register({ url: 'https://blog.example/x', title: 'X' }),
      (e: FlattrError) => e.status === 403 && e.code === 'insufficient_scope');

    // The refresh goes to /oauth/token with the client id, and the new token works.
    assert.equal(await app.auth.refresh(), true);
    const renewed = await app.auth.getSession();
    assert.notEqual(renewed?.accessToken, session.accessToken);
    assert.notEqual(renewed?.refreshToken, session.refreshToken);
    assert.equal((await app.me.get()).email, 'reader@example.test');
  });
});
