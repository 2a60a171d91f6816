/*
 * What a podcast app calls: given a feed, find what to flattr, show counts,
 * flattr an episode. The real server reads a real feed served on loopback.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@flattr/server/testing';
import { FlattrClient, FlattrError } from '../../src/index.js';

let server: TestServer;
let feedHost: Server;
let feedOrigin: string;

function podcastFeed(api: string): string {
  const funding = (url: string, title: string) => `${api}/flattr?${new URLSearchParams({ url, title, creator: 'The hosts' })}`.replace(/&/g, '&amp;');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Workshop talk</title>
    <link>https://podcast.example/</link>
    <podcast:funding url="https://liberapay.example/hosts">Support us elsewhere</podcast:funding>
    <item>
      <title>Episode 2: glue</title>
      <link>https://podcast.example/2</link>
      <podcast:funding url="${funding('https://podcast.example/2', 'Episode 2: glue')}">Flattr this episode</podcast:funding>
      <enclosure url="https://podcast.example/2.mp3" length="1" type="audio/mpeg"/>
    </item>
    <item>
      <title>Episode 1: planes</title>
      <link>https://podcast.example/1</link>
      <atom:link rel="payment" href="${funding('https://podcast.example/1', 'Episode 1: planes')}"/>
    </item>
  </channel>
</rss>`;
}

before(async () => {
  server = await startTestServer();
  feedHost = createServer((req, res) => {
    if (req.url === '/feed.rss') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(podcastFeed(server.url));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => feedHost.listen(0, '127.0.0.1', resolve));
  feedOrigin = `http://127.0.0.1:${(feedHost.address() as AddressInfo).port}`;
});

after(async () => {
  feedHost?.closeAllConnections();
  feedHost?.close();
  await server?.close();
});

describe('things.discover: a podcast app finds what to flattr in a feed', () => {
  it('lists the episodes that name this service, flattrs one, and sees its count', async () => {
    const app = new FlattrClient({ baseUrl: server.url, timeoutMs: 20_000 });
    await app.auth.signup({ email: `listener-${Date.now()}@example.test`, password: 'correct horse battery staple', name: 'Listener' });

    const found = await app.things.discover(`${feedOrigin}/feed.rss`);
    assert.equal(found.kind, 'feed');
    assert.deepEqual(found.things.map((t) => [t.url, t.title, t.creator, t.source, t.count]), [
      ['https://podcast.example/2', 'Episode 2: glue', 'The hosts', 'podcast-funding', 0],
      ['https://podcast.example/1', 'Episode 1: planes', 'The hosts', 'atom-link', 0],
    ]);
    assert.equal(new URL(found.things[0]!.flattrUrl).origin, server.url);

    const { url, title, creator } = found.things[0]!;
    const flattred = await app.flattrs.create({ url, title, creator });
    assert.equal(flattred.status, 201);
    const again = await app.things.discover(`${feedOrigin}/feed.rss`);
    assert.deepEqual(again.things.map((t) => [t.thingId, t.count]), [[flattred.flattr.thingId, 1], [null, 0]]);
  });

  it('fails with the server\'s problem code for what it cannot read', async () => {
    const app = new FlattrClient({ baseUrl: server.url, timeoutMs: 20_000 });
    await app.auth.signup({ email: `listener-${Date.now()}-2@example.test`, password: 'correct horse battery staple', name: 'Listener' });
    await assert.rejects(app.things.discover(`${feedOrigin}/gone.rss`), (error: unknown) =>
      error instanceof FlattrError && error.status === 422 && error.code === 'fetch_failed');
  });
});
