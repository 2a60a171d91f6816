export { connectDatabase, type Database } from './connect.js';
