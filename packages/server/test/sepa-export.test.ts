import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/index.js';
import { createAdmin, signup, startTestServer, testClient, type TestClient, type TestServer, type TestUser } from '../src/testing/index.js';
import { PageBrowser } from './helpers/pages.js';

const tags = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);

describe('manual payouts as a SEPA credit-transfer file (the sepa package)', () => {
  let server: TestServer;
  let api: TestClient;
  let admin: TestUser;
  before(async () => {
    server = await startTestServer({ env: { SEPA_DEBTOR_NAME: 'Flattr Operator', SEPA_DEBTOR_IBAN: 'DE89 3704 0044 0532 0130 00', SEPA_DEBTOR_BIC: 'COBADEFFXXX' } });
    api = testClient(server.url);
    admin = await createAdmin(server, api);
  });
  after(async () => { await server.close(); });

  async function creatorWithPayout(amount: number): Promise<{ creator: TestUser; payoutId: string }> {
    const creator = await signup(api);
    await api.post('/v1/admin/deposits', { userId: creator.id, amount, reference: `sepa-${creator.id}` }, { token: admin.token });
    const payout = await api.post('/v1/me/payouts', { amount }, { token: creator.token });
    assert.equal(payout.status, 201);
    return { creator, payoutId: payout.body.id };
  }

  it('stores a bank account with a valid IBAN only, and shows it masked', async () => {
    const creator = await signup(api);
    const bad = await api.put('/v1/me/payout-destination/bank', { holder: 'Ada', iban: 'DE89370400440532013001' }, { token: creator.token });
    assert.equal(bad.status, 400);
    const ok = await api.put('/v1/me/payout-destination/bank', { holder: 'Ada Lovelace', iban: 'gb82 west 1234 5698 7654 32', bic: 'westgb22' }, { token: creator.token });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body.bank, { holder: 'Ada Lovelace', iban: '…5432', bic: 'WESTGB22' });
    assert.equal(ok.body.method, 'manual');
  });

  it('takes the bank account in /creator\'s payouts section too (CSRF form; a bad IBAN or a control character is refused, not stored)', async () => {
    const creator = await signup(api);
    const browser = new PageBrowser(server.url);
    await browser.logIn(creator.email, creator.password);
    const page = await browser.get('/creator');
    assert.match(page.text, /No bank account yet\./);
    assert.equal((await browser.postForm('/creator/payouts/bank', { holder: 'X', iban: 'DE89370400440532013000' })).status, 403);
    const bad = await browser.submit('/creator', '/creator/payouts/bank', { holder: 'X', iban: 'DE00370400440532013000' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /not a valid IBAN/);
    const control = await browser.submit('/creator', '/creator/payouts/bank', { holder: 'Grace\u001b[31m', iban: 'DE89370400440532013000' });
    assert.equal(control.status, 400, 'the holder is stored text: no control characters');
    assert.equal((await api.get('/v1/me/payout-destination', { token: creator.token })).body.bank, null, 'nothing stored');
    const ok = await browser.submit('/creator', '/creator/payouts/bank', { holder: '  Grace  ', iban: 'de89 3704 0044 0532 0130 00', bic: '' });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get('location'), '/creator?done=bank-saved#payout-destination');
    const shown = await browser.get('/creator?done=bank-saved');
    assert.match(shown.text, /Your bank account is saved\./);
    assert.match(shown.text, /Grace, IBAN …3000/);
    assert.deepEqual((await api.get('/v1/me/payout-destination', { token: creator.token })).body.bank, { holder: 'Grace', iban: '…3000', bic: null });
  });

  it('offers the SEPA file of the payouts due on /admin (admin session), the same file as the API\'s', async () => {
    const browser = new PageBrowser(server.url);
    await browser.logIn(admin.email, admin.password);
    assert.match((await browser.get('/admin')).text, /href="\/admin\/payouts\.xml"/);
    const { creator } = await creatorWithPayout(777);
    await api.put('/v1/me/payout-destination/bank', { holder: 'Page', iban: 'DE89370400440532013000' }, { token: creator.token });
    const fromApi = await api.get('/v1/admin/payouts?format=sepa', { token: admin.token });
    assert.equal(fromApi.status, 200, fromApi.text);
    const file = await browser.get('/admin/payouts.xml');
    assert.equal(file.status, 200, file.text);
    assert.match(file.headers.get('content-type')!, /application\/xml/);
    for (const tag of ['EndToEndId', 'CtrlSum', 'NbOfTxs', 'IBAN']) assert.deepEqual(tags(file.text, tag), tags(fromApi.text, tag), tag);
    const stranger = new PageBrowser(server.url);
    const reader = await signup(api);
    await stranger.logIn(reader.email, reader.password);
    assert.equal((await stranger.get('/admin/payouts.xml')).status, 403);
  });

  it('exports every manual payout due, amounts and control sum exact to the cent; refuses while one lacks bank details', async () => {
    const a = await creatorWithPayout(1234);
    const b = await creatorWithPayout(1);
    const c = await creatorWithPayout(99_999_99);
    await api.put('/v1/me/payout-destination/bank', { holder: 'A', iban: 'DE89370400440532013000' }, { token: a.creator.token });
    await api.put('/v1/me/payout-destination/bank', { holder: 'B', iban: 'GB82WEST12345698765432' }, { token: b.creator.token });
    const missing = await api.get('/v1/admin/payouts?format=sepa', { token: admin.token });
    assert.equal(missing.status, 422);
    assert.equal(missing.body.code, 'bank_details_missing');
    assert.deepEqual(missing.body.payoutIds, [c.payoutId]);

    await api.put('/v1/me/payout-destination/bank', { holder: 'C & Co <Ltd>', iban: 'FR1420041010050500013M02606' }, { token: c.creator.token });
    const res = await api.get('/v1/admin/payouts?format=sepa', { token: admin.token });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type')!, /application\/xml/);
    const xml = res.text;
    assert.match(xml, /urn:iso:std:iso:20022:tech:xsd:pain\.001\.001\.09/);
    const due = (await api.get('/v1/admin/payouts', { token: admin.token })).body.items as Array<{ id: string; amount: number }>;
    const total = due.reduce((s, p) => s + p.amount, 0);
    const cents = (n: number) => `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`;
    assert.deepEqual(tags(xml, 'NbOfTxs'), [String(due.length), String(due.length)]);
    assert.deepEqual(tags(xml, 'CtrlSum'), [cents(total), cents(total)]);
    assert.deepEqual(tags(xml, 'EndToEndId').sort(), due.map((p) => p.id).sort());
    assert.ok(xml.includes('<InstdAmt Ccy="EUR">12.34</InstdAmt>') || tags(xml, 'InstdAmt').includes('12.34'), 'amount of A');
    assert.match(xml, /99999\.99/);
    assert.match(xml, /0\.01/);
    assert.match(xml, /FR1420041010050500013M02606/);
    assert.match(xml, /C &amp; Co &lt;Ltd&gt;/);
    assert.match(xml, /DE89370400440532013000/);
  });

  it('is refused without a debtor account (403 sepa_not_configured), and the debtor IBAN is checked at start', async () => {
    const plain = await startTestServer();
    try {
      const plainAdmin = await createAdmin(plain);
      const res = await testClient(plain.url).get('/v1/admin/payouts?format=sepa', { token: plainAdmin.token });
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'sepa_not_configured');
    } finally {
      await plain.close();
    }
    const base = { MONGODB_URI: 'mongodb://127.0.0.1:1' };
    assert.throws(() => loadConfig({ ...base, SEPA_DEBTOR_NAME: 'X', SEPA_DEBTOR_IBAN: 'DE00370400440532013000' }), /SEPA_DEBTOR_IBAN/);
    assert.throws(() => loadConfig({ ...base, SEPA_DEBTOR_NAME: 'X' }), /SEPA_DEBTOR_IBAN/);
    assert.throws(() => loadConfig({ ...base, SEPA_DEBTOR_NAME: 'X', SEPA_DEBTOR_IBAN: 'DE89370400440532013000', CURRENCY: 'USD' }), /EUR/);
  });
});
