export { installCommandQueue, runCommand, type Command, type CommandQueue, type RenderOptions } from './command-queue.js';
export { apiFromScript, findLoaderScript } from './script-tag.js';
export { upgradeLegacyButtons } from './upgrade.js';
