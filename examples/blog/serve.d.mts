export interface BlogServer {
  url: string;
  close(): Promise<void>;
}

/** A page as text, or made per request from the blog's own URL and the service's. */
export type BlogPage = string | ((site: { url: string; api: string }) => string);

/** Serves the example blog (and its Atom feed, `/feed.atom`) with the service's URL set to `api`; `pages` adds extra HTML pages by path. */
export function startBlogServer(options?: { api?: string; port?: number; host?: string; hostname?: string; pages?: Record<string, BlogPage> }): Promise<BlogServer>;
