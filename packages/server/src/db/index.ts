export { connectDatabase, type Database } from './connect.js';
export { collections, DISTRIBUTIONS, type UserDoc, type ThingDoc, type FlattrDoc } from './collections.js';
export {
  groupCommit, groupedInserts, groupedInsertsInto,
  type GroupCommit, type GroupCommitOptions, type ItemOutcome, type InsertOutcome,
} from './group-commit.js';
