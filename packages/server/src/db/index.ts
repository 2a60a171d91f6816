export { connectDatabase, type Database } from './connect.js';
export { collections, DISTRIBUTIONS, type UserDoc, type ThingDoc, type FlattrDoc } from './collections.js';
