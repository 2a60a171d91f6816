import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readMetaProof, readWellKnownProof } from '../src/sites/proof.js';

const me = '65a1b2c3d4e5f60718293a4b';
const other = '0123456789abcdef01234567';

describe('reading a site\'s proof', () => {
  it('finds the user among the id lines of /.well-known/flattr', () => {
    assert.deepEqual(readWellKnownProof(`${me}\n`, me), { kind: 'match' });
    assert.deepEqual(readWellKnownProof(`# owners\r\n${other}\r\n  ${me.toUpperCase()}  # me\r\n`, me), { kind: 'match' });
    assert.deepEqual(readWellKnownProof(`${other}\n`, me), { kind: 'mismatch', found: [other] });
  });

  it('sees no proof in a file without id lines (e.g. a site answering every path with HTML)', () => {
    assert.deepEqual(readWellKnownProof('', me), { kind: 'absent' });
    assert.deepEqual(readWellKnownProof('<!doctype html>\n<html><body>Not found</body></html>', me), { kind: 'absent' });
    assert.deepEqual(readWellKnownProof(`# ${me}\n`, me), { kind: 'absent' }, 'a commented-out id does not count');
    assert.deepEqual(readWellKnownProof(`owner: ${me}\n`, me), { kind: 'absent' });
  });

  it('reads <meta name="flattr:owner"> in any attribute order, quoting and case', () => {
    for (const tag of [
      `<meta name="flattr:owner" content="${me}">`,
      `<meta content='${me}' name='flattr:owner' />`,
      `<META NAME=flattr:owner CONTENT=${me}>`,
      `<meta\n  name="FLATTR:OWNER"\n  content=" ${me} ">`,
    ]) {
      assert.deepEqual(readMetaProof(`<html><head><title>x</title>${tag}</head></html>`, me), { kind: 'match' }, tag);
    }
  });

  it('tells a tag for someone else from no tag', () => {
    assert.deepEqual(readMetaProof(`<meta name="flattr:owner" content="${other}">`, me), { kind: 'mismatch', found: [other] });
    assert.deepEqual(readMetaProof('<meta name="description" content="flattr:owner">', me), { kind: 'absent' });
    assert.deepEqual(readMetaProof(`<meta name="flattr:owner">`, me), { kind: 'absent' });
    assert.deepEqual(readMetaProof(`<p>&lt;meta name="flattr:owner" content="${me}"&gt;</p>`, me), { kind: 'absent' });
  });

  it('accepts the proof when one of several tags names the user', () => {
    const html = `<meta name="flattr:owner" content="${other}"><meta name="flattr:owner" content="${me}">`;
    assert.deepEqual(readMetaProof(html, me), { kind: 'match' });
  });
});
