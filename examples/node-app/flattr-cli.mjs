#!/usr/bin/env node
// flattr-cli: a reader's Flattr account from the terminal, through @flattr/sdk only.
//   FLATTR_API=http://127.0.0.1:8080 node flattr-cli.mjs <command> …
// The session (access + refresh token) is kept in FLATTR_SESSION_FILE
// (default ~/.config/flattr-cli/session.json); the SDK refreshes it when it expires.
import os from 'node:os';
import path from 'node:path';
import { FlattrClient, FlattrError } from '@flattr/sdk';
import { authorizeWithLoopback } from '@flattr/sdk/node';
import { fileStorage } from './file-storage.mjs';

const usage = `usage: flattr-cli <command>
  signup <email> <password> [name]   create an account and sign in
  login <email> <password>           sign in with email and password
  oauth <clientId>                   sign in through the browser (OAuth + PKCE, loopback redirect)
  logout                             sign out (revokes the refresh token)
  me                                 who am I
  budget <cents>                     set the monthly budget (minor units)
  balance                            available money and budget
  topup <cents>                      demo top-up (servers with DEMO_TOPUP=true)
  flattr <url> [title]               flattr a page
  withdraw <flattrId>                take a flattr back (until the month is distributed)
  flattrs [YYYY-MM]                  this month's (or another month's) flattrs
  counts <url>…                      flattr counts of pages (one batched request)
  token <name> <scope>…              create a personal access token (read, flattr, things, admin)`;

const flattr = new FlattrClient({
  baseUrl: process.env.FLATTR_API ?? 'http://127.0.0.1:8080',
  storage: fileStorage(process.env.FLATTR_SESSION_FILE ?? path.join(os.homedir(), '.config', 'flattr-cli', 'session.json')),
  timeoutMs: 15_000,
  headers: { 'user-agent': 'flattr-cli-example/0.1' },
});
flattr.on('retry', ({ attempt, delayMs, error }) => console.error(`(${error.code}; retry ${attempt} in ${delayMs} ms)`));

const money = (cents, currency) => `${(cents / 100).toFixed(2)} ${currency}`;

const commands = {
  async signup(email, password, name) {
    const { user } = await flattr.auth.signup({ email, password, ...(name ? { name } : {}) });
    return `Signed up and signed in as ${user.email} (${user.id})`;
  },
  async login(email, password) {
    const { user } = await flattr.auth.login({ email, password });
    return `Signed in as ${user.email}`;
  },
  async oauth(clientId) {
    await authorizeWithLoopback(flattr, {
      clientId,
      scope: 'read flattr',
      openUrl: (url) => console.log(`Open this address in your browser to sign in:\n\n  ${url}\n`),
    });
    return `Signed in as ${(await flattr.me.get()).email}`;
  },
  async logout() {
    await flattr.auth.logout();
    return 'Signed out';
  },
  async me() {
    const me = await flattr.me.get();
    return `${me.name} <${me.email}> ${me.id}, roles: ${me.roles.join(', ')}, budget ${money(me.budget, me.currency)}/month`;
  },
  async budget(cents) {
    const me = await flattr.me.update({ budget: Number(cents) });
    return `Monthly budget: ${money(me.budget, me.currency)}`;
  },
  async balance() {
    const b = await flattr.balance.get();
    return `Available ${money(b.available, b.currency)}, budget ${money(b.budget, b.currency)} for ${b.period}`;
  },
  async topup(cents) {
    await flattr.deposits.demo({ amount: Number(cents) });
    return commands.balance();
  },
  async flattr(url, title) {
    const { created, flattr: f } = await flattr.flattrs.create({ url, ...(title ? { title } : {}) });
    return `${created ? 'Flattred' : 'Already flattred this month'}: ${f.thing.title || f.thing.url} (flattr ${f.id}, ${f.period})`;
  },
  async withdraw(id) {
    await flattr.flattrs.withdraw(id);
    return `Withdrawn ${id}`;
  },
  async flattrs(period) {
    const list = await flattr.flattrs.list(period ? { period } : {});
    return [`${list.items.length} flattr(s) in ${list.period}`, ...list.items.map((f) => `  ${f.id}  ${f.thing.url}`)].join('\n');
  },
  async counts(...urls) {
    const counts = await flattr.counts.getMany(urls);
    return urls.map((url) => `${String(counts[url].count).padStart(6)}  ${url}`).join('\n');
  },
  async token(name, ...scopes) {
    const pat = await flattr.tokens.create({ name, scopes });
    return `Token "${pat.name}" (${pat.scopes.join(' ')}): ${pat.token}\nKeep it secret; it is shown only once.`;
  },
};

const [command, ...args] = process.argv.slice(2);
if (!commands[command]) {
  console.error(usage);
  process.exit(2);
}
try {
  console.log(await commands[command](...args));
} catch (error) {
  if (!(error instanceof FlattrError)) throw error;
  const hint = error.status === 401 ? ' (sign in first: flattr-cli login <email> <password>)' : '';
  console.error(`flattr-cli: ${error.code}${error.detail ? `: ${error.detail}` : ''}${hint}`);
  process.exit(1);
}
