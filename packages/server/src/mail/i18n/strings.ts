/**
 * Every text of the service's emails in one language. `{name}` placeholders
 * are filled by `fill` (values are escaped in the HTML part).
 */
export interface MailStrings {
  greeting: string;
  signature: string;
  verifySubject: string;
  verifyIntro: string;
  verifyAction: string;
  verifyExpiry: string;
  resetSubject: string;
  resetIntro: string;
  resetAction: string;
  resetExpiry: string;
  resetIgnore: string;
  receiptSubject: string;
  receiptIntro: string;
  receiptThing: string;
  receiptNothing: string;
  earningsSubject: string;
  earningsIntro: string;
  earningsThing: string;
  earningsTotal: string;
  earningsWallet: string;
  payoutPaidSubject: string;
  payoutPaidBody: string;
  payoutFailedSubject: string;
  payoutFailedBody: string;
  payoutReversedSubject: string;
  payoutReversedBody: string;
}
