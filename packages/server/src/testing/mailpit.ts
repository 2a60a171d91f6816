import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { ensureGoTool } from './go-tools.js';
import { stopChild } from './stripe-mock.js';

/** A message as Mailpit parsed it (its API: /api/v1/message/{ID}). */
export interface MailpitMessage {
  ID: string;
  MessageID: string;
  From: { Name: string; Address: string };
  To: Array<{ Name: string; Address: string }>;
  Subject: string;
  Text: string;
  HTML: string;
}

export interface Mailpit {
  /** For SMTP_URL. */
  smtpUrl: string;
  /** Every message delivered so far (oldest first), parsed. */
  messages(): Promise<MailpitMessage[]>;
  /** Waits until `count` messages to `to` have arrived (and no more within a short grace period when `exact`). */
  waitFor(to: string, count?: number): Promise<MailpitMessage[]>;
  /** Makes Mailpit's SMTP server refuse recipients (chaos trigger, error code as given; 0 turns it off). */
  refuseRecipients(errorCode: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Mailpit, a real SMTP server (Go, independent of nodemailer), on free
 * loopback ports, its messages read back through its HTTP API as a mail
 * client would see them (MIME parsed, text and HTML parts apart).
 */
export async function startMailpit(): Promise<Mailpit> {
  const binary = await ensureGoTool('mailpit', (line) => console.error(`[mailpit] ${line}`));
  for (let attempt = 1; ; attempt++) {
    // Mailpit does not report a port the system chose: take two free ones (a rare clash is retried).
    const [smtpPort, httpPort] = [await freePort(), await freePort()];
    const child = spawn(binary, [
      '--smtp', `127.0.0.1:${smtpPort}`, '--listen', `127.0.0.1:${httpPort}`,
      '--smtp-auth-accept-any', '--smtp-auth-allow-insecure', '--disable-version-check', '--enable-chaos', '--quiet',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
    const api = `http://127.0.0.1:${httpPort}/api/v1`;
    const ready = await waitReady(`${api}/info`, () => child.exitCode !== null);
    if (!ready) {
      await stopChild(child);
      if (attempt < 3) continue;
      throw new Error(`Mailpit did not start: ${output}`);
    }
    const messages = async (): Promise<MailpitMessage[]> => {
      const list = await (await fetch(`${api}/messages?limit=1000`)).json() as { messages: Array<{ ID: string }> };
      const all = await Promise.all(list.messages.map(async (m) => (await fetch(`${api}/message/${m.ID}`)).json() as Promise<MailpitMessage>));
      return all.reverse();
    };
    return {
      smtpUrl: `smtp://flattr:secret@127.0.0.1:${smtpPort}`,
      messages,
      async waitFor(to, count = 1) {
        const deadline = Date.now() + 15_000;
        for (;;) {
          const found = (await messages()).filter((m) => m.To.some((t) => t.Address.toLowerCase() === to.toLowerCase()));
          if (found.length >= count) return found;
          if (Date.now() > deadline) throw new Error(`Mailpit: ${found.length} of ${count} message(s) to ${to} after 15 s`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
      async refuseRecipients(errorCode) {
        const res = await fetch(`${api}/chaos`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ Recipient: { ErrorCode: errorCode || 451, Probability: errorCode ? 100 : 0 } }),
        });
        if (!res.ok) throw new Error(`Mailpit chaos: ${res.status} ${await res.text()}`);
      },
      stop: () => stopChild(child),
    };
  }
}

async function waitReady(url: string, exited: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !exited()) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
