/* examples/node-app (the CLI built on the SDK) against the real server: it must keep working. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '@flattr/server/testing';

const cli = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'examples', 'node-app', 'flattr-cli.mjs');
let server: TestServer;
let home: string;

before(async () => {
  server = await startTestServer({ env: { DEMO_TOPUP: 'true' } });
  home = mkdtempSync(path.join(tmpdir(), 'flattr-cli-'));
});
after(async () => {
  await server?.close();
  rmSync(home, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], {
      env: { ...process.env, FLATTR_API: server.url, FLATTR_SESSION_FILE: path.join(home, 'session.json') },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('examples/node-app: flattr-cli', () => {
  it('tells a signed-out user to sign in', async () => {
    const result = await run('me');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /unauthorized.*sign in first/);
  });

  it('signs up, funds, budgets, flattrs and lists, keeping the session in its file', async () => {
    assert.match((await run('signup', 'cli@example.test', 'correct horse battery staple', 'Cli')).stdout, /Signed up and signed in as cli@example\.test/);
    assert.equal(statSync(path.join(home, 'session.json')).mode & 0o777, 0o600);
    assert.match((await run('topup', '1000')).stdout, /Available 10\.00 EUR/);
    assert.match((await run('budget', '500')).stdout, /Monthly budget: 5\.00 EUR/);
    assert.match((await run('flattr', 'https://blog.example/posts/hello', 'Hello')).stdout, /^Flattred: Hello/);
    assert.match((await run('flattr', 'https://blog.example/posts/hello')).stdout, /^Already flattred this month/);
    assert.match((await run('flattrs')).stdout, /^1 flattr\(s\) in \d{4}-\d{2}\n .*https:\/\/blog\.example\/posts\/hello/);
    const counts = (await run('counts', 'https://blog.example/posts/hello', 'https://blog.example/none')).stdout;
    assert.match(counts, /^\s+1  https:\/\/blog\.example\/posts\/hello\n\s+0  https:\/\/blog\.example\/none/);
  });

  it('reports the server\'s error code', async () => {
    const result = await run('budget', '-5');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^flattr-cli: validation_failed/);
  });

  it('signs out', async () => {
    assert.match((await run('logout')).stdout, /Signed out/);
    assert.equal((await run('me')).code, 1);
  });
});
