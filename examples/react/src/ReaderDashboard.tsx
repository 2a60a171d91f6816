/**
 * A reader's corner on the SDK: sign in with email and password, see the balance and the monthly budget
 * (and change it), list this month's flattrs and withdraw one. The session lives in localStorage
 * (`localStorageAdapter`), so a reload keeps the reader signed in.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { FlattrError, type Balance, type FlattrClient, type FlattrList, type User } from '@flattr/sdk';
import { formatMoney, parseMoney, toMajor } from './money.js';

interface Account { me: User; balance: Balance; flattrs: FlattrList }

export interface ReaderDashboardProps {
  client: FlattrClient;
  /** Changes when something outside (a button) flattred: the list is read again. */
  refreshKey?: number;
  /** After a withdrawal, e.g. to refresh the button of that thing. */
  onWithdrawn?: (url: string) => void;
}

export function ReaderDashboard({ client, refreshKey = 0, onWithdrawn }: ReaderDashboardProps) {
  const [account, setAccount] = useState<Account | null>(null);
  const [signedIn, setSignedIn] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [me, balance, flattrs] = await Promise.all([client.me.get(), client.balance.get(), client.flattrs.list()]);
      setAccount({ me, balance, flattrs });
      setSignedIn(true);
      setError(null);
    } catch (e) {
      if (e instanceof FlattrError && e.status === 401) setSignedIn(false);
      else setError(messageOf(e));
    }
  }, [client]);

  useEffect(() => {
    void client.auth.getSession().then((session) => (session ? load() : setSignedIn(false)));
    return client.on('session', ({ signedIn: now }) => { if (!now) { setSignedIn(false); setAccount(null); } });
  }, [client, load]);

  useEffect(() => { if (signedIn && refreshKey > 0) void load(); }, [refreshKey]); // eslint-disable-line react-hooks/exhaustive-deps

  if (signedIn === null) return <p>Loading…</p>;
  if (!signedIn || !account) return <LogIn client={client} onSignedIn={load} />;

  const { me, balance, flattrs } = account;
  const money = (minor: number) => formatMoney(minor, balance.currency);

  async function withdraw(id: string, url: string) {
    try {
      await client.flattrs.withdraw(id);
      onWithdrawn?.(url);
      await load();
    } catch (e) {
      setError(messageOf(e));
    }
  }

  return (
    <section aria-labelledby="dashboard-title" className="dashboard">
      <h2 id="dashboard-title">Your Flattr</h2>
      <p>Signed in as {me.name} <button type="button" onClick={() => void client.auth.logout()}>Log out</button></p>
      <dl>
        <dt>Balance</dt>
        <dd data-testid="balance">{money(balance.available)}</dd>
        <dt>Monthly budget</dt>
        <dd data-testid="budget">{money(me.budget)}</dd>
      </dl>
      <BudgetForm currency={balance.currency} budget={me.budget} onSave={async (budget) => { await client.me.update({ budget }); await load(); }} />
      <h3>This month's flattrs ({flattrs.period})</h3>
      {flattrs.items.length === 0
        ? <p>None yet: click a Flattr button.</p>
        : (
          <ul aria-label="This month's flattrs">
            {flattrs.items.map((f) => (
              <li key={f.id}>
                <a href={f.thing.url}>{f.thing.title || f.thing.url}</a>{' '}
                <button type="button" onClick={() => void withdraw(f.id, f.thing.url)} aria-label={`Withdraw ${f.thing.title || f.thing.url}`}>Withdraw</button>
              </li>
            ))}
          </ul>
        )}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

function LogIn({ client, onSignedIn }: { client: FlattrClient; onSignedIn: () => Promise<void> }) {
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      await client.auth.login({ email: String(form.get('email')), password: String(form.get('password')) });
      await onSignedIn();
    } catch (e) {
      setError(messageOf(e));
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="login-title" className="dashboard">
      <h2 id="login-title">Your Flattr</h2>
      <label>Email <input name="email" type="email" autoComplete="username" required /></label>
      <label>Password <input name="password" type="password" autoComplete="current-password" required /></label>
      <button type="submit">Log in</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function BudgetForm({ currency, budget, onSave }: { currency: string; budget: number; onSave: (budget: number) => Promise<void> }) {
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const amount = parseMoney(String(new FormData(event.currentTarget).get('budget')), currency);
    if (amount === null) {
      setError('The budget is an amount such as 5 or 5.50.');
      return;
    }
    try {
      await onSave(amount);
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)}>
      <label>New monthly budget ({currency}) <input name="budget" inputMode="decimal" defaultValue={toMajor(budget, currency)} /></label>
      <button type="submit">Save budget</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function messageOf(e: unknown): string {
  if (e instanceof FlattrError) return e.detail || e.code;
  return e instanceof Error ? e.message : String(e);
}
