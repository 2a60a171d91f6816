export { discoveryModule } from './module.js';
export { discoverThings, MAX_DOCUMENT_BYTES, type Discovery, type DiscoveredThing } from './discover-things.js';
export { readDocument, documentKind, ATOM_NS, PODCAST_NS, type PaymentLink, type ReadDocument } from './read-document.js';
