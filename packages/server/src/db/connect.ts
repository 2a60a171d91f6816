import { MongoClient, type Db } from 'mongodb';

export interface Database {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/**
 * Connects to MongoDB 4.4 or later (the driver 7 refuses older servers):
 * a standalone server, a replica set, Atlas, or the local stand-in.
 */
export async function connectDatabase(uri: string, dbName: string): Promise<Database> {
  const client = new MongoClient(uri, {
    // 5 s unless the URI says otherwise (the driver lets these options win over the URI's own).
    ...(/[?&]serverSelectionTimeoutMS=/i.test(uri) ? {} : { serverSelectionTimeoutMS: 5000 }),
    // Retryable writes stay on (the driver's default, and what Atlas URIs ask for): on a replica set a
    // write cut off by a failover or a dropped connection is sent once more with the same transaction
    // number, and the server applies it at most once, so a `$inc` or a guarded debit is neither lost
    // nor doubled. A standalone server and the stand-in announce no sessions; the driver then sends
    // plain writes (checked on the stand-in with command monitoring: no lsid, no txnNumber).
    maxPoolSize: 50,
  });
  await client.connect();
  const db = client.db(dbName);
  return { client, db, close: () => client.close() };
}
