import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { computeEscrowRelease, computeEscrowReturn, computeReaderShares } from '../src/distribution/compute-shares.js';
import type { Posting } from '../src/money/index.js';

const MONTHS = 10_000;
const hex = (prefix: string, i: number) => `${prefix}${String(i).padStart(24 - prefix.length, '0')}`;

/** A random month: readers with budgets, balances (also negative or zero) and clicks; things owned or not; a fee rate. */
const monthArbitrary = fc.record({
  feeBps: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(0, 1000, 10_000)),
  releaseFeeBps: fc.integer({ min: 0, max: 10_000 }),
  owners: fc.array(fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }), { minLength: 1, maxLength: 8 }),
  readers: fc.array(fc.record({
    budget: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 10_000_000 })),
    available: fc.oneof(fc.integer({ min: -500, max: 5000 }), fc.integer({ min: 0, max: 10_000_000 })),
    clicks: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 10 }),
    /** What happens to this reader's escrowed shares later. */
    escrowFate: fc.constantFrom('release', 'return'),
  }), { minLength: 1, maxLength: 6 }),
});

function apply(ledger: Map<string, number>, postings: Posting[]): void {
  let sum = 0;
  for (const p of postings) {
    assert.ok(Number.isSafeInteger(p.amount));
    sum += p.amount;
    ledger.set(p.account, (ledger.get(p.account) ?? 0) + p.amount);
  }
  assert.equal(sum, 0, 'every entry sums to zero');
}

describe('distribution arithmetic (property, fast-check)', () => {
  it(`conserves money to the cent over ${MONTHS} random months`, () => {
    fc.assert(fc.property(monthArbitrary, (month) => {
      const period = '2026-11';
      const ledger = new Map<string, number>();
      // Creators are users 0..5; readers are other users. Reader 0 may also own things (ownership changed after the click).
      const ownerIds = month.owners.map((o) => (o === null ? null : hex('c', o)));
      const things = ownerIds.map((ownerId, i) => ({ thingId: hex('f', i), ownerId }));
      let contributed = 0;
      let distributed = 0;
      const escrowed: Array<{ thingId: string; readerId: string; amount: number; fate: string }> = [];
      month.readers.forEach((reader, r) => {
        const readerId = r === 0 && ownerIds[0] ? ownerIds[0] : hex('a', r);
        const clicked = [...new Set(reader.clicks.filter((c) => c < things.length))].map((c) => things[c]!);
        const result = computeReaderShares({ period, readerId, budget: reader.budget, available: reader.available, things: clicked, feeBps: month.feeBps });
        const payable = clicked.filter((t) => t.ownerId !== readerId);
        const expected = payable.length === 0 ? 0 : Math.min(reader.budget, Math.max(0, reader.available));
        assert.equal(result.contribution, expected, 'contribution = min(budget, available), 0 without things to pay');
        assert.equal(result.shares.length, payable.length, 'one share per distinct payable thing');
        const n = payable.length;
        for (const share of result.shares) {
          const floor = Math.floor(expected / n);
          assert.ok(share.amount === floor || share.amount === floor + 1, 'every share is floor(C/n) or one more');
          assert.equal(share.fee, share.ownerId === null ? 0 : Math.floor((share.amount * month.feeBps) / 10_000));
          assert.ok(share.fee <= share.amount);
          assert.notEqual(share.ownerId, readerId, 'a reader never pays themselves');
          if (share.ownerId === null && share.amount > 0) escrowed.push({ thingId: share.thingId, readerId, amount: share.amount, fate: reader.escrowFate });
        }
        assert.equal(result.shares.reduce((s, x) => s + x.amount, 0), result.contribution, 'shares add up to the contribution');
        assert.equal(result.fees + result.toCreators + result.toEscrow, result.contribution);
        assert.ok(result.postings.every((p) => p.amount !== 0), 'no zero postings');
        assert.equal(new Set(result.postings.map((p) => p.account)).size, result.postings.length, 'one posting per account');
        const readerPosting = result.postings.find((p) => p.account === `user:${readerId}`);
        assert.equal(readerPosting ? -readerPosting.amount : 0, result.contribution);
        if (reader.available >= 0) assert.ok(reader.available - result.contribution >= 0, 'a reader never goes below zero');
        ledger.set(`user:${readerId}`, (ledger.get(`user:${readerId}`) ?? 0) + Math.max(0, reader.available));
        apply(ledger, result.postings);
        contributed += result.contribution;
        distributed += result.fees + result.toCreators + result.toEscrow;
      });
      assert.equal(contributed, distributed);

      // Later: every escrowed share is either released to an owner or returned to its reader.
      const escrowBefore = [...ledger].filter(([a]) => a.startsWith('escrow:')).reduce((s, [, v]) => s + v, 0);
      assert.equal(escrowBefore, escrowed.reduce((s, e) => s + e.amount, 0), 'escrow accounts hold exactly the escrowed shares');
      let released = 0;
      let returned = 0;
      for (const e of escrowed) {
        if (e.fate === 'release') {
          const { fee, net, postings } = computeEscrowRelease({ thingId: e.thingId, ownerId: hex('c', 9), amount: e.amount, feeBps: month.releaseFeeBps });
          assert.equal(fee + net, e.amount);
          apply(ledger, postings);
          released += e.amount;
        } else {
          apply(ledger, computeEscrowReturn({ thingId: e.thingId, readerId: e.readerId, amount: e.amount }).postings);
          returned += e.amount;
        }
      }
      assert.equal(released + returned, escrowBefore, 'escrow + releases + returns balance out');
      for (const [account, amount] of ledger) {
        if (account.startsWith('escrow:')) assert.equal(amount, 0, `${account} is empty after settling`);
        assert.ok(amount >= 0, `${account} is not negative`);
      }
      const deposited = month.readers.reduce((s, r) => s + Math.max(0, r.available), 0);
      assert.equal([...ledger.values()].reduce((s, v) => s + v, 0), deposited, 'nothing created or lost');
    }), { numRuns: MONTHS });
  });
});
