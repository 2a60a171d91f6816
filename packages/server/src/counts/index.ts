export { countsFor, MAX_COUNT_URLS, type Count } from './counts.js';
export { strongEtag, matchesIfNoneMatch } from './etag.js';
export { countsModule } from './module.js';
