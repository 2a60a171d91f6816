import type { Db, Document } from 'mongodb';

/**
 * `$jsonSchema` validators: the database as the last guard for money
 * (docs/money.md, "Validators"). Amounts are integer minor units; the driver
 * sends a JS integer as int32 when it fits and as a double otherwise, so an
 * amount is any of int/long/double that is a multiple of 1.
 */
export const integer = { bsonType: ['int', 'long', 'double'], multipleOf: 1 } as const;
export const nonNegative = { ...integer, minimum: 0 } as const;
export const positive = { ...integer, minimum: 1 } as const;

const posting = {
  bsonType: 'object',
  required: ['account', 'amount'],
  properties: { account: { bsonType: 'string' }, amount: integer },
};

export const journalSchema: Document = {
  bsonType: 'object',
  required: ['_id', 'kind', 'postings', 'state', 'createdAt'],
  properties: {
    _id: { bsonType: 'string' },
    kind: { bsonType: 'string' },
    postings: { bsonType: 'array', items: posting },
    state: { enum: ['pending', 'applied', 'run'] },
    createdAt: { bsonType: 'date' },
  },
};

export const balanceSchema: Document = {
  bsonType: 'object',
  required: ['_id', 'amount'],
  properties: {
    _id: { bsonType: 'string' },
    amount: integer,
    reserved: { bsonType: 'object', additionalProperties: nonNegative },
    applying: { bsonType: 'array', items: { bsonType: 'string' } },
    intents: { bsonType: 'array' },
  },
  // Only the outside world's side of deposits and payouts may go below zero (accounts.ts, mayBeNegative).
  anyOf: [{ properties: { _id: { pattern: '^(external|debt):' } } }, { properties: { amount: { minimum: 0 } } }],
};

/**
 * Creates `name` with `schema` as its validator, or sets it on a collection
 * that exists (`collMod`). A server without `collMod` (the local stand-in,
 * which accepts validators and does not enforce them) keeps what it has.
 */
export async function ensureValidator(db: Db, name: string, schema: Document): Promise<void> {
  const validator = { $jsonSchema: schema };
  try {
    await db.createCollection(name, { validator });
    return;
  } catch (error) {
    // 48 NamespaceExists: the collection is there; set the validator on it.
    if ((error as { code?: number }).code !== 48) throw error;
  }
  try {
    await db.command({ collMod: name, validator });
  } catch (error) {
    // 59 CommandNotFound: the stand-in has no collMod.
    if ((error as { code?: number }).code !== 59) throw error;
  }
}
