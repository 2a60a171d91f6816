import { ObjectId } from 'mongodb';
import type { ServerContext } from '../context.js';
import { collections } from '../db/index.js';
import { ConflictError, isDuplicateKeyError } from '../errors/index.js';
import { verifyLedger, type LedgerReport } from '../ledger/index.js';
import {
  addMonths, hasEnded, parsePeriod, periodEnd, postEntries, postEntry, repairBalances, JOURNAL,
  type JournalEntry, type NewEntry,
} from '../money/index.js';
import { ESCROW, ESCROW_CLAIMS, finishRelease, type EscrowClaim, type EscrowView } from '../sites/index.js';
import { materializeSubscriptions } from '../subscriptions/index.js';
import { computeEscrowRelease, computeEscrowReturn, computeReaderShares, type Share } from './compute-shares.js';
import {
  acquireRun, markActive, runs, snapshots, toRunJson, zeroTotals,
  type DistributionRun, type RunJson, type SnapshotDoc, type Stage, type Totals,
} from './run-doc.js';
import { liveFunds, OwnerCache, readerClicks, snapshotFunds, withFunds, type Funds, type ReaderClicks } from './sources.js';

export interface ProgressView {
  period: string;
  stage: Stage;
  dryRun: boolean;
  readersDone: number;
  clicksDone: number;
  clicksTotal: number;
  totals: Totals;
}

export interface DistributeOptions {
  /** Compute and report without writing anything (no lock, no snapshot, no entries). */
  dryRun?: boolean;
  onProgress?: (view: ProgressView) => void;
  /** Readers per journal batch. */
  batchReaders?: number;
}

export interface DistributionOutcome {
  period: string;
  dryRun: boolean;
  totals: Totals;
  /** The run document (null for a dry run). */
  run: RunJson | null;
  ledgerBefore: LedgerReport | null;
  ledgerAfter: LedgerReport | null;
}

/** Thrown when another process took the run over: this one must stop writing. */
export class LostRunError extends Error {
  override name = 'LostRunError';
}

/** Validates a period for distribution: 400 when malformed, 409 `period_not_ended` while it runs. */
export function checkDistributable(ctx: ServerContext, value: string): string {
  const period = parsePeriod(value);
  if (!hasEnded(period, ctx.clock.now())) {
    throw new ConflictError(`${period} has not ended yet: it can be distributed from ${periodEnd(period).toISOString()}`, 'period_not_ended');
  }
  return period;
}

/**
 * Distributes a period (docs/money.md). Takes the period's lock (or resumes a
 * crashed run), then runs the stages snapshot → write → returns → finalize,
 * recording stage, checkpoint, progress and totals on the run document.
 *
 * Safe to run again at any moment, also after SIGKILL: every entry has a
 * deterministic id, contributions come from the stored snapshot, and the
 * work restarts at the last checkpoint, so the ledger ends up identical.
 */
export async function distributePeriod(ctx: ServerContext, value: string, options: DistributeOptions = {}): Promise<DistributionOutcome> {
  const period = checkDistributable(ctx, value);
  if (options.dryRun) return dryRun(ctx, period, options);
  const { run } = await acquireRun(ctx, period);
  return executeRun(ctx, run, options);
}

/**
 * For the admin endpoint: takes the lock now (so the answer says whether
 * this call started or resumed the run), then runs it in the background of
 * this server process. Failures are recorded on the run document.
 */
export async function startDistribution(ctx: ServerContext, value: string): Promise<{ run: RunJson; done: Promise<void> }> {
  const period = checkDistributable(ctx, value);
  const { run } = await acquireRun(ctx, period);
  markActive(period, true);
  const done = executeRun(ctx, run, {}).then(() => undefined, (error) => {
    ctx.log.error(`distribution of ${period} failed`, error);
  });
  return { run: toRunJson(run), done };
}

export async function getDistribution(ctx: ServerContext, value: string): Promise<RunJson | null> {
  const period = parsePeriod(value);
  const run = await runs(ctx.db).findOne({ _id: period });
  return run ? toRunJson(run) : null;
}

type StageFn = (ctx: ServerContext, run: DistributionRun, options: DistributeOptions) => Promise<Stage>;

