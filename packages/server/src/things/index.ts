export { normalizeUrl, hostOf, InvalidUrlError, MAX_URL_LENGTH } from './normalize-url.js';
