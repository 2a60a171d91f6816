export { rateLimitsModule } from './module.js';
export { limitAccount, limitCredential } from './request-limits.js';
export { throttleLogin, loginDelaySeconds, type LoginAttempt } from './login-throttle.js';
export { clientAddress } from './client-address.js';
export { policyField, limitField, type PolicyState } from './headers.js';
