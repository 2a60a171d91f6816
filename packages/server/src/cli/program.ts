import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { createAdmin } from '../accounts/index.js';
import { distributePeriod, type DistributionOutcome, type ProgressView } from '../distribution/index.js';
import { AppError } from '../errors/index.js';
import { rebuildBalances, verifyLedger, type LedgerReport } from '../ledger/index.js';
import { addMonths, parsePeriod, periodOf, repairBalances } from '../money/index.js';
import { seedDemoData } from '../seed/index.js';
import { flushMail } from '../mail/index.js';
import { afterDistribution, runAutoPayouts, sendMonthlyStatements } from '../payday/index.js';
import { reconcileStripe } from '../reconciliation/index.js';
import { findThingById, recountFlattrs, toObjectId } from '../things/index.js';
import { recountAllFlattrs } from '../things/things.js';
import { openCliContext, type CliContext } from './cli-context.js';
import { CliError } from './cli-error.js';

export { CliError };


/** The `flattr-server` operator CLI. Configuration comes from the environment (`loadConfig`). */
export function buildProgram(): Command {
  const program = new Command('flattr-server')
    .description('Operate a Flattr server: serve the API, distribute a month, check and rebuild the ledger, seed demo data')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  program.command('serve')
    .description('Start the HTTP API server (PORT, HOST, MONGODB_URI, … from the environment)')
    .action(async () => {
      const { main } = await import('../main.js');
      await main();
    });

  program.command('distribute')
    .description('Distribute an ended month: split each reader\'s contribution among what they flattred. Safe to run again after a crash: it resumes.')
    .requiredOption('--period <YYYY-MM>', 'the month to distribute (UTC), e.g. 2026-11', periodArgument)
    .option('--dry-run', 'compute and print the summary without writing anything')
    .option('--no-progress', 'no progress bar')
    .option('--batch-readers <n>', 'readers per journal batch (default 500): fewer means smaller writes, more round trips', positiveInteger)
    .action(async (options: { period: string; dryRun?: boolean; progress: boolean; batchReaders?: number }) => {
      await withContext(async (cli) => {
        const bar = options.progress && process.stderr.isTTY ? progressBar() : null;
        let outcome: DistributionOutcome;
        try {
          outcome = await distributePeriod(cli.ctx, options.period, {
            dryRun: options.dryRun,
            batchReaders: options.batchReaders,
            onProgress: bar ? (view) => bar.update(view) : undefined,
          });
        } catch (error) {
          if (error instanceof AppError && error.code === 'distribution_done') {
            console.log(`${options.period} is already distributed.`);
            const run = error.extra.run as { totals: DistributionOutcome['totals'] } | undefined;
            if (run) console.log(summaryTable(run.totals));
            return;
          }
          throw error;
        } finally {
          bar?.stop();
        }
        console.log(`${outcome.dryRun ? 'Dry run (nothing written) for' : 'Distributed'} ${outcome.period} (${cli.ctx.config.currency}, minor units):`);
        console.log(summaryTable(outcome.totals));
        if (outcome.ledgerBefore && !outcome.ledgerBefore.ok) console.log(`Ledger before: ${outcome.ledgerBefore.violationCount} violation(s)`);
        if (outcome.ledgerAfter) {
          console.log(`Ledger after: ${outcome.ledgerAfter.ok ? 'ok' : `${outcome.ledgerAfter.violationCount} violation(s)`}`);
          if (!outcome.ledgerAfter.ok) throw new CliError('the ledger check after the distribution found violations (flattr-server ledger verify)', 1);
        }
        if (!outcome.dryRun) await afterDistribution(cli.ctx, outcome.period);
      });
    });

  const ledger = program.command('ledger').description('The journal and balances');
  ledger.command('verify')
    .description('Check the ledger invariants; exit code 1 on violations')
    .option('--json', 'print the full report as JSON')
    .action(async (options: { json?: boolean }) => {
      await withContext(async (cli) => {
        const report = await verifyLedger(cli.ctx);
        if (options.json) console.log(JSON.stringify(report, null, 2));
        else printLedgerReport(report);
        if (!report.ok) process.exitCode = 1;
      });
    });

  ledger.command('repair')
    .description('Finish journal entries and guarded debits that crashed writers left (only those whose lease ran out, unless --take-over)')
    .option('--take-over', 'finish them all now: only when no other server or CLI process is writing money')
    .action(async (options: { takeOver?: boolean }) => {
      await withContext(async (cli) => {
        const finished = await repairBalances(cli.ctx.db, { takeOver: options.takeOver === true });
        console.log(`Finished ${finished} interrupted entr${finished === 1 ? 'y' : 'ies'}.`);
      });
    });

  ledger.command('rebuild')
    .description('Set every cached balance from the journal (amount = journal total − reserved), creating missing ones; prints what changed. Only while nothing else writes money: refuses while a distribution run is unfinished or an entry is pending')
    .action(async () => {
      await withContext(async (cli) => {
        const report = await rebuildBalances(cli.ctx.db);
        for (const change of report.changed) console.log(`  ${change.account}: ${change.before ?? '(none)'} -> ${change.after}`);
        console.log(`Rebuilt ${report.accounts} balance(s) from the journal: ${report.changed.length} changed.`);
      });
    });

  program.command('things')
    .description('Things')
    .command('recount')
    .description('Set each thing\'s flattrCount from its flattrs (a crash between a click\'s insert and its count leaves it one off); prints what changed')
    .option('--thing <id>', 'only this thing')
    .action(async (options: { thing?: string }) => {
      await withContext(async (cli) => {
        if (options.thing !== undefined) {
          const id = toObjectId(options.thing);
          if (!id || !(await findThingById(cli.ctx.db, options.thing))) throw new CliError(`no thing ${options.thing}`, 2);
          console.log(`${options.thing}: ${await recountFlattrs(cli.ctx.db, id)} flattr(s)`);
          return;
        }
        const report = await recountAllFlattrs(cli.ctx.db);
        for (const change of report.changed) console.log(`  ${change.thingId}: ${change.before} -> ${change.after}`);
        for (const thingId of report.skipped) console.log(`  ${thingId}: clicked meanwhile, not changed (run again)`);
        console.log(`Recounted ${report.things} thing(s): ${report.changed.length} changed, ${report.skipped.length} skipped.`);
      });
    });

  program.command('mail')
    .description('Email')
    .command('monthly')
    .description('Send a distributed month\'s receipts to readers and earnings notes to creators; each person gets each at most once, so it is safe to run again')
    .requiredOption('--period <YYYY-MM>', 'the distributed month', periodArgument)
    .action(async (options: { period: string }) => {
      await withContext(async (cli) => {
        if (cli.ctx.config.mail.transport === 'none') throw new CliError('no SMTP_URL: this service sends no email', 2);
        const { receipts, earnings } = await sendMonthlyStatements(cli.ctx, options.period);
        await flushMail(cli.ctx);
        console.log(`Receipts: ${receipts.sent} sent, ${receipts.already} sent before, ${receipts.failed} failed (run again to retry).`);
        console.log(`Earnings notes: ${earnings.sent} sent, ${earnings.already} sent before, ${earnings.failed} failed (run again to retry).`);
        if (receipts.failed + earnings.failed > 0) process.exitCode = 1;
      });
    });

  const payoutsCommand = program.command('payouts').description('Payouts');
  payoutsCommand.command('auto')
    .description('Pay out, through Stripe, every connected creator whose wallet holds PAYOUT_AUTO_THRESHOLD or more (one payout per creator and period: safe to run again)')
    .requiredOption('--period <YYYY-MM>', 'the distributed month the payouts follow', periodArgument)
    .action(async (options: { period: string }) => {
      await withContext(async (cli) => {
        if (cli.ctx.config.payoutAutoThreshold <= 0) throw new CliError('PAYOUT_AUTO_THRESHOLD is not set: every payout waits for an admin', 2);
        const result = await runAutoPayouts(cli.ctx, options.period);
        console.log(`Automatic payouts for ${options.period}: ${result.paid} paid, ${result.failed} failed, ${result.skipped} below the threshold or not ready.`);
        if (result.failed > 0) process.exitCode = 1;
      });
    });

  program.command('stripe')
    .description('Stripe')
    .command('reconcile')
    .description('List Stripe\'s balance transactions of a month beside the journal\'s deposits, refunds, disputes and payouts; exit code 1 on any difference')
    .requiredOption('--period <YYYY-MM>', 'the month (UTC)', periodArgument)
    .option('--json', 'print the whole reconciliation as JSON')
    .action(async (options: { period: string; json?: boolean }) => {
      await withContext(async (cli) => {
        if (!cli.ctx.config.stripe) throw new CliError('Stripe is not configured (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET)', 2);
        const result = await reconcileStripe(cli.ctx, options.period);
        if (options.json) console.log(JSON.stringify(result, null, 2));
        else {
          const table = new Table({ style: { head: [], border: [] }, head: ['status', 'created', 'type', 'stripe id', 'stripe', 'fee', 'journal entry', 'journal'] });
          for (const row of result.rows) table.push([row.status, row.created.slice(0, 19), row.type, row.stripeId ?? '', row.stripeAmount ?? '', row.stripeFee ?? '', row.entryId ?? '', row.journalAmount ?? '']);
          console.log(table.toString());
          console.log(`${options.period} (${result.currency}, minor units): ${result.rows.length} row(s), ${result.differences} difference(s); Stripe net ${result.totals.stripeNet} after fees ${result.totals.stripeFees}, journal ${result.totals.journal}.`);
        }
        if (result.differences > 0) process.exitCode = 1;
      });
    });

  const admin = program.command('admin').description('Administrators');
  admin.command('create')
    .description('Create an admin account (or give an existing account the admin role)')
    .requiredOption('--email <email>', 'the admin\'s email')
    .requiredOption('--password <password>', 'at least 10 characters')
    .option('--name <name>', 'display name')
    .action(async (options: { email: string; password: string; name?: string }) => {
      if (options.password.length < 10) throw new CliError('the password must have at least 10 characters', 2);
      await withContext(async (cli) => {
        const { user, created } = await createAdmin(cli.ctx, options);
        console.log(`${created ? 'Created admin' : 'Gave the admin role to'} ${user.email} (id ${user._id.toHexString()})`);
      });
    });

  program.command('seed')
    .description('Write demo/benchmark data: readers with deposits and budgets, creators, things (some unowned), clicks in a past month')
    .requiredOption('--readers <n>', 'number of readers', positiveInteger)
    .requiredOption('--clicks <n>', 'number of clicks in the period', nonNegativeInteger)
    .option('--period <YYYY-MM>', 'the month of the clicks (default: last month)', periodArgument)
    .addOption(new Option('--seed <text>', 'random seed: the same seed gives the same data').default('flattr'))
    .action(async (options: { readers: number; clicks: number; period?: string; seed: string }) => {
      await withContext(async (cli) => {
        const period = options.period ?? addMonths(periodOf(cli.ctx.clock.now()), -1);
        const summary = await seedDemoData(cli.ctx.db, { readers: options.readers, clicks: options.clicks, period, seed: options.seed });
        console.log(`Seeded ${summary.period}: ${summary.readers} readers, ${summary.creators} creators, ${summary.things} things, ${summary.clicks} clicks, ${summary.deposited} deposited`);
      });
    });

  return program;
}

