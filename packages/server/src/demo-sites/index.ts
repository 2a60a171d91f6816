export { demoSitesModule } from './module.js';
export { DEMO_CREATORS, DEMO_READER, DEMO_ADMIN, DEMO_PASSWORD, demoBlogOrigin, demoCreatorForHost, type DemoCreator, type DemoPerson } from './demo-people.js';
