/**
 * Ledger account names. A user has one wallet: deposits and earnings come in,
 * contributions and payouts go out.
 */
export const accounts = {
  user: (userId: string) => `user:${userId}`,
  escrow: (thingId: string) => `escrow:${thingId}`,
  fees: 'platform:fees',
  /** Money entering the system from a payment provider (goes negative as deposits come in). */
  deposits: 'external:deposits',
  /** Payouts requested and not yet sent: out of the wallet, not yet out of the system (never below zero). */
  pendingPayouts: 'payouts:pending',
  /** Money leaving the system to creators' bank accounts. */
  payouts: 'external:payouts',
} as const;

/** Accounts allowed to go below zero: the outside world's side of deposits and payouts. */
export function mayBeNegative(account: string): boolean {
  return account.startsWith('external:');
}
