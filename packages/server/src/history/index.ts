export { walletHistory, type WalletHistory, type WalletMovement, type ContributionMonth, type ContributedShare } from './wallet-history.js';