/** Runs the CLI; every failure becomes one line on stderr and a non-zero exit code. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const { message, exitCode } = describeFailure(error);
    console.error(`flattr-server: ${message}`);
    process.exitCode = exitCode;
  }
}

function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof AppError) {
    const codes: Record<string, number> = { distribution_running: 3, period_not_ended: 4, ledger_mismatch: 6 };
    const exitCode = error.status === 400 ? 2 : codes[error.code] ?? 1;
    return { message: error.message, exitCode };
  }
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  return { message, exitCode: 1 };
}

async function withContext(task: (cli: CliContext) => Promise<void>): Promise<void> {
  const cli = await openCliContext();
  try {
    await task(cli);
  } finally {
    await cli.close();
  }
}

function periodArgument(value: string): string {
  try {
    return parsePeriod(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a month like 2026-11.`);
  }
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer.');
  return n;
}

/**
 * The bar follows the write stage through the snapshot (readers who can pay,
 * in id order): the clicks are not counted before they are read (a count
 * would cost another pass over them).
 */
function progressBar() {
  const bar = new cliProgress.SingleBar({
    format: '{stage} |{bar}| {percentage}% | {value}/{total} paying readers | {readers} readers, {clicks} clicks',
    stream: process.stderr,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(view: ProgressView) {
      const payload = { stage: view.stage.padEnd(8), readers: view.readersDone, clicks: view.clicksDone };
      // A dry run does not know the total up front: its bar stays full.
      const total = Math.max(1, view.fundsTotal || view.fundsDone);
      if (!started) {
        bar.start(total, view.fundsDone, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(view.fundsDone, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function summaryTable(totals: DistributionOutcome['totals']): string {
  const table = new Table({ style: { head: [], border: [] }, head: ['readers', 'clicks', 'things', 'contributed', 'fees', 'to creators', 'to escrow', 'returned'] });
  table.push([totals.readers, totals.clicks, totals.things, totals.contributed, totals.fees, totals.toCreators, totals.toEscrow, totals.returned]);
  return table.toString();
}

function printLedgerReport(report: LedgerReport): void {
  console.log(`Ledger ${report.ok ? 'OK' : 'VIOLATIONS'}: ${report.entries} entries, ${report.accounts} accounts, ${report.violationCount} violation(s)`);
  for (const v of report.violations) console.log(`  ${JSON.stringify(v)}`);
  if (report.debts.accounts > 0) console.log(`Readers owe ${report.debts.owed} in ${report.debts.accounts} account(s) (refunds and disputes beyond their wallets)`);
}
