import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hostOf, normalizeUrl, InvalidUrlError } from '../src/things/index.js';

/** [as a page or button gives it, canonical form] */
const canonical: Array<[string, string]> = [
  // blogs and plain pages
  ['https://blog.example.com', 'https://blog.example.com/'],
  ['HTTPS://Blog.Example.COM/2024/05/hello-world/', 'https://blog.example.com/2024/05/hello-world/'],
  ['http://example.com:80/about', 'http://example.com/about'],
  ['https://example.com:443/about', 'https://example.com/about'],
  ['https://example.com:8443/about', 'https://example.com:8443/about'],
  ['http://example.com:443/', 'http://example.com:443/'],
  ['https://example.com/post#comments', 'https://example.com/post'],
  ['https://example.com/post#', 'https://example.com/post'],
  ['https://example.com/post?', 'https://example.com/post'],
  ['https://example.com/Post/With/Case', 'https://example.com/Post/With/Case'],
  ['  https://example.com/padded  ', 'https://example.com/padded'],
  ['https://wordpress.example.org/?p=123', 'https://wordpress.example.org/?p=123'],
  // YouTube, GitHub, podcasts, Medium
  ['https://www.youtube.com/watch?v=dQw4w9WgXcQ&utm_source=twitter&t=42s', 'https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s'],
  ['https://youtu.be/dQw4w9WgXcQ?si=abc&utm_medium=share', 'https://youtu.be/dQw4w9WgXcQ?si=abc'],
  ['https://GitHub.com/nodejs/node/blob/main/README.md#L10-L20', 'https://github.com/nodejs/node/blob/main/README.md'],
  ['https://github.com/lit/lit/issues?q=is%3Aopen+label%3Abug', 'https://github.com/lit/lit/issues?q=is%3Aopen+label%3Abug'],
  ['https://podcasts.example.fm/episodes/42.mp3?utm_campaign=feed', 'https://podcasts.example.fm/episodes/42.mp3'],
  ['https://feeds.example.fm/show/episode-7/?ref=rss&utm_source=overcast', 'https://feeds.example.fm/show/episode-7/?ref=rss'],
  ['https://medium.com/@writer/a-story-1a2b3c4d5e6f?source=rss----1&utm_content=x', 'https://medium.com/@writer/a-story-1a2b3c4d5e6f?source=rss----1'],
  // utm mixes: any case, any position, with or without a value, encoded keys
  ['https://example.com/?utm_source=a&utm_medium=b&utm_campaign=c', 'https://example.com/'],
  ['https://example.com/a?UTM_Source=x&page=2&Utm_Term=y&sort=asc', 'https://example.com/a?page=2&sort=asc'],
  ['https://example.com/a?b=2&a=1&utm_id', 'https://example.com/a?b=2&a=1'],
  ['https://example.com/a?utm%5Fsource=x&q=1', 'https://example.com/a?q=1'],
  ['https://example.com/a?utmsource=keep&xutm_source=keep', 'https://example.com/a?utmsource=keep&xutm_source=keep'],
  ['https://example.com/a?flag&&empty=&q=1', 'https://example.com/a?flag&empty=&q=1'],
  ['https://example.com/search?q=a%20b&q=c+d', 'https://example.com/search?q=a%20b&q=c+d'],
  // unicode paths, IDN hosts, escapes
  ['https://example.com/café', 'https://example.com/caf%C3%A9'],
  ['https://example.com/caf%c3%a9', 'https://example.com/caf%C3%A9'],
  ['https://example.com/wiki/Ünïcödé?q=ü', 'https://example.com/wiki/%C3%9Cn%C3%AFc%C3%B6d%C3%A9?q=%C3%BC'],
  ['https://bücher.de/neu', 'https://xn--bcher-kva.de/neu'],
  ['https://MÜNCHEN.de', 'https://xn--mnchen-3ya.de/'],
  ['https://例え.jp/テスト', 'https://xn--r8jz45g.jp/%E3%83%86%E3%82%B9%E3%83%88'],
  ['https://example.com/a b', 'https://example.com/a%20b'],
  // IP hosts and ports
  ['http://[2001:DB8:0:0::1]:8080/feed', 'http://[2001:db8::1]:8080/feed'],
  ['https://[::1]:443/', 'https://[::1]/'],
  ['http://192.168.0.10:3000/x', 'http://192.168.0.10:3000/x'],
  ['http://127.0.0.1', 'http://127.0.0.1/'],
  // trailing dot host
  ['https://example.com./post', 'https://example.com/post'],
  ['http://Example.COM.:80/', 'http://example.com/'],
];

