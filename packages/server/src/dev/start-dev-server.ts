import { loadConfig } from '../config/index.js';
import { startServer, type RunningServer } from '../server.js';

/** Development defaults on top of the environment: demo top-up on, loopback fetches allowed, mail to the dev outbox (/dev/mail) unless SMTP_URL is set. */
export async function startDevServer(mongodbUri: string): Promise<RunningServer> {
  const config = loadConfig({
    PORT: '8080',
    DEMO_TOPUP: 'true',
    ALLOW_PRIVATE_FETCH: 'true',
    ADMIN_EMAILS: 'admin@example.test',
    // Without an SMTP server, mail is logged and listed at /dev/mail instead of sent.
    ...(process.env.SMTP_URL ? {} : { DEV_MAIL_OUTBOX: 'true' }),
    ...process.env,
    MONGODB_URI: process.env.MONGODB_URI ?? mongodbUri,
  });
  const server = await startServer({ config });
  console.log(`Flattr is running: ${server.url}/  (demo blog: ${server.url}/demo/, health: ${server.url}/healthz)`);
  return server;
}
