/* The built package as users load it (`npm run build` first): exports map, CJS, ESM, the IIFE. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import vm from 'node:vm';

const root = path.resolve(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

describe('built package', () => {
  it('ESM entries load through the exports map', async () => {
    const main = await import('@flattr/sdk');
    const lite = await import('@flattr/sdk/lite');
    assert.equal(typeof main.FlattrClient, 'function');
    assert.equal(main.FlattrError, lite.FlattrError, 'one FlattrError class for both entries');
    assert.deepEqual(Object.keys(lite).sort(), ['FlattrError', 'confirmInWindow', 'confirmUrl', 'createCountsBatcher', 'createFlattr', 'openConfirmWindow', 'waitForConfirmResult']);
    const core = await import('@flattr/sdk/lite-core');
    assert.deepEqual(Object.keys(core).sort(), ['confirmUrl', 'countsBatcherWith', 'createCountsBatcher', 'createFlattr', 'flattrWith', 'httpError', 'openConfirmWindow', 'waitForConfirmResult']);
    // One confirm-window implementation: both entries hand out the same function.
    assert.equal(lite.waitForConfirmResult, core.waitForConfirmResult);
  });

  it('CJS entries load with require()', () => {
    const main = require('@flattr/sdk') as typeof import('@flattr/sdk');
    const node = require('@flattr/sdk/node') as typeof import('@flattr/sdk/node');
    assert.equal(typeof main.FlattrClient, 'function');
    assert.equal(typeof node.authorizeWithLoopback, 'function');
    const error = new main.FlattrError('x', { status: 0, code: 'network_error' });
    assert.equal(error.name, 'FlattrError');
  });

  it('the IIFE defines the global FlattrSDK and needs nothing from Node', () => {
    const source = readFileSync(path.join(root, 'dist', 'flattr-sdk.iife.js'), 'utf8');
    assert.ok(!/require\(|node:/.test(source), 'no Node imports in the browser bundle');
    const sandbox: Record<string, unknown> = { fetch: async () => new Response('{}'), URLSearchParams, AbortController, Response, crypto, TextEncoder, setTimeout, clearTimeout };
    sandbox.globalThis = sandbox;
    vm.runInNewContext(source, sandbox);
    const sdk = sandbox.FlattrSDK as typeof import('@flattr/sdk');
    assert.equal(typeof sdk.FlattrClient, 'function');
    assert.equal(new sdk.FlattrClient({ baseUrl: 'https://flattr.example/' }).baseUrl, 'https://flattr.example');
  });

  it('has no runtime dependencies and declares no side effects', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.equal(manifest.dependencies, undefined);
    assert.equal(manifest.sideEffects, false);
  });
});
