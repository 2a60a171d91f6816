import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { startLocalDatabase, type LocalDatabase } from '../src/localdb/index.js';

const serverDir = path.resolve(import.meta.dirname, '..');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/flattr-server.mjs', ...args], {
      cwd: serverDir,
      env: { ...process.env, MONGODB_URI: uri, MONGODB_DB: dbName, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let uri: string;
let local: LocalDatabase | undefined;
let client: MongoClient;
const dbName = `cli_${randomBytes(5).toString('hex')}`;

describe('flattr-server CLI', () => {
  before(async () => {
    uri = process.env.MONGODB_URI ?? '';
    if (!uri) {
      local = await startLocalDatabase();
      uri = local.uri;
    }
    client = new MongoClient(uri);
    await client.connect();
  });
  after(async () => {
    await client.db(dbName).dropDatabase().catch(() => {});
    await client.close();
    await local?.stop();
  });

  it('has --help for every command', async () => {
    const commands = [['--help'], ['serve', '--help'], ['distribute', '--help'], ['ledger', 'verify', '--help'], ['admin', 'create', '--help'], ['seed', '--help'], ['ledger', 'rebuild', '--help'], ['things', 'recount', '--help']];
    // Side by side: each is a process of its own that reads nothing and writes nothing.
    const answers = await Promise.all(commands.map((args) => run(args)));
    commands.forEach((args, i) => {
      assert.equal(answers[i]!.code, 0, args.join(' '));
      assert.match(answers[i]!.stdout, /Usage: flattr-server/);
    });
  });

  it('refuses a malformed period and a period that has not ended, in one line without a stack trace', async () => {
    const now = new Date();
    const current = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const [bad, running] = await Promise.all([run(['distribute', '--period', '2026-13']), run(['distribute', '--period', current])]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /not a month like 2026-11/);
    assert.equal(running.code, 4);
    assert.match(running.stderr, /^flattr-server: .*has not ended yet/);
    assert.doesNotMatch(running.stderr, /\n\s+at /);
  });

  it('says in one line when the database cannot be reached', async () => {
    // Not the default 5 s of waiting: the URI's own timeout counts (db/connect.ts).
    const res = await run(['ledger', 'verify'], { MONGODB_URI: 'mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300' });
    assert.equal(res.code, 5);
    assert.match(res.stderr, /^flattr-server: cannot reach the database at mongodb:\/\/127\.0\.0\.1:9\/\?serverSelectionTimeoutMS=300 \(/);
    assert.equal(res.stderr.trim().split('\n').length, 1);
  });

  it('seeds, dry-runs without writing, distributes with a summary, and verifies the ledger', async () => {
    const seeded = await run(['seed', '--readers', '30', '--clicks', '120', '--period', '2026-04', '--seed', 'cli']);
    assert.equal(seeded.code, 0, seeded.stderr);
    assert.match(seeded.stdout, /Seeded 2026-04: 30 readers/);
    const db = client.db(dbName);
    const count = async () => Promise.all(['journal', 'balances', 'distributions', 'distribution_snapshots', 'escrow'].map((c) => db.collection(c).countDocuments()));
    const before = await count();

    const dry = await run(['distribute', '--period', '2026-04', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Dry run \(nothing written\)/);
    assert.deepEqual(await count(), before);

    const real = await run(['distribute', '--period', '2026-04']);
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /readers.*clicks.*things.*contributed.*fees.*to creators.*to escrow.*returned/s);
    assert.match(real.stdout, /Ledger after: ok/);
    // The dry run predicted exactly what the run did.
    const row = (out: string) => out.split('\n').filter((l) => /^│ \d/.test(l)).pop();
    assert.equal(row(dry.stdout), row(real.stdout));

    const again = await run(['distribute', '--period', '2026-04']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already distributed/);

    const verify = await run(['ledger', 'verify']);
    assert.equal(verify.code, 0, verify.stdout);
    assert.match(verify.stdout, /Ledger OK/);

    // A broken cached balance is a violation: exit code 1.
    await db.collection('balances').insertOne({ _id: 'user:broken' as never, amount: 5 });
    const broken = await run(['ledger', 'verify']);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /balance_mismatch/);
    await db.collection('balances').deleteOne({ _id: 'user:broken' as never });
  });

  it('finishes what a crashed writer left with ledger repair (leases respected unless --take-over)', async () => {
    const db = client.db(dbName);
    const entry = (id: string, leaseUntil: Date) => ({ _id: id as never, kind: 'deposit', state: 'pending', createdAt: new Date(), leaseUntil,
      postings: [{ account: 'external:deposits', amount: -5 }, { account: `user:${id}`, amount: 5 }] });
    await db.collection('journal').insertMany([entry('repair-stale', new Date(Date.now() - 3_600_000)), entry('repair-live', new Date(Date.now() + 3_600_000))]);
    const first = await run(['ledger', 'repair']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Finished 1 interrupted entry/);
    assert.equal((await db.collection('balances').findOne({ _id: 'user:repair-stale' as never }))?.amount, 5);
    assert.equal(await db.collection('balances').findOne({ _id: 'user:repair-live' as never }), null, 'a writer presumed alive keeps its entry');
    const forced = await run(['ledger', 'repair', '--take-over']);
    assert.match(forced.stdout, /Finished 1 interrupted entry/);
    const verify = await run(['ledger', 'verify']);
    assert.equal(verify.code, 0, verify.stdout);
  });

  it('creates an admin', async () => {
    const res = await run(['admin', 'create', '--email', 'Ops@Example.test', '--password', 'a long enough password']);
    assert.equal(res.code, 0, res.stderr);
    const user = await client.db(dbName).collection('users').findOne({ email: 'ops@example.test' });
    assert.ok(user?.roles.includes('admin'));
  });

  it('refuses to distribute over balances that differ from the journal, rebuilds them from the journal, and recounts things', async () => {
    const db = client.db(dbName);
    const wallet = (await db.collection('balances').findOne({ _id: { $regex: '^user:' } as never, amount: { $gt: 10 } }))!;
    const fees = (await db.collection('balances').findOne({ _id: 'platform:fees' as never }))!;
    // A wallet that lost 5 of a credit, and an account whose document is gone.
    await db.collection('balances').updateOne({ _id: wallet._id }, { $inc: { amount: -5 } });
    await db.collection('balances').deleteOne({ _id: 'platform:fees' as never });

    const refused = await run(['distribute', '--period', '2026-03', '--no-progress']);
    assert.equal(refused.code, 6, refused.stderr);
    assert.match(refused.stderr, /^flattr-server: the ledger check before the run found 2 cached balance\(s\) that differ from the journal .*flattr-server ledger rebuild/);
    assert.equal(await db.collection('distributions').countDocuments({ _id: '2026-03' as never }), 0, 'no run was started');

    // Not while a writer is at work: nothing changes.
    await db.collection('journal').insertOne({ _id: 'rebuild-busy' as never, kind: 'deposit', state: 'pending', createdAt: new Date(),
      leaseUntil: new Date(Date.now() + 3_600_000), postings: [{ account: 'external:deposits', amount: -5 }, { account: 'user:rebuild-busy', amount: 5 }] });
    const busy = await run(['ledger', 'rebuild']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /rebuild-busy is pending/);
    assert.equal((await db.collection('balances').findOne({ _id: wallet._id }))!.amount, wallet.amount - 5);
    await db.collection('journal').deleteOne({ _id: 'rebuild-busy' as never });

    const rebuilt = await run(['ledger', 'rebuild']);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.ok(rebuilt.stdout.includes(`${wallet._id}: ${wallet.amount - 5} -> ${wallet.amount}`), rebuilt.stdout);
    assert.ok(rebuilt.stdout.includes(`platform:fees: (none) -> ${fees.amount}`), rebuilt.stdout);
    assert.match(rebuilt.stdout, /: 2 changed\./);
    assert.equal((await db.collection('balances').findOne({ _id: wallet._id }))!.amount, wallet.amount);
    assert.equal((await run(['ledger', 'verify'])).code, 0);
    const again = await run(['ledger', 'rebuild']);
    assert.match(again.stdout, /: 0 changed\./);
    const distributed = await run(['distribute', '--period', '2026-03', '--no-progress']);
    assert.equal(distributed.code, 0, distributed.stderr);

    // A click's count left one off (a crash between the flattr's insert and its $inc).
    const thing = (await db.collection('things').findOne({ flattrCount: { $gt: 0 } }))!;
    await db.collection('things').updateOne({ _id: thing._id }, { $inc: { flattrCount: 1 } });
    const recount = await run(['things', 'recount']);
    assert.equal(recount.code, 0, recount.stderr);
    assert.ok(recount.stdout.includes(`${thing._id.toHexString()}: ${thing.flattrCount + 1} -> ${thing.flattrCount}`), recount.stdout);
    assert.match(recount.stdout, /: 1 changed, 0 skipped\./);
    assert.equal((await db.collection('things').findOne({ _id: thing._id }))!.flattrCount, thing.flattrCount);
    const one = await run(['things', 'recount', '--thing', thing._id.toHexString()]);
    assert.equal(one.stdout.trim(), `${thing._id.toHexString()}: ${thing.flattrCount} flattr(s)`);
    assert.equal((await run(['things', 'recount', '--thing', 'nope'])).code, 2);
  });
});
