import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { insertManyReportingDuplicates } from '../db/insert-many.js';
import { readAhead } from '../db/read-ahead.js';
import { accounts, prepareEntry, settleMany, JOURNAL, type JournalEntry, type Settlement } from '../money/index.js';
import { ESCROW, type EscrowView } from '../sites/index.js';
import { addCredits } from './apply-stage.js';
import { computeReaderShares, decodeShares, encodeShares, type ReaderShares } from './compute-shares.js';
import { distEntryId, report, save, type StageFn } from './run-context.js';
import type { DistributionRun } from './run-doc.js';
import { OwnerMap, readerClicks, snapshotFunds, stepId, withFunds, type Funds, type ReaderClicks, type ReaderWithFunds } from './sources.js';

/**
 * Streams the clicks per reader (sorted, from the checkpoint) beside the
 * snapshot and writes, per batch of readers: the `dist:` entries (state
 * `run`), the escrow documents, then settles each snapshotted reader's
 * reservation (the contribution leaves with the entry, the rest is
 * spendable again; a user who clicked nothing gets it all back). The
 * credits (creators, fees, escrow accounts) are summed for the apply stage.
 * A batch interrupted by a crash is written again: entries and escrow docs
 * keep their ids, an entry found stored is used as stored, and a settled
 * reservation is gone, so it cannot be settled twice.
 */
export const writeStage: StageFn = async (ctx, run, options, memory) => {
  const period = run._id;
  const after = run.checkpoint.readerId;
  const owners = await OwnerMap.load(ctx.db);
  const writer = new BatchWriter(ctx, run, owners);
  const fundsBefore = run.progress.fundsDone;
  let batch: ReaderWithFunds[] = [];
  const flush = async () => {
    await writer.write(batch, fundsBefore + batch[batch.length - 1]!.fundsPassed);
    report(run, options);
    batch = [];
  };
  const batchReaders = options.batchReaders ?? 500;
  const stream = withFunds(readerClicks(ctx.db, period, run.snapshotAt!, after), snapshotFunds(ctx.db, period, after));
  // One batch ahead: the database prepares the next part of the stream while this batch is written.
  for await (const pair of readAhead(stream, batchReaders)) {
    batch.push(pair);
    if (batch.length >= batchReaders) await flush();
  }
  if (batch.length > 0) await flush();
  // A stage resumed after a checkpoint saw only the later clicks: mark the earlier ones' things too.
  if (after !== null) await markClickedThings(ctx, run, owners);
  run.totals.things = owners.clickedThings;
  run.progress.clicksTotal = run.totals.clicks;
  // Users snapshotted after the last reader with clicks are passed too: the bar ends full.
  run.progress.fundsDone = run.progress.usersSnapshotted;
  await save(ctx, run, { 'totals.things': run.totals.things, 'progress.clicksTotal': run.progress.clicksTotal, 'progress.fundsDone': run.progress.fundsDone });
  memory.credits = after === null ? writer.credits : null;
  return 'apply';
};

class BatchWriter {
  /** Credits per account over every batch this writer wrote (complete only if it wrote them all). */
  readonly credits = new Map<string, number>();

  constructor(private readonly ctx: ServerContext, private readonly run: DistributionRun, private readonly owners: OwnerMap) {}

