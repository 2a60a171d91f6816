import { startLocalDatabase, type LocalDatabase } from '../localdb/index.js';
import { startToxiproxy, type ToxiProxy, type Toxiproxy } from './tools/index.js';

export interface ProxiedDatabase {
  /** The database through the proxy: what the server under test connects to. */
  uri: string;
  /** The database itself, for the test's own reads while the line is cut. */
  directUri: string;
  /** The line between them: cut, blackhole, restore. */
  line: ToxiProxy;
  stop(): Promise<void>;
}

/**
 * A database behind a Toxiproxy line the test can cut and restore. The database
 * is `MONGODB_URI` when that names one host (`mongodb://host:port/…`, as the
 * test runner's stand-in does), else a local one started here; either way it is
 * a process of its own, so it outlives a server the test kills. The proxied URI
 * asks for a direct connection: a replica-set member would otherwise hand the
 * driver its real address and the line would be bypassed.
 */
export async function startProxiedDatabase(log: (line: string) => void = () => {}): Promise<ProxiedDatabase> {
  const single = /^mongodb:\/\/([^/?,@]+:\d+)\/?(\?.*)?$/.exec(process.env.MONGODB_URI ?? '');
  let local: LocalDatabase | undefined;
  let upstream = single?.[1];
  let directUri = process.env.MONGODB_URI ?? '';
  if (!upstream) {
    local = await startLocalDatabase({ env: { PATH: process.env.PATH ?? '' }, log });
    directUri = local.uri;
    upstream = /^mongodb:\/\/([^/?]+)/.exec(local.uri)![1]!;
  }
  let toxiproxy: Toxiproxy | undefined;
  try {
    toxiproxy = await startToxiproxy(log);
    const line = await toxiproxy.proxy('database', upstream);
    return {
      uri: `mongodb://${line.listen}/?directConnection=true`,
      directUri,
      line,
      stop: async () => {
        await toxiproxy?.stop();
        await local?.stop();
      },
    };
  } catch (error) {
    await toxiproxy?.stop();
    await local?.stop();
    throw error;
  }
}
