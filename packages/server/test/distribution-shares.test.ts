import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeReaderShares, type ClickedThing } from '../src/distribution/compute-shares.js';

const reader = 'a00000000000000000000001';
const owner = 'c00000000000000000000001';
const thing = (i: number, ownerId: string | null = owner): ClickedThing => ({ thingId: `f0000000000000000000000${i}`, ownerId });
const month = (over: Partial<Parameters<typeof computeReaderShares>[0]>) =>
  computeReaderShares({ period: '2026-11', readerId: reader, budget: 1000, available: 1000, things: [thing(1)], feeBps: 1000, ...over });

describe('distribution: a reader\'s month (table)', () => {
  it('splits 1 cent over 3 things: one thing gets it, two get 0, nothing is lost', () => {
    const r = month({ budget: 1, available: 1, things: [thing(1), thing(2), thing(3)] });
    assert.deepEqual(r.shares.map((s) => s.amount).sort(), [0, 0, 1]);
    assert.equal(r.fees, 0);
    assert.equal(r.toCreators, 1);
    assert.deepEqual(r.postings, [{ account: `user:${reader}`, amount: -1 }, { account: `user:${owner}`, amount: 1 }]);
  });

  it('gives the balance when the budget is larger', () => {
    const r = month({ budget: 5000, available: 300, things: [thing(1), thing(2)] });
    assert.equal(r.contribution, 300);
    assert.deepEqual(r.shares.map((s) => s.amount), [150, 150]);
  });

  it('takes nothing from a zero or negative balance', () => {
    for (const available of [0, -50]) {
      const r = month({ available });
      assert.equal(r.contribution, 0);
      assert.deepEqual(r.postings, []);
    }
  });

  it('takes nothing from a reader whose only click is on their own thing', () => {
    const r = month({ things: [thing(1, reader)] });
    assert.equal(r.contribution, 0);
    assert.deepEqual(r.shares, []);
  });

  it('takes nothing from a reader without clicks', () => {
    assert.equal(month({ things: [] }).contribution, 0);
  });

  it('puts every share of unowned things in escrow, gross, without a fee', () => {
    const r = month({ budget: 1000, things: [thing(1, null), thing(2, null)] });
    assert.equal(r.toEscrow, 1000);
    assert.equal(r.fees, 0);
    assert.deepEqual(r.postings.slice(1).map((p) => p.account).sort(), [`escrow:${thing(1).thingId}`, `escrow:${thing(2).thingId}`]);
  });

  it('rounds the fee down per share: 1-cent shares pay no fee at 10%, the creator keeps the cent', () => {
    const r = month({ budget: 3, available: 3, things: [thing(1), thing(2), thing(3)], feeBps: 1000 });
    assert.ok(r.shares.every((s) => s.amount === 1 && s.fee === 0));
    assert.equal(r.toCreators, 3);
    const full = month({ budget: 3, available: 3, things: [thing(1), thing(2), thing(3)], feeBps: 10_000 });
    assert.equal(full.fees, 3);
    assert.equal(full.toCreators, 0);
    assert.deepEqual(full.postings, [{ account: `user:${reader}`, amount: -3 }, { account: 'platform:fees', amount: 3 }]);
  });

  it('aggregates the shares of one owner into one posting', () => {
    const r = month({ budget: 1000, things: [thing(1), thing(2)], feeBps: 1000 });
    assert.deepEqual(r.postings, [
      { account: `user:${reader}`, amount: -1000 },
      { account: `user:${owner}`, amount: 900 },
      { account: 'platform:fees', amount: 100 },
    ]);
  });

  it('hands the extra cent to different things for different readers (seeded by period and reader)', () => {
    const things = [thing(1), thing(2)];
    const winners = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = computeReaderShares({ period: '2026-11', readerId: `a0000000000000000000${String(i).padStart(4, '0')}`, budget: 3, available: 3, things, feeBps: 0 });
      winners.add(r.shares.find((s) => s.amount === 2)!.thingId);
    }
    assert.equal(winners.size, 2);
  });
});