const rejected: string[] = [
  '',
  '   ',
  'example.com/post',
  '/relative/path',
  '//example.com/protocol-relative',
  'ftp://example.com/file',
  'mailto:someone@example.com',
  'javascript:alert(1)',
  'data:text/html,hi',
  'file:///etc/passwd',
  'https://user:secret@example.com/',
  'https://user@example.com/',
  'https://a..b/',
  'https://./',
  'http://exa mple.com/',
  'https://[::1/',
  'https:///path',
  'http:///x/y',
  'https:/example.com/one-slash',
  'https:\\\\example.com/backslashes',
  'https:example.com/no-slashes',
  'https:/\\example.com/',
  `https://example.com/${'a'.repeat(2100)}`,
];

describe('URL normalisation', () => {
  for (const [input, expected] of canonical) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(normalizeUrl(input), expected);
    });
  }

  it('is idempotent: a canonical URL is its own canonical form', () => {
    for (const [, expected] of canonical) assert.equal(normalizeUrl(expected), expected);
  });

  for (const input of rejected) {
    it(`rejects ${JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}…` : input)} with invalid_url`, () => {
      assert.throws(() => normalizeUrl(input), (error: unknown) => {
        assert.ok(error instanceof InvalidUrlError);
        assert.equal(error.status, 400);
        assert.equal(error.code, 'invalid_url');
        return true;
      });
    });
  }

  it('either refuses with invalid_url or gives a canonical form that is its own canonical form (any string)', () => {
    fc.assert(fc.property(fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.webUrl({ withFragments: true, withQueryParameters: true }),
      fc.tuple(fc.constantFrom('http://', 'HTTPS://', 'https://[', 'http://a.', 'https://x.com:'), fc.string({ unit: 'grapheme' })).map(([a, b]) => a + b),
    ), (input) => {
      let output: string;
      try {
        output = normalizeUrl(input);
      } catch (error) {
        return error instanceof InvalidUrlError;
      }
      return normalizeUrl(output) === output && !output.includes('#') && /^https?:\/\/[^/@]+\//.test(output);
    }), { numRuns: 2000 });
  });

  it('drops every utm_ parameter and keeps the others in order (generated queries)', () => {
    const key = fc.oneof(fc.constantFrom('utm_source', 'UTM_Medium', 'utm_campaign'), fc.stringMatching(/^[a-tv-z][a-z0-9]{0,6}$/));
    fc.assert(fc.property(fc.array(fc.tuple(key, fc.stringMatching(/^[a-z0-9]{0,5}$/)), { maxLength: 8 }), (pairs) => {
      const query = pairs.map(([k, v]) => `${k}=${v}`).join('&');
      const kept = pairs.filter(([k]) => !k.toLowerCase().startsWith('utm_')).map(([k, v]) => `${k}=${v}`).join('&');
      return normalizeUrl(`https://example.com/p?${query}`) === `https://example.com/p${kept ? `?${kept}` : ''}`;
    }), { numRuns: 500 });
  });

  it('gives the host with its non-default port, for site ownership', () => {
    assert.equal(hostOf(normalizeUrl('https://Blog.Example.com/x')), 'blog.example.com');
    assert.equal(hostOf(normalizeUrl('http://127.0.0.1:4000/x')), '127.0.0.1:4000');
    assert.equal(hostOf(normalizeUrl('https://bücher.de/')), 'xn--bcher-kva.de');
  });
});
