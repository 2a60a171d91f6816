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
  const existing = win.flattr;
  if (existing && (existing as CommandQueue).loaded) return;
  const queue: Command[] = Array.isArray(existing) ? existing : [];
  const pending = queue.splice(0, queue.length);
  Object.defineProperty(queue, 'loaded', { value: true });
  Object.defineProperty(queue, 'push', {
    configurable: true,
    value: (...commands: Command[]) => {
      for (const command of commands) runCommand(command);
      return queue.length;
    },
  });
  win.flattr = queue;
  for (const command of pending) runCommand(command);
}

export function runCommand(command: Command): HTMLElement[] {
  try {
    if (!Array.isArray(command)) throw new TypeError('a command is an array: ["render", {…}]');
    const [name, options] = command;
    if (name === 'render') return [render(options as RenderOptions)];
    if (name === 'upgrade') return upgradeLegacyButtons();
    throw new TypeError(`unknown command ${JSON.stringify(name)}`);
  } catch (error) {
    // One bad command must not stop the others (nor the page's own script that pushed it).
    console.error('[flattr]', error);
    return [];
  }
}

function render(options: RenderOptions): HTMLElement {
  const target = typeof options.target === 'string' ? document.querySelector(options.target) : options.target;
  if (!target) throw new TypeError(`render: no element matches ${String(options.target)}`);
  const button = document.createElement('flattr-button');
  const attributes: Record<string, string | undefined> = {
    url: options.url,
    title: options.title,
    creator: options.creator,
    size: options.size,
    lang: options.lang,
    api: options.api,
    category: options.category,
    tags: Array.isArray(options.tags) ? options.tags.join(',') : options.tags,
  };
  for (const [name, value] of Object.entries(attributes)) if (value) button.setAttribute(name, value);
  if (options.showCount) button.setAttribute('show-count', '');
  target.append(button);
  return button;
}
