import { AsyncLocalStorage } from 'node:async_hooks';
import type { CommandStartedEvent } from 'mongodb';
import type { ServerModule } from '../context.js';
import { collectionHash } from './collection-hashes.js';

export interface RefusalWrite {
  request: string;
  status: number;
  /** Collections whose fingerprint differs after the request: `name (documents before → after)`. */
  changed: string[];
}

export interface RefusalAudit {
  /** Put it first: `startTestServer({ monitorCommands: true, modules: [audit.module, ...modules] })` (its guard then runs before the rate limiter's). */
  module: ServerModule;
  /** Requests answered 4xx so far (once the last one's check is done: a client has its answer before that). */
  refused(): Promise<number>;
  /** Refused requests that sent a write command, whose collections were hashed again. */
  rehashed(): Promise<number>;
  /** Refused requests that changed a collection anyway: each is a defect. */
  writes(): Promise<RefusalWrite[]>;
}

/** Commands that can change a collection (by name in the command document, or all of them). */
const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify', 'create', 'createIndexes', 'drop', 'dropIndexes', 'collMod', 'renameCollection', 'dropDatabase']);

/**
 * Proves "a refused request writes nothing" request by request, with
 * collection hashes before and after every request answered 4xx. It lets one
 * request in at a time (test servers only: it serializes all traffic) and
 * keeps a fingerprint of every collection; the driver's command monitoring
 * says which collections a request sent write commands to (by the request's
 * async context, so work a request left running, such as a distribution run
 * it started, is not counted as its own), so only those are hashed again
 * afterwards (a collection no command wrote to is unchanged), and a refused
 * request whose collections hash differently is reported.
 * `exclude` names collections a refused request may change legitimately.
 */
export function refusalAudit(options: { exclude?: string[] } = {}): RefusalAudit {
  const excluded = new Set(options.exclude ?? []);
  let refused = 0;
  let rehashed = 0;
  const writes: RefusalWrite[] = [];
  let queue: Promise<void> = Promise.resolve();
  /** The fingerprints as of the last request's end, and the collections written to since (by requests or background work). */
  const known = new Map<string, { count: number; hash: string }>();
  let everything = true;
  const dirty = new Set<string>();
  const requestOf = new AsyncLocalStorage<{ touched: Set<string>; open: boolean }>();
  return {
    refused: async () => {
      await queue;
      return refused;
    },
    rehashed: async () => {
      await queue;
      return rehashed;
    },
    writes: async () => {
      await queue;
      return [...writes];
    },
    module: {
      name: 'refusal-audit',
      // A guard runs before anything reads the request (site-token gate, body parsers): what they refuse is audited too.
      guard(ctx) {
        if (!ctx.client.options.monitorCommands) throw new Error('refusalAudit needs command monitoring: startTestServer({ monitorCommands: true })');
        ctx.client.on('commandStarted', (event: CommandStartedEvent) => {
          if (event.databaseName !== ctx.db.databaseName || !WRITE_COMMANDS.has(event.commandName)) return;
          if (event.commandName === 'dropDatabase') everything = true;
          const name = String(event.command[event.commandName]);
          dirty.add(name);
          const request = requestOf.getStore();
          if (request?.open) request.touched.add(name);
        });
        const refresh = async () => {
          const names = everything
            ? (await ctx.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name)
            : [...dirty];
          everything = false;
          dirty.clear();
          for (const name of names) if (!excluded.has(name)) known.set(name, await collectionHash(ctx.db, name));
        };
        return (req, res, next) => {
          let release!: () => void;
          const turn = queue;
          queue = new Promise<void>((resolve) => (release = resolve));
          void turn.then(async () => {
            await refresh();
            const mine = { touched: new Set<string>(), open: true };
            const finish = async () => {
              if (!mine.open) return;
              mine.open = false;
              try {
                if (res.statusCode < 400 || res.statusCode >= 500) return;
                refused += 1;
                const names = [...mine.touched].filter((name) => !excluded.has(name));
                if (names.length) rehashed += 1;
                const changed: string[] = [];
                for (const name of names) {
                  const before = known.get(name) ?? { count: 0, hash: EMPTY };
                  const after = await collectionHash(ctx.db, name);
                  if (after.hash !== before.hash) changed.push(`${name} (${before.count} → ${after.count} documents)`);
                }
                if (changed.length) writes.push({ request: `${req.method} ${req.originalUrl.slice(0, 300)}`, status: res.statusCode, changed });
              } finally {
                release();
              }
            };
            res.once('finish', () => void finish());
            res.once('close', () => void finish());
            requestOf.run(mine, next);
          }).catch((error: unknown) => {
            release();
            next(error);
          });
        };
      },
    },
  };
}

/** The hash of an empty collection (no documents). */
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
