import { AsyncLocalStorage } from 'node:async_hooks';
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, Document } from 'mongodb';
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
 * request whose collections hash differently is reported. One exception, or
 * background work would be blamed on whoever is answered meanwhile: when work
 * outside the request (a distribution run's heartbeat) wrote to a collection
 * during the request, and each of the request's own writes to it reported no
 * effect (a duplicate-key insert, an update that matched nothing), the change
 * is the background's, not the refusal's.
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
  const requestOf = new AsyncLocalStorage<RequestWrites>();
  const open = new Set<RequestWrites>();
  /** Write commands sent by a request and not answered yet, by the driver's request id. */
  const pending = new Map<number, { request: RequestWrites; name: string; commandName: string; documents: number }>();
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
          if (request?.open) {
            request.touched.add(name);
            request.unanswered.set(name, (request.unanswered.get(name) ?? 0) + 1);
            const documents = Array.isArray(event.command.documents) ? event.command.documents.length : 0;
            pending.set(event.requestId, { request, name, commandName: event.commandName, documents });
          } else {
            for (const other of open) other.background.add(name);
          }
        });
        const answered = (event: CommandSucceededEvent | CommandFailedEvent, effect: boolean) => {
          const command = pending.get(event.requestId);
          if (!command) return;
          pending.delete(event.requestId);
          const { request, name } = command;
          request.unanswered.set(name, (request.unanswered.get(name) ?? 1) - 1);
          if (effect) request.effective.add(name);
        };
        ctx.client.on('commandSucceeded', (event: CommandSucceededEvent) => {
          const command = pending.get(event.requestId);
          if (command) answered(event, hadEffect(command.commandName, command.documents, event.reply as Document));
        });
        ctx.client.on('commandFailed', (event: CommandFailedEvent) => answered(event, false));
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
            const mine: RequestWrites = { touched: new Set(), open: true, effective: new Set(), unanswered: new Map(), background: new Set() };
            open.add(mine);
            const finish = async () => {
              if (!mine.open) return;
              mine.open = false;
              open.delete(mine);
              try {
                if (res.statusCode < 400 || res.statusCode >= 500) return;
                refused += 1;
                const names = [...mine.touched].filter((name) => !excluded.has(name));
                if (names.length) rehashed += 1;
                const changed: string[] = [];
                for (const name of names) {
                  const before = known.get(name) ?? { count: 0, hash: EMPTY };
                  const after = await collectionHash(ctx.db, name);
                  if (after.hash === before.hash) continue;
                  const noEffectOfItsOwn = !mine.effective.has(name) && (mine.unanswered.get(name) ?? 0) === 0;
                  if (noEffectOfItsOwn && mine.background.has(name)) continue;
                  changed.push(`${name} (${before.count} → ${after.count} documents)`);
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

/** What the audit knows of one request's writes while it is answered. */
interface RequestWrites {
  open: boolean;
  /** Collections it sent write commands to. */
  touched: Set<string>;
  /** Collections one of its writes changed, as the server's reply says (or may have: commands other than CRUD). */
  effective: Set<string>;
  /** Its write commands per collection not answered yet (counted as changing something). */
  unanswered: Map<string, number>;
  /** Collections written to meanwhile by work outside any open request. */
  background: Set<string>;
}

/** Whether a write command changed a document, as its reply says (CRUD by its counts; anything else: assume so). */
function hadEffect(commandName: string, documents: number, reply: Document): boolean {
  const errors = Array.isArray(reply.writeErrors) ? reply.writeErrors.length : 0;
  switch (commandName) {
    case 'insert':
      // Documents sent less those refused (the stand-in counts a refused insert in `n`; MongoDB does not).
      return documents - errors > 0;
    case 'delete':
      return Number(reply.n ?? 1) > 0;
    case 'update':
      return Number(reply.nModified ?? reply.n ?? 1) > 0 || (Array.isArray(reply.upserted) && reply.upserted.length > 0);
    case 'findAndModify':
      return reply.value != null || Boolean(reply.lastErrorObject?.upserted);
    default:
      return true;
  }
}

/** The hash of an empty collection (no documents). */
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
