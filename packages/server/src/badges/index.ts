export { badgesModule } from './module.js';
export { renderBadgeSvg, shortCount, xmlText, BADGE_THEMES, type BadgeTheme, type BadgeContent } from './badge-svg.js';
export { thingBadgeFacts, creatorBadgeFacts } from './badge-counts.js';
export { snippetsFor, type Snippets, type SnippetTarget } from './snippets.js';
