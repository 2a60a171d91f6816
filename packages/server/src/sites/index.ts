export { sitesModule } from './module.js';
export { addSite, listSites, verifySite, ownerForHost, ensureSiteIndexes, instructionsFor, SITES, SITE_OWNERS, type SiteDoc, type VerifyOutcome } from './sites.js';
export { escrowHeldForHost, type HeldEscrow } from './escrow-held.js';
export {
  releaseEscrowForOwner, releaseOne, finishRelease, releaseDeadline, releaseEntryId, ESCROW,
  type EscrowView, type ReleaseSummary, type ReleaseResult,
} from './release-escrow.js';
export { classifyAddress, isPublicAddress, type AddressKind } from './address-policy.js';
export { safeFetchText, AddressNotAllowedError, FetchFailedError, FETCH_DEFAULTS, type SafeFetchOptions } from './safe-fetch.js';
export { siteAddressOf, type SiteAddress } from './site-url.js';
