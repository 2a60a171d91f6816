import type { MongoClient, ServerHeartbeatFailedEvent, ServerHeartbeatStartedEvent, ServerHeartbeatSucceededEvent } from 'mongodb';

/**
 * Works around a fault of the MongoDB driver (7.9.0 and 7.9.1): when it writes a command on a socket
 * the database has just closed, `socket.write` returns false and the driver waits for a `drain` event
 * that a destroyed socket never emits (`Connection.writeCommand`). When the command is a heartbeat,
 * the server's monitor waits forever: the driver keeps the database marked unreachable and every
 * operation fails server selection, even after the database is back, until the process restarts.
 * Seen in test/fault-database-outage.test.ts in about one cut of the line in three.
 *
 * A heartbeat has a deadline (the driver's own socket timeout for it: connectTimeoutMS, plus
 * heartbeatFrequencyMS for the streaming protocol's awaited ones). One outstanding well past that
 * is stuck: the client is closed and connected again, which starts fresh monitors. `Db` objects
 * follow their client, so nothing else changes. Returns a function that stops watching.
 */
export function watchHeartbeats(
  client: MongoClient,
  limits: { connectTimeoutMS: number; heartbeatFrequencyMS: number },
  warn: (message: string) => void,
): () => void {
  const outstanding = new Map<string, { since: number; awaited: boolean }>();
  const started = (event: ServerHeartbeatStartedEvent) => outstanding.set(event.connectionId, { since: Date.now(), awaited: event.awaited });
  const ended = (event: ServerHeartbeatSucceededEvent | ServerHeartbeatFailedEvent) => outstanding.delete(event.connectionId);
  client.on('serverHeartbeatStarted', started);
  client.on('serverHeartbeatSucceeded', ended);
  client.on('serverHeartbeatFailed', ended);
  let reconnecting = false;
  const timer = setInterval(() => {
    if (reconnecting) return;
    const stuck = [...outstanding].find(([, h]) => Date.now() - h.since > limits.connectTimeoutMS + (h.awaited ? limits.heartbeatFrequencyMS : 0) + SLACK_MS);
    if (!stuck) return;
    reconnecting = true;
    outstanding.clear();
    warn(`database: the driver's heartbeat to ${stuck[0]} has been stuck for ${Date.now() - stuck[1].since} ms; reconnecting`);
    void (async () => {
      try {
        await client.close();
        // Fails while the database is still away; the next operation connects again by itself.
        await client.connect();
      } catch {
        // see above
      } finally {
        reconnecting = false;
      }
    })();
  }, CHECK_EVERY_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    client.off('serverHeartbeatStarted', started);
    client.off('serverHeartbeatSucceeded', ended);
    client.off('serverHeartbeatFailed', ended);
  };
}

const CHECK_EVERY_MS = 1000;
/** Beyond the driver's own deadline: a loaded event loop may be late by this much. */
const SLACK_MS = 5000;