  async write(batch: ReaderWithFunds[], fundsDone: number): Promise<void> {
    const { ctx, run, owners } = this;
    const period = run._id;
    await owners.ensure(batch.flatMap((p) => p.reader?.thingIds ?? []));
    const computed: JournalEntry[] = [];
    const unpaid: string[] = [];
    for (const { reader, funds } of batch) {
      if (!reader) continue;
      const result = sharesOfReader(period, { reader, funds }, owners, run.feeBps);
      if (result.contribution === 0) {
        // Funds but nothing to pay: every thing is the reader's own now. Before a crash it may not have been.
        if (funds) unpaid.push(distEntryId(period, reader.readerId));
        continue;
      }
      computed.push(prepareEntry({
        _id: distEntryId(period, reader.readerId),
        kind: 'distribution',
        period,
        postings: result.postings,
        memo: `${period}: contribution of reader ${reader.readerId} over ${result.shares.length} things`,
        meta: { readerId: reader.readerId, contribution: result.contribution, shares: encodeShares(result.shares) },
      }, 'run'));
    }
    const entries = await this.insertEntries(computed, unpaid);

    const totals = run.totals;
    const escrow: EscrowView[] = [];
    const settlements: Settlement[] = [];
    for (const { reader, funds } of batch) {
      if (!reader) {
        settlements.push({ account: accounts.user(funds!.userId), reserved: funds!.contribution, contribution: 0 });
        continue;
      }
      totals.readers += 1;
      totals.clicks += reader.thingIds.length;
      const entry = entries.get(distEntryId(period, reader.readerId));
      if (funds) settlements.push({ account: accounts.user(reader.readerId), reserved: funds.contribution, contribution: entry ? Number(entry.meta!.contribution) : 0 });
      if (!entry) continue;
      const contribution = Number(entry.meta!.contribution);
      totals.payingReaders += 1;
      totals.contributed += contribution;
      for (const share of decodeShares(entry.meta!.shares)) {
        if (share.ownerId !== null) {
          totals.fees += share.fee;
          totals.toCreators += share.amount - share.fee;
        } else if (share.amount > 0) {
          totals.toEscrow += share.amount;
          escrow.push({
            _id: `${period}:${reader.readerId}:${share.thingId}`,
            period,
            readerId: ObjectId.createFromHexString(reader.readerId),
            thingId: ObjectId.createFromHexString(share.thingId),
            amount: share.amount,
            state: 'held',
            releaseTo: null,
            claimedAt: null,
            settledAt: null,
          });
        }
      }
      addCredits(this.credits, entry);
    }
    // Journal first (above): an escrow doc or a settled reservation must never exist without the entry behind it.
    await insertManyReportingDuplicates(ctx.db.collection<EscrowView>(ESCROW), escrow);
    await settleMany(ctx.db, period, settlements);
    run.checkpoint.readerId = stepId(batch[batch.length - 1]!);
    run.progress.readersDone = totals.readers;
    run.progress.clicksDone = totals.clicks;
    run.progress.fundsDone = fundsDone;
    await save(ctx, run, { 'checkpoint.readerId': run.checkpoint.readerId, totals, progress: run.progress });
  }

  /**
   * Inserts the batch's entries; any that exist already (written before a
   * crash) are read back and used as stored, so that an owner who verified
   * in between cannot make the resumed run differ from what it wrote.
   * `unpaid`: entries not computed this time that may have been written then.
   */
  private async insertEntries(computed: JournalEntry[], unpaid: string[]): Promise<Map<string, JournalEntry>> {
    const journal = this.ctx.db.collection<JournalEntry>(JOURNAL);
    const entries = new Map(computed.map((e) => [e._id, e]));
    for (const id of unpaid) {
      const stored = await journal.findOne({ _id: id });
      if (stored) entries.set(id, stored);
    }
    for (const index of await insertManyReportingDuplicates(journal, computed)) {
      const id = computed[index]!._id;
      const stored = await journal.findOne({ _id: id });
      if (!stored || stored.kind !== 'distribution') throw new Error(`journal id ${id} is taken by something else than its distribution entry`);
      entries.set(id, stored);
    }
    return entries;
  }
}

/**
 * The money rule applied to one reader of the stream, with the things'
 * owners as `owners` knows them (call `owners.ensure` for the batch first);
 * also marks the reader's things clicked. The run and the dry run both call it.
 */
export function sharesOfReader(period: string, { reader, funds }: { reader: ReaderClicks; funds: Funds | null }, owners: OwnerMap, feeBps: number): ReaderShares {
  for (const thingId of reader.thingIds) owners.markClicked(thingId);
  // The contribution is fixed by the snapshot (the reservation): min(budget, available) of it is itself.
  return computeReaderShares({
    period,
    readerId: reader.readerId,
    budget: funds?.contribution ?? 0,
    available: funds?.contribution ?? 0,
    things: reader.thingIds.map((thingId) => ({ thingId, ownerId: owners.owner(thingId) })),
    feeBps,
  });
}

/** Marks every thing clicked in the period (one scan of the clicks, after a resume only). */
async function markClickedThings(ctx: ServerContext, run: DistributionRun, owners: OwnerMap): Promise<void> {
  const cursor = collections.flattrs(ctx.db)
    .find({ period: run._id, createdAt: { $lte: run.snapshotAt! } }, { projection: { _id: 0, thingId: 1 } })
    .batchSize(5000);
  const ids: string[] = [];
  for await (const click of cursor) {
    ids.push(click.thingId.toHexString());
    if (ids.length >= 5000) await markAll(ids.splice(0));
  }
  await markAll(ids);
  async function markAll(batch: string[]) {
    await owners.ensure(batch);
    for (const id of batch) owners.markClicked(id);
  }
}
