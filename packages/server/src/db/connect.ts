import { MongoClient, type Db } from 'mongodb';
import { watchHeartbeats } from './monitor-watchdog.js';

export interface Database {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/** How long an operation may wait for the database before it fails (and a request answers 503). */
export interface DatabaseTimeouts {
  /** Finding a server to send an operation to (none reachable, no primary). */
  serverSelectionMs: number;
  /** Silence on an open connection (a dead peer, a dropped route); 0: wait forever. Also bounds opening one. */
  socketMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { serverSelectionMs: 5000, socketMs: 30_000 };

/**
 * Connects to MongoDB 4.4 or later (the driver 7 refuses older servers):
 * a standalone server, a replica set, Atlas, or the local stand-in.
 * Bounded waits (`timeouts`): without a socket timeout, a database that stops
 * answering without closing the connection (a network partition) would keep
 * every request and a distribution run waiting forever.
 */
export async function connectDatabase(
  uri: string,
  dbName: string,
  timeouts: DatabaseTimeouts = DEFAULT_DATABASE_TIMEOUTS,
  warn: (message: string) => void = (message) => console.warn(message),
): Promise<Database> {
  // Opening a connection and each heartbeat: a peer that accepts but never answers is found out as soon.
  const connectTimeoutMS = Math.min(timeouts.socketMs || 10_000, 10_000);
  const heartbeatFrequencyMS = 10_000;
  const client = new MongoClient(uri, {
    // The configured waits unless the URI names its own (the driver lets these options win over the URI's).
    ...unlessInUri(uri, 'serverSelectionTimeoutMS', timeouts.serverSelectionMs),
    ...unlessInUri(uri, 'socketTimeoutMS', timeouts.socketMs),
    connectTimeoutMS,
    heartbeatFrequencyMS,
    // Retryable writes stay on (the driver's default, and what Atlas URIs ask for): on a replica set a
    // write cut off by a failover or a dropped connection is sent once more with the same transaction
    // number, and the server applies it at most once, so a `$inc` or a guarded debit is neither lost
    // nor doubled. A standalone server and the stand-in announce no sessions; the driver then sends
    // plain writes (checked on the stand-in with command monitoring: no lsid, no txnNumber).
    maxPoolSize: 50,
  });
  const stopWatching = watchHeartbeats(client, { connectTimeoutMS, heartbeatFrequencyMS }, warn);
  try {
    await client.connect();
  } catch (error) {
    stopWatching();
    throw error;
  }
  const db = client.db(dbName);
  return {
    client,
    db,
    close: async () => {
      stopWatching();
      await client.close();
    },
  };
}

/** `{ [option]: value }`, or nothing when the connection string sets the option itself. */
function unlessInUri(uri: string, option: string, value: number): Record<string, number> {
  return new RegExp(`[?&]${option}=`, 'i').test(uri) ? {} : { [option]: value };
}
