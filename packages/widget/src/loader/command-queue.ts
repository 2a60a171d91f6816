import { upgradeLegacyButtons } from './upgrade.js';

/** Options for `flattr.push(['render', options])`. */
export interface RenderOptions {
  /** Where the button goes: an element or a CSS selector. It is appended as the last child. */
  target: Element | string;
  url?: string;
  title?: string;
  creator?: string;
  size?: 'compact' | 'large';
  showCount?: boolean;
  lang?: string;
  api?: string;
  category?: string;
  tags?: string | string[];
}

export type Command = ['render', RenderOptions] | ['upgrade'] | [string, ...unknown[]];

/** The `window.flattr` queue once the loader runs: `push` executes commands immediately. */
export interface CommandQueue extends Array<Command> {
  readonly loaded?: true;
}

declare global {
  interface Window {
    flattr?: Command[] | CommandQueue;
  }
}

/**
 * Runs what the page queued before the loader arrived, then replaces `push` so later commands run at once.
 * A second loader on the same page finds the queue already live and leaves it alone.
 */
export function installCommandQueue(win: Window = window): void {
  const existing = win.flattr as CommandQueue | undefined;
  if (existing?.loaded) return;
  const queue = (Array.isArray(existing) ? existing : []) as Command[] & { loaded?: true };
  // An own property on the array: `loaded` marks it live for a second loader.
  queue.loaded = true;
  win.flattr = queue;
  runQueue(queue);
}

/** Runs the commands waiting in `queue`, then replaces its `push` so that later commands run at once. */
export function runQueue(queue: Command[]): void {
  const pending = queue.splice(0);
  queue.push = (...commands: Command[]) => {
    commands.forEach(runCommand);
    return queue.length;
  };
  pending.forEach(runCommand);
}

export function runCommand(command: Command): HTMLElement[] {
  try {
    const [name, options] = command;
    if (name === 'render') return [render(options as RenderOptions)];
    if (name === 'upgrade') return upgradeLegacyButtons();
    throw new TypeError(`unknown command ${name}`);
  } catch (error) {
    // One bad command (unknown, not an array, no target) must not stop the others, nor the page's own script.
    console.error('[flattr]', error);
    return [];
  }
}

// Options copied to attributes of the same name (`tags` may be an array, `showCount` is `show-count`).
const ATTRIBUTES = ['url', 'title', 'creator', 'size', 'lang', 'api', 'category', 'tags'] as const;

function render(options: RenderOptions): HTMLElement {
  const { target } = options;
  const parent = typeof target === 'string' ? document.querySelector(target) : target;
  const button = document.createElement('flattr-button');
  for (const name of ATTRIBUTES) if (options[name]) button.setAttribute(name, String(options[name]));
  button.toggleAttribute('show-count', !!options.showCount);
  if (!parent) throw new TypeError(`no target ${String(target)}`);
  parent.append(button);
  return button;
}
