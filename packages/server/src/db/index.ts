export { connectDatabase, type Database, type DatabaseTimeouts } from './connect.js';
export { isDatabaseUnavailable } from './database-errors.js';
export { collections, DISTRIBUTIONS, type UserDoc, type ThingDoc, type FlattrDoc } from './collections.js';
