import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Collection } from 'mongodb';
import type { ServerContext } from '../context.js';
import { isDuplicateKeyError } from '../errors/index.js';

export type SigningAlg = 'EdDSA' | 'ES256';
export const SIGNING_KEYS = 'signing_keys';

/**
 * A key pair for access tokens, kept in the database so that every server
 * instance signs and verifies with the same keys.
 *
 * Scheduled keys have the deterministic `_id` `slot:<alg>:<N>` where N counts
 * rotation periods since the epoch: every instance that finds the slot's key
 * missing generates one and inserts it, the unique `_id` lets exactly one
 * insert win, and all instances then read the winner back. A forced rotation
 * (tests, a suspected leak) inserts `forced:<kid>` activated now.
 */
export interface SigningKeyDoc {
  _id: string;
  kid: string;
  alg: SigningAlg;
  /** The private JWK: whoever reads the database can sign tokens, as with any secret stored there. */
  privateJwk: JWK;
  publicJwk: JWK;
  /** From this instant the key signs new tokens (until a later key activates). */
  activatedAt: Date;
  createdAt: Date;
}

interface LoadedKey {
  doc: SigningKeyDoc;
  privateKey?: CryptoKey;
  publicKey?: CryptoKey;
}

/** Keys are re-read from the database at most this often (ms of real time), so other instances' rotations show up. */
const CACHE_MS = 10_000;

export class SigningKeys {
  private cache: { keys: SigningKeyDoc[]; slot: number; fetchedAt: number } | undefined;
  private readonly imported = new Map<string, LoadedKey>();

  constructor(private readonly ctx: ServerContext) {}

  private get collection(): Collection<SigningKeyDoc> {
    return this.ctx.db.collection<SigningKeyDoc>(SIGNING_KEYS);
  }

  private get rotationMs(): number {
    return this.ctx.config.jwt.keyRotationDays * 86_400_000;
  }

  /** How long after a key stops signing its last token can still be valid. */
  private get graceMs(): number {
    return this.ctx.config.jwt.accessTokenTtlSeconds * 1000;
  }

  /** The key that signs new tokens now; creates the current slot's key if no instance has yet. */
  async current(): Promise<{ kid: string; alg: SigningAlg; key: CryptoKey }> {
    const now = this.ctx.clock.now();
    const keys = await this.load(now);
    const active = keys.filter((k) => k.activatedAt <= now).sort(byActivation).at(-1);
    if (!active) throw new Error('no active signing key');
    return { kid: active.kid, alg: active.alg, key: await this.privateKey(active) };
  }

  /** The public key for a token's `kid`, if that key may still verify tokens now. */
  async verificationKey(kid: string): Promise<{ alg: SigningAlg; key: CryptoKey } | undefined> {
    const now = this.ctx.clock.now();
    let doc = this.verifiable(await this.load(now), now).find((k) => k.kid === kid);
    if (!doc && this.cache) {
      // Perhaps another instance rotated a moment ago: look once more, bypassing the cache.
      this.cache = undefined;
      doc = this.verifiable(await this.load(now), now).find((k) => k.kid === kid);
    }
    return doc ? { alg: doc.alg, key: await this.publicKey(doc) } : undefined;
  }

  /** Public JWKs of every key that may still verify a token. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const now = this.ctx.clock.now();
    const keys = this.verifiable(await this.load(now), now);
    return { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })) };
  }

  /**
   * Starts signing with a fresh key now. Old keys keep verifying until their
   * last tokens expire. For tests and for an operator who suspects a leak.
   */
  async rotate(): Promise<string> {
    const now = this.ctx.clock.now();
    const doc = await generate(this.ctx.config.jwt.alg, now, now);
    doc._id = `forced:${doc.kid}`;
    await this.collection.insertOne(doc);
    this.cache = undefined;
    return doc.kid;
  }

  /**
   * Keys that verify now: the active one and each predecessor whose
   * successor activated less than one token lifetime ago.
   */
  private verifiable(keys: SigningKeyDoc[], now: Date): SigningKeyDoc[] {
    const started = keys.filter((k) => k.activatedAt <= now).sort(byActivation);
    return started.filter((key, i) => {
      const successor = started[i + 1];
      return !successor || now.getTime() < successor.activatedAt.getTime() + this.graceMs;
    });
  }

  private async load(now: Date): Promise<SigningKeyDoc[]> {
    const slot = Math.floor(now.getTime() / this.rotationMs);
    const cached = this.cache;
    if (cached && cached.slot === slot && Date.now() - cached.fetchedAt < CACHE_MS) return cached.keys;
    const alg = this.ctx.config.jwt.alg;
    const slotId = `slot:${alg}:${slot}`;
    let keys = await this.collection.find({}).toArray();
    if (!keys.some((k) => k._id === slotId)) {
      const doc = await generate(alg, new Date(slot * this.rotationMs), now);
      doc._id = slotId;
      try {
        await this.collection.insertOne(doc);
      } catch (error) {
        // Another instance created this slot's key first: use theirs.
        if (!isDuplicateKeyError(error)) throw error;
      }
      keys = await this.collection.find({}).toArray();
    }
    keys = await this.dropExpired(keys, now);
    this.cache = { keys, slot, fetchedAt: Date.now() };
    return keys;
  }

  /** Deletes keys that can verify nothing any more (a day of margin for clock skew between instances). */
  private async dropExpired(keys: SigningKeyDoc[], now: Date): Promise<SigningKeyDoc[]> {
    const sorted = [...keys].sort(byActivation);
    const expired = sorted.filter((_key, i) => {
      const successor = sorted[i + 1];
      return successor && successor.activatedAt <= now
        && now.getTime() > successor.activatedAt.getTime() + this.graceMs + 86_400_000;
    });
    if (expired.length === 0) return keys;
    await this.collection.deleteMany({ _id: { $in: expired.map((k) => k._id) } });
    for (const key of expired) this.imported.delete(key.kid);
    return keys.filter((k) => !expired.includes(k));
  }

  private async privateKey(doc: SigningKeyDoc): Promise<CryptoKey> {
    const loaded = this.entry(doc);
    return (loaded.privateKey ??= (await importJWK(doc.privateJwk, doc.alg)) as CryptoKey);
  }

  private async publicKey(doc: SigningKeyDoc): Promise<CryptoKey> {
    const loaded = this.entry(doc);
    return (loaded.publicKey ??= (await importJWK(doc.publicJwk, doc.alg)) as CryptoKey);
  }

  private entry(doc: SigningKeyDoc): LoadedKey {
    let loaded = this.imported.get(doc.kid);
    if (!loaded) this.imported.set(doc.kid, (loaded = { doc }));
    return loaded;
  }
}

async function generate(alg: SigningAlg, activatedAt: Date, now: Date): Promise<SigningKeyDoc> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { _id: '', kid, alg, privateJwk, publicJwk, activatedAt, createdAt: now };
}

function byActivation(a: SigningKeyDoc, b: SigningKeyDoc): number {
  return a.activatedAt.getTime() - b.activatedAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime() || (a._id < b._id ? -1 : 1);
}