async function executeRun(ctx: ServerContext, run: DistributionRun, options: DistributeOptions): Promise<DistributionOutcome> {
  const period = run._id;
  markActive(period, true);
  // Liveness for other hosts; same-host takeovers ask the OS whether our pid lives.
  const heartbeat = setInterval(() => {
    void runs(ctx.db).updateOne({ _id: period, runId: run.runId }, { $set: { heartbeatAt: new Date() } }).catch(() => {});
  }, 10_000);
  heartbeat.unref();
  const stages: Record<Exclude<Stage, 'done'>, StageFn> = {
    snapshot: snapshotStage,
    write: writeStage,
    returns: returnsStage,
    finalize: finalizeStage,
  };
  try {
    while (run.stage !== 'done') {
      const started = Date.now();
      const stage = run.stage;
      const next = await stages[stage](ctx, run, options);
      run.stageTimes[stage] = (run.stageTimes[stage] ?? 0) + (Date.now() - started);
      run.stage = next;
      const fields: Record<string, unknown> = { stage: next, [`stageTimes.${stage}`]: run.stageTimes[stage] };
      if (next === 'done') {
        run.status = 'done';
        run.finishedAt = ctx.clock.now();
        Object.assign(fields, { status: 'done', finishedAt: run.finishedAt });
      }
      await save(ctx, run, fields);
      report(run, options);
    }
  } catch (error) {
    if (!(error instanceof LostRunError)) {
      await runs(ctx.db).updateOne({ _id: period, runId: run.runId }, {
        $set: { status: 'failed', error: error instanceof Error ? error.message : String(error) },
      }).catch(() => {});
    }
    throw error;
  } finally {
    clearInterval(heartbeat);
    markActive(period, false);
  }
  return { period, dryRun: false, totals: run.totals, run: toRunJson(run), ledgerBefore: run.ledgerBefore, ledgerAfter: run.ledgerAfter };
}

/** Finishes interrupted journal writers, checks the ledger, fixes the clicks and copies everyone's funds. */
async function snapshotStage(ctx: ServerContext, run: DistributionRun, options: DistributeOptions): Promise<Stage> {
  const period = run._id;
  await repairBalances(ctx.db);
  if (!run.ledgerBefore) {
    run.ledgerBefore = await verifyLedger(ctx);
    await save(ctx, run, { ledgerBefore: run.ledgerBefore });
  }
  if (!run.snapshotAt) {
    // Subscriptions become this period's flattrs first, so the snapshot includes them.
    await materializeSubscriptions(ctx, period);
    run.snapshotAt = ctx.clock.now();
    run.progress.clicksTotal = await collections.flattrs(ctx.db).countDocuments({ period, createdAt: { $lte: run.snapshotAt } });
    await save(ctx, run, { snapshotAt: run.snapshotAt, 'progress.clicksTotal': run.progress.clicksTotal });
  }
  let batch: SnapshotDoc[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await insertIgnoringDuplicates(snapshots(ctx.db), batch);
    run.checkpoint.snapshotUserId = batch[batch.length - 1]!.userId.toHexString();
    run.progress.usersSnapshotted += batch.length;
    await save(ctx, run, { 'checkpoint.snapshotUserId': run.checkpoint.snapshotUserId, 'progress.usersSnapshotted': run.progress.usersSnapshotted });
    report(run, options);
    batch = [];
  };
  for await (const funds of liveFunds(ctx.db, run.checkpoint.snapshotUserId)) {
    batch.push({
      _id: `${period}:${funds.userId}`,
      period,
      userId: ObjectId.createFromHexString(funds.userId),
      budget: funds.budget,
      available: funds.available,
      contribution: Math.min(funds.budget, funds.available),
    });
    if (batch.length >= 2000) await flush();
  }
  await flush();
  return 'write';
}

/** Streams the clicks per reader from the checkpoint and writes `dist:` entries and escrow docs in batches. */
async function writeStage(ctx: ServerContext, run: DistributionRun, options: DistributeOptions): Promise<Stage> {
  const period = run._id;
  const after = run.checkpoint.readerId;
  const pairs = withFunds(readerClicks(ctx.db, period, run.snapshotAt!, after), snapshotFunds(ctx.db, period, after));
  const writer = new BatchWriter(ctx, run, true);
  let batch: Array<{ reader: ReaderClicks; funds: Funds | null }> = [];
  for await (const pair of pairs) {
    batch.push(pair);
    if (batch.length >= (options.batchReaders ?? 250)) {
      await writer.write(batch);
      report(run, options);
      batch = [];
    }
  }
  if (batch.length) await writer.write(batch);
  return 'returns';
}

class BatchWriter {
  private readonly owners: OwnerCache;
  constructor(private readonly ctx: ServerContext, private readonly run: DistributionRun, private checkExisting: boolean) {
    this.owners = new OwnerCache(ctx.db);
  }

