import { expect } from '@open-wc/testing';
import { apiFromScript, findLoaderScript } from '../src/loader/index.js';
import { parseRev } from '../src/internal/legacy.js';

describe('loader script lookup', () => {
  const added: Element[] = [];
  const addScript = (attributes: Record<string, string>) => {
    // type=text/plain: present in the DOM like an async loader tag, never executed.
    const script = document.createElement('script');
    script.type = 'text/plain';
    for (const [name, value] of Object.entries(attributes)) script.setAttribute(name, value);
    document.head.append(script);
    added.push(script);
    return script;
  };
  afterEach(() => added.splice(0).forEach((s) => s.remove()));

  it('finds an async loader by its src (document.currentScript is null then)', () => {
    const script = addScript({ src: 'https://flattr.example/widget/v/abc123/flattr.js' });
    expect(document.currentScript).to.equal(null);
    expect(findLoaderScript()).to.equal(script);
  });

  it('prefers a script marked data-flattr-loader', () => {
    addScript({ src: 'https://flattr.example/widget/flattr.js' });
    const marked = addScript({ src: 'https://cdn.example/bundle.js', 'data-flattr-loader': '' });
    expect(findLoaderScript()).to.equal(marked);
  });

  it('takes the api from data-api, else the script’s own origin', () => {
    expect(apiFromScript(addScript({ src: 'https://flattr.example/widget/flattr.js', 'data-api': 'https://api.example' }))).to.equal('https://api.example');
    expect(apiFromScript(addScript({ src: 'https://flattr.example:8443/widget/flattr.js' }))).to.equal('https://flattr.example:8443');
    expect(apiFromScript(null)).to.equal(null);
  });

  it('parses the old rev vocabulary', () => {
    expect(parseRev('flattr;uid:alice;button:compact;category:text;tags:a,b;language:en_GB;hidden:1;')).to.deep.equal({
      uid: 'alice',
      button: 'compact',
      category: 'text',
      tags: 'a,b',
      language: 'en_GB',
      hidden: '1',
    });
    expect(parseRev('flattr; uid = bob ;unknown:x')).to.deep.equal({ uid: 'bob' });
    expect(parseRev(null)).to.deep.equal({});
  });
});
