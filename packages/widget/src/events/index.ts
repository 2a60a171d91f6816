export type { FlattrClickDetail, FlattrClickEvent } from './flattr-click.js';
export type { FlattrSuccessDetail, FlattrSuccessEvent } from './flattr-success.js';
export type { FlattrErrorCode, FlattrErrorDetail, FlattrErrorEvent } from './flattr-error.js';
