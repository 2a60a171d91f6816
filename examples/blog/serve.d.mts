export interface BlogServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the example blog with its script tag pointed at `api`; `pages` adds extra HTML pages by path. */
export function startBlogServer(options?: { api?: string; port?: number; host?: string; hostname?: string; pages?: Record<string, string> }): Promise<BlogServer>;
