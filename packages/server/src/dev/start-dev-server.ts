import { loadConfig } from '../config/index.js';
import { DEMO_PASSWORD } from '../demo-sites/index.js';
import { seedDemo } from '../seed/index.js';
import { startServer, type RunningServer } from '../server.js';

/**
 * `npm start`: development defaults on top of the environment (demo mode with
 * its clock and "end the month now", the demo top-up, loopback fetches
 * allowed, mail to the dev outbox at /dev/mail unless SMTP_URL is set), then
 * the demo seeded into a new database (a restart finds it there).
 */
export async function startDevServer(mongodbUri: string): Promise<RunningServer> {
  const config = loadConfig({
    PORT: '8080',
    DEMO_TOPUP: 'true',
    DEMO_MODE: 'true',
    ALLOW_PRIVATE_FETCH: 'true',
    ADMIN_EMAILS: 'admin@example.test',
    // Without an SMTP server, mail is logged and listed at /dev/mail instead of sent.
    ...(process.env.SMTP_URL ? {} : { DEV_MAIL_OUTBOX: 'true' }),
    ...process.env,
    MONGODB_URI: process.env.MONGODB_URI ?? mongodbUri,
  });
  const server = await startServer({ config });
  // PORT=0 (tests): the port is known only now; links and the token issuer follow it unless set.
  if (!process.env.PUBLIC_URL && config.port === 0) {
    config.publicUrl = server.url;
    if (!process.env.JWT_ISSUER) config.jwt.issuer = server.url;
  }
  try {
    const demo = await seedDemo(server.ctx, server.url);
    console.log(`[demo] ${demo.seeded ? 'seeded' : 'kept'}: reader ${demo.reader}, creators ${demo.creators.map((c) => `${c.email} (${c.blog})`).join(', ')}, admin ${demo.admin}; password ${DEMO_PASSWORD}`);
  } catch (error) {
    await server.close();
    throw error;
  }
  console.log(`Flattr is running: ${server.url}/  (demo guide: ${server.url}/welcome, demo blog: ${server.url}/demo/, health: ${server.url}/healthz)`);
  return server;
}