  async write(batch: Array<{ reader: ReaderClicks; funds: Funds | null }>): Promise<void> {
    const { ctx, run } = this;
    const period = run._id;
    await this.owners.load(batch.flatMap((p) => p.reader.thingIds));
    // After a crash, readers of the first batch may be written already: reuse their entries as they
    // are (an owner who verified since must not make a differing entry). Keep looking while a batch
    // still finds some, in case the interrupted process used other batch boundaries.
    const existing = new Map<string, JournalEntry>();
    if (this.checkExisting) {
      for (const { reader } of batch) {
        const entry = await ctx.db.collection<JournalEntry>(JOURNAL).findOne({ _id: distEntryId(period, reader.readerId) });
        if (entry) existing.set(entry._id, entry);
      }
      this.checkExisting = existing.size > 0;
    }
    const entries: NewEntry[] = [];
    const escrow: EscrowView[] = [];
    const totals = run.totals;
    for (const { reader, funds } of batch) {
      const id = distEntryId(period, reader.readerId);
      const stored = existing.get(id);
      let contribution: number;
      let shares: Share[];
      if (stored) {
        const meta = stored.meta as { contribution: number; shares: Share[] };
        contribution = meta.contribution;
        shares = meta.shares;
        entries.push({ _id: stored._id, kind: stored.kind, period: stored.period, postings: stored.postings, memo: stored.memo, meta: stored.meta });
      } else {
        const result = computeReaderShares({
          period,
          readerId: reader.readerId,
          budget: funds?.budget ?? 0,
          available: funds?.available ?? 0,
          things: reader.thingIds.map((thingId) => ({ thingId, ownerId: this.owners.get(thingId) })),
          feeBps: run.feeBps,
        });
        contribution = result.contribution;
        shares = result.shares;
        if (contribution > 0) {
          entries.push({
            _id: id,
            kind: 'distribution',
            period,
            postings: result.postings,
            memo: `${period}: contribution of reader ${reader.readerId} over ${shares.length} things`,
            meta: { readerId: reader.readerId, contribution, shares },
          });
        }
      }
      totals.readers += 1;
      totals.clicks += reader.thingIds.length;
      if (contribution > 0) {
        totals.payingReaders += 1;
        totals.contributed += contribution;
        for (const share of shares) {
          if (share.ownerId === null) totals.toEscrow += share.amount;
          else {
            totals.fees += share.fee;
            totals.toCreators += share.amount - share.fee;
          }
          if (share.ownerId === null && share.amount > 0) {
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
      }
    }
    // Journal first: an escrow doc must never exist without the entry that funds it.
    await postEntries(ctx.db, entries);
    await insertIgnoringDuplicates(ctx.db.collection<EscrowView>(ESCROW), escrow);
    run.checkpoint.readerId = batch[batch.length - 1]!.reader.readerId;
    run.progress.readersDone = totals.readers;
    run.progress.clicksDone = totals.clicks;
    await save(ctx, run, { 'checkpoint.readerId': run.checkpoint.readerId, totals, progress: run.progress });
  }
}

/**
 * Escrow older than UNCLAIMED_MONTHS: back to the readers who gave it, or, if
 * the thing has a verified owner by now (it was escrowed after its release
 * ran), released to that owner. Claims go through C2's `escrow_claims`
 * (insert-once) so a release and a return can never both take a share.
 */
async function returnsStage(ctx: ServerContext, run: DistributionRun, options: DistributeOptions): Promise<Stage> {
  const period = run._id;
  const cutoff = addMonths(period, -run.unclaimedMonths);
  const escrow = ctx.db.collection<EscrowView>(ESCROW);
  const claims = ctx.db.collection<EscrowClaim>(ESCROW_CLAIMS);
  for (;;) {
    // Pages, not one cursor: the loop changes the field the query filters on.
    const page = await escrow
      .find({ period: { $lte: cutoff }, state: { $in: ['held', 'releasing', 'returning'] }, _id: { $gt: run.checkpoint.escrowId ?? '' } })
      .sort({ _id: 1 })
      .limit(500)
      .toArray();
    if (page.length === 0) break;
    for (const doc of page) {
      let claim: EscrowClaim | null = await claims.findOne({ _id: doc._id });
      if (!claim) {
        const thing = await collections.things(ctx.db).findOne({ _id: doc.thingId }, { projection: { ownerId: 1 } });
        const owner = thing?.ownerId ?? null;
        const mine: EscrowClaim = { _id: doc._id, action: owner ? 'release' : 'return', releaseTo: owner, claimedAt: ctx.clock.now() };
        try {
          await claims.insertOne(mine);
          claim = mine;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          claim = await claims.findOne({ _id: doc._id });
        }
      }
      if (!claim) continue;
      if (claim.action === 'release' && claim.releaseTo) {
        await escrow.updateOne({ _id: doc._id, state: { $in: ['held', 'releasing'] } }, { $set: { state: 'releasing', releaseTo: claim.releaseTo, claimedAt: claim.claimedAt } });
        await postLateRelease(ctx, run, { ...doc, releaseTo: claim.releaseTo });
        await finishRelease(ctx, { ...doc, state: 'releasing', releaseTo: claim.releaseTo });
      } else if (claim.action === 'return') {
        await escrow.updateOne({ _id: doc._id, state: 'held' }, { $set: { state: 'returning', claimedAt: claim.claimedAt } });
        const readerId = doc.readerId.toHexString();
        const thingId = doc.thingId.toHexString();
        await postEntry(ctx.db, {
          _id: `escrow.return:${doc._id}`,
          kind: 'escrow.return',
          period: doc.period,
          postings: computeEscrowReturn({ thingId, readerId, amount: doc.amount }).postings,
          memo: `escrow of ${doc.period} for thing ${thingId} returned to its reader after ${run.unclaimedMonths} months`,
          meta: { escrowId: doc._id, thingId, readerId, period: doc.period, amount: doc.amount, settledByRun: period },
        });
        await escrow.updateOne({ _id: doc._id, state: 'returning' }, { $set: { state: 'returned', settledAt: ctx.clock.now() } });
      }
    }
    run.checkpoint.escrowId = page[page.length - 1]!._id;
    run.progress.escrowDone += page.length;
    await save(ctx, run, { 'checkpoint.escrowId': run.checkpoint.escrowId, 'progress.escrowDone': run.progress.escrowDone });
    report(run, options);
  }
  // Totals from the journal itself, so a crash in the middle of a page cannot miscount them.
  const settled = ctx.db.collection<JournalEntry>(JOURNAL).find(
    { kind: { $in: ['escrow.return', 'escrow.release'] }, 'meta.settledByRun': period },
    { projection: { kind: 1, meta: 1 } },
  );
  Object.assign(run.totals, { returned: 0, returnedCount: 0, releasedLate: 0, releasedLateCount: 0 });
  for await (const entry of settled) {
    const amount = Number(entry.meta?.amount ?? 0);
    if (entry.kind === 'escrow.return') {
      run.totals.returned += amount;
      run.totals.returnedCount += 1;
    } else {
      run.totals.releasedLate += amount;
      run.totals.releasedLateCount += 1;
    }
  }
  await save(ctx, run, { totals: run.totals });
  return 'finalize';
}

/**
 * Posts the late release under the same id and postings as C2's
 * `finishRelease` (which then finds it written and only marks the doc), with
 * `settledByRun` so the run can count it.
 */
async function postLateRelease(ctx: ServerContext, run: DistributionRun, doc: EscrowView & { releaseTo: ObjectId }): Promise<void> {
  const thingId = doc.thingId.toHexString();
  const ownerId = doc.releaseTo.toHexString();
  const { fee, postings } = computeEscrowRelease({ thingId, ownerId, amount: doc.amount, feeBps: ctx.config.feeBps });
  await postEntry(ctx.db, {
    _id: `escrow.release:${doc._id}`,
    kind: 'escrow.release',
    period: doc.period,
    postings,
    memo: `escrow of ${doc.period} for thing ${thingId} released to its verified owner by the run of ${run._id}`,
    meta: { escrowId: doc._id, thingId, ownerId, readerId: doc.readerId.toHexString(), period: doc.period, amount: doc.amount, fee, settledByRun: run._id },
  });
}

async function finalizeStage(ctx: ServerContext, run: DistributionRun): Promise<Stage> {
  const period = run._id;
  // Counted by the database: a set of thing ids in this process would grow with the period.
  const [row] = await collections.flattrs(ctx.db).aggregate<{ n: number }>([
    { $match: { period, createdAt: { $lte: run.snapshotAt! } } },
    { $group: { _id: '$thingId' } },
    { $count: 'n' },
  ]).toArray();
  run.totals.things = row?.n ?? 0;
  run.ledgerAfter = await verifyLedger(ctx);
  await save(ctx, run, { 'totals.things': run.totals.things, ledgerAfter: run.ledgerAfter });
  return 'done';
}

/** Everything the run would do, computed from live budgets, balances and owners; writes nothing. */
async function dryRun(ctx: ServerContext, period: string, options: DistributeOptions): Promise<DistributionOutcome> {
  const existing = await runs(ctx.db).findOne({ _id: period });
  if (existing?.status === 'done') throw new ConflictError(`${period} is already distributed`, 'distribution_done', { run: toRunJson(existing) });
  const ledgerBefore = await verifyLedger(ctx);
  const snapshotAt = ctx.clock.now();
  const totals = zeroTotals();
  const clicksTotal = await collections.flattrs(ctx.db).countDocuments({ period, createdAt: { $lte: snapshotAt } });
  const owners = new OwnerCache(ctx.db);
  const view = (stage: Stage): ProgressView => ({ period, stage, dryRun: true, readersDone: totals.readers, clicksDone: totals.clicks, clicksTotal, totals });
  let batch: Array<{ reader: ReaderClicks; funds: Funds | null }> = [];
  const things = new Set<string>();
  const flush = async () => {
    await owners.load(batch.flatMap((p) => p.reader.thingIds));
    for (const { reader, funds } of batch) {
      const result = computeReaderShares({
        period, readerId: reader.readerId, budget: funds?.budget ?? 0, available: funds?.available ?? 0,
        things: reader.thingIds.map((thingId) => ({ thingId, ownerId: owners.get(thingId) })), feeBps: ctx.config.feeBps,
      });
      for (const id of reader.thingIds) if (things.size < 1_000_000) things.add(id);
      totals.readers += 1;
      totals.clicks += reader.thingIds.length;
      if (result.contribution > 0) totals.payingReaders += 1;
      totals.contributed += result.contribution;
      totals.fees += result.fees;
      totals.toCreators += result.toCreators;
      totals.toEscrow += result.toEscrow;
    }
    batch = [];
    options.onProgress?.(view('write'));
  };
  for await (const pair of withFunds(readerClicks(ctx.db, period, snapshotAt, null), liveFunds(ctx.db, null))) {
    batch.push(pair);
    if (batch.length >= (options.batchReaders ?? 250)) await flush();
  }
  await flush();
  totals.things = things.size;
  const cutoff = addMonths(period, -ctx.config.unclaimedMonths);
  const held = ctx.db.collection<EscrowView>(ESCROW).find({ period: { $lte: cutoff }, state: { $in: ['held', 'returning', 'releasing'] } });
  for await (const doc of held) {
    const thing = await collections.things(ctx.db).findOne({ _id: doc.thingId }, { projection: { ownerId: 1 } });
    if (doc.state === 'releasing' || (doc.state === 'held' && thing?.ownerId)) {
      totals.releasedLate += doc.amount;
      totals.releasedLateCount += 1;
    } else {
      totals.returned += doc.amount;
      totals.returnedCount += 1;
    }
  }
  options.onProgress?.(view('done'));
  return { period, dryRun: true, totals, run: null, ledgerBefore, ledgerAfter: null };
}

export function distEntryId(period: string, readerId: string): string {
  return `dist:${period}:${readerId}`;
}

/** Writes the run's progress, guarded by its runId: a process that lost the run stops here. */
async function save(ctx: ServerContext, run: DistributionRun, fields: Record<string, unknown>): Promise<void> {
  const result = await runs(ctx.db).updateOne({ _id: run._id, runId: run.runId }, { $set: { ...fields, heartbeatAt: new Date() } });
  if (result.matchedCount === 0) throw new LostRunError(`the distribution of ${run._id} was taken over by another process`);
}

function report(run: DistributionRun, options: DistributeOptions): void {
  options.onProgress?.({
    period: run._id, stage: run.stage, dryRun: false, readersDone: run.progress.readersDone,
    clicksDone: run.progress.clicksDone, clicksTotal: run.progress.clicksTotal, totals: run.totals,
  });
}

async function insertIgnoringDuplicates<T extends { _id: string }>(collection: import('mongodb').Collection<T>, docs: T[]): Promise<void> {
  if (docs.length === 0) return;
  try {
    await collection.insertMany(docs as never, { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: Array<{ code?: number }> }).writeErrors;
    const onlyDuplicates = Array.isArray(writeErrors) && writeErrors.every((e) => e.code === 11000);
    if (!onlyDuplicates && !isDuplicateKeyError(error)) throw error;
  }
}
