import { MongoClient, type Db } from 'mongodb';

export interface Database {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/** Connects with settings that suit both MongoDB and FerretDB (no transactions, no retryable writes assumptions). */
export async function connectDatabase(uri: string, dbName: string): Promise<Database> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 5000,
    // FerretDB 1.x does not support retryable writes; our writes are idempotent by design instead.
    retryWrites: false,
    maxPoolSize: 50,
  });
  await client.connect();
  const db = client.db(dbName);
  return { client, db, close: () => client.close() };
}
