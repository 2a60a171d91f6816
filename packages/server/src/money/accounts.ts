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
  /**
   * What a user owes the service: a refund or dispute of a deposit took back
   * more than the wallet held (the money had been given to creators or paid
   * out). At most zero; below zero by the debt. Collected from the wallet when
   * money comes in again (deposits/debts.ts).
   */
  debt: (userId: string) => `debt:${userId}`,
} as const;

/**
 * Accounts allowed to go below zero: the outside world's side of deposits and
 * payouts, and users' debts (which must never go above zero: the ledger check
 * reports `debt_positive`).
 */
export function mayBeNegative(account: string): boolean {
  return account.startsWith('external:') || account.startsWith('debt:');
}
