export { subscriptionsModule } from './module.js';
export { materializeSubscriptions, type MaterializeSummary } from './materialize.js';
export {
  subscribe, listSubscriptions, setPaused, cancelSubscription, statusOf, ensureSubscriptionIndexes,
  SUBSCRIPTIONS, MAX_MONTHS, type SubscriptionDoc, type SubscriptionStatus,
} from './subscriptions.js';
export { coversPeriod, decisiveInstant, type PauseInterval } from './coverage.js';
