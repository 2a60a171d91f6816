import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  AddressNotAllowedError, classifyAddress, FetchFailedError, isPublicAddress, safeFetchText,
} from '../src/sites/index.js';

describe('address classifier (SSRF guard of site verification)', () => {
  const table: Array<[string, string]> = [
    // IPv4
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['93.184.216.34', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.15.255.255', 'public'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.0', 'public'],
    ['192.168.0.1', 'private'],
    ['192.169.0.1', 'public'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['100.63.255.255', 'public'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['223.255.255.255', 'public'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::FFFF:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:0001', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'reserved'],
    ['::ffff:0:127.0.0.1', 'reserved'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'private'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['ff05::1:3', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::808:808', 'public'],
    ['64:ff9b:1::1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:808:808::1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['2a00:1450:4001:80b::200e', 'public'],
    ['4000::1', 'reserved'],
    ['::2', 'reserved'],
  ];
  for (const [address, kind] of table) {
    it(`classifies ${address} as ${kind}`, () => {
      assert.equal(classifyAddress(address), kind);
      assert.equal(isPublicAddress(address), kind === 'public');
    });
  }

  it('refuses, as invalid, every spelling that is not a canonical address (fails closed)', () => {
    for (const spelling of ['2130706433', '0177.0.0.1', '0x7f.0.0.1', '0x7f000001', '127.1', '127.0.0.1.', '01.02.03.04',
      'localhost', 'example.com', '', ' ', '1.2.3.256', '::ffff:1.2.3', 'fe80::1%', ':::1', '1:2:3:4:5:6:7:8:9']) {
      assert.equal(classifyAddress(spelling), 'invalid', spelling);
      assert.equal(isPublicAddress(spelling), false, spelling);
    }
  });

  it('sees decimal, octal and hex IPv4 hosts already turned into dotted quads by the URL parser', () => {
    for (const url of ['http://2130706433/', 'http://0177.0.0.1/', 'http://0x7f.1/', 'http://127.1/', 'http://0x7F000001/']) {
      const hostname = new URL(url).hostname;
      assert.equal(hostname, '127.0.0.1', url);
      assert.equal(classifyAddress(hostname), 'loopback', url);
    }
    assert.equal(classifyAddress(new URL('http://[::ffff:127.0.0.1]/').hostname), 'loopback');
    assert.equal(classifyAddress(new URL('http://[0:0:0:0:0:ffff:a00:1]/').hostname), 'private');
  });
});

describe('safeFetchText', () => {
  /** Two servers on two loopback addresses: the "public" one (allowed by the test policy) and an "internal" one. */
  let publicServer: http.Server;
  let internalServer: http.Server;
  let publicPort: number;
  let internalPort: number;
  let internalHits = 0;
  let publicHits: string[] = [];
  const routes = new Map<string, (res: http.ServerResponse) => void>();

  before(async () => {
    publicServer = http.createServer((req, res) => {
      publicHits.push(`${req.headers.host} ${req.url}`);
      const route = routes.get(req.url ?? '');
      if (route) route(res);
      else res.writeHead(404).end('not here');
    });
    internalServer = http.createServer((_req, res) => {
      internalHits += 1;
      res.end('internal secret');
    });
    publicPort = await listen(publicServer, '127.0.0.1');
    internalPort = await listen(internalServer, '127.0.0.2');
  });
  after(async () => {
    publicServer.closeAllConnections();
    await new Promise((r) => publicServer.close(r));
    await new Promise((r) => internalServer.close(r));
  });

  /** The real policy, except that 127.0.0.1 stands in for a public address in these tests. */
  const testPolicy = { allowAddress: (a: string) => a === '127.0.0.1' || isPublicAddress(a) };

  it('refuses a loopback target under the real policy without connecting', async () => {
    routes.set('/hello', (res) => res.end('hi'));
    publicHits = [];
    await assert.rejects(
      safeFetchText(`http://127.0.0.1:${publicPort}/hello`, { allowAddress: isPublicAddress }),
      (e: unknown) => e instanceof AddressNotAllowedError && e.kind === 'loopback',
    );
    await assert.rejects(safeFetchText(`http://localhost:${publicPort}/hello`, { allowAddress: isPublicAddress }), AddressNotAllowedError);
    await assert.rejects(safeFetchText(`http://2130706433:${publicPort}/hello`, { allowAddress: isPublicAddress }), AddressNotAllowedError);
    await assert.rejects(safeFetchText(`http://[::ffff:127.0.0.1]:${publicPort}/hello`, { allowAddress: isPublicAddress }), AddressNotAllowedError);
    assert.deepEqual(publicHits, []);
  });

  it('takes every name under .localhost for loopback (RFC 6761), without asking DNS: refused by the real policy, fetched where loopback is allowed', async () => {
    routes.set('/hello', (res) => res.end('hi'));
    publicHits = [];
    await assert.rejects(
      safeFetchText(`http://blog.localhost:${publicPort}/hello`, { allowAddress: isPublicAddress }),
      (e: unknown) => e instanceof AddressNotAllowedError && e.kind === 'loopback',
    );
    assert.deepEqual(publicHits, []);
    const answer = await safeFetchText(`http://Blog.Demo.localhost.:${publicPort}/hello`, testPolicy);
    assert.equal(answer.body, 'hi');
    assert.deepEqual(publicHits, [`blog.demo.localhost.:${publicPort} /hello`]);
  });

  it('fetches an allowed target', async () => {
    routes.set('/hello', (res) => res.end('hi'));
    const answer = await safeFetchText(`http://127.0.0.1:${publicPort}/hello`, testPolicy);
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'hi');
    assert.equal(answer.truncated, false);
  });

  for (const [name, target] of [
    ['a loopback address', () => `http://127.0.0.2:${internalPort}/`],
    ['a decimal spelling of a loopback address', () => `http://2130706434:${internalPort}/`],
    ['an IPv4-mapped loopback address', () => `http://[::ffff:127.0.0.2]:${internalPort}/`],
    ['a host name that resolves to a loopback address', () => `http://internal.test:${internalPort}/`],
  ] as const) {
    it(`refuses a redirect to ${name}`, async () => {
      routes.set('/go', (res) => res.writeHead(302, { location: target() }).end());
      internalHits = 0;
      publicHits = [];
      await assert.rejects(
        safeFetchText(`http://127.0.0.1:${publicPort}/go`, { ...testPolicy, resolve: async () => [{ address: '127.0.0.2', family: 4 }] }),
        (e: unknown) => e instanceof AddressNotAllowedError && e.kind === 'loopback' && ['127.0.0.2', '::ffff:7f00:2'].includes(e.address),
      );
      assert.equal(publicHits.length, 1, 'the first hop was fetched');
      assert.equal(internalHits, 0, 'the redirect target was never contacted');
    });
  }

  it('refuses a host when any of its addresses is not allowed', async () => {
    await assert.rejects(safeFetchText(`http://mixed.test:${publicPort}/hello`, {
      allowAddress: isPublicAddress,
      resolve: async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }],
    }), (e: unknown) => e instanceof AddressNotAllowedError && e.address === '10.0.0.5');
  });

  it('connects to the address it checked, not to a second DNS answer (pinned lookup)', async () => {
    routes.set('/hello', (res) => res.end('pinned'));
    publicHits = [];
    let lookups = 0;
    // proof.test exists in no DNS: the only way to reach the server is the address our resolver returned.
    const answer = await safeFetchText(`http://proof.test:${publicPort}/hello`, {
      ...testPolicy,
      resolve: async () => { lookups += 1; return [{ address: '127.0.0.1', family: 4 }]; },
    });
    assert.equal(answer.body, 'pinned');
    assert.equal(lookups, 1);
    assert.deepEqual(publicHits, [`proof.test:${publicPort} /hello`]);
  });

  it('follows up to three redirects, each re-checked, and fails on the fourth', async () => {
    routes.set('/r1', (res) => res.writeHead(301, { location: '/r2' }).end());
    routes.set('/r2', (res) => res.writeHead(307, { location: `http://127.0.0.1:${publicPort}/r3` }).end());
    routes.set('/r3', (res) => res.writeHead(308, { location: '/end' }).end());
    routes.set('/r0', (res) => res.writeHead(302, { location: '/r1' }).end());
    routes.set('/end', (res) => res.end('arrived'));
    const answer = await safeFetchText(`http://127.0.0.1:${publicPort}/r1`, testPolicy);
    assert.equal(answer.body, 'arrived');
    assert.equal(answer.url, `http://127.0.0.1:${publicPort}/end`);
    await assert.rejects(safeFetchText(`http://127.0.0.1:${publicPort}/r0`, testPolicy), (e: unknown) => e instanceof FetchFailedError && /redirects/.test(e.message));
  });

  it('refuses redirects to other schemes', async () => {
    routes.set('/file', (res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    await assert.rejects(safeFetchText(`http://127.0.0.1:${publicPort}/file`, testPolicy), FetchFailedError);
  });

  it('reads at most maxBytes of a body', async () => {
    routes.set('/big', (res) => res.end('x'.repeat(200 * 1024)));
    const answer = await safeFetchText(`http://127.0.0.1:${publicPort}/big`, testPolicy);
    assert.equal(answer.truncated, true);
    assert.equal(answer.body.length, 64 * 1024);
  });

  it('gives up when the answer does not come within the timeout', async () => {
    routes.set('/slow', () => { /* never answers */ });
    await assert.rejects(
      safeFetchText(`http://127.0.0.1:${publicPort}/slow`, { ...testPolicy, timeoutMs: 200 }),
      (e: unknown) => e instanceof FetchFailedError && /within 200 ms/.test(e.message),
    );
  });

  it('reports a refused connection as a fetch failure', async () => {
    const closed = http.createServer();
    const port = await listen(closed, '127.0.0.1');
    await new Promise((r) => closed.close(r));
    await assert.rejects(safeFetchText(`http://127.0.0.1:${port}/`, testPolicy), FetchFailedError);
  });
});

function listen(server: http.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}
