import { useMemo, useRef, useState } from 'react';
import { FlattrClient, localStorageAdapter } from '@flattr/sdk';
import type { FlattrButton as FlattrButtonElement } from '@flattr/widget';
import { Article, type Post } from './Article.js';
import { ReaderDashboard } from './ReaderDashboard.js';

const POSTS: Post[] = [
  { url: 'https://workshop-notes.example/2026/plane-iron', title: 'Sharpening a plane iron', body: 'Flat the back first, then the bevel.' },
  { url: 'https://workshop-notes.example/2026/one-board-bench', title: 'A bench from one board', body: 'Eight feet of pine and an afternoon.' },
];

export function App({ api }: { api: string }) {
  const client = useMemo(() => new FlattrClient({ baseUrl: api, storage: localStorageAdapter() }), [api]);
  const buttons = useRef(new Map<string, FlattrButtonElement>());
  const [flattred, setFlattred] = useState(0);

  return (
    <>
      <header><h1>Workshop notes</h1><p>A React app with Flattr buttons and a reader's dashboard, on {api}</p></header>
      <div className="layout">
        <main>
          {POSTS.map((post) => (
            <Article
              key={post.url}
              post={post}
              creator="Robin"
              ref={(el) => { if (el) buttons.current.set(post.url, el); else buttons.current.delete(post.url); }}
              onFlattred={() => setFlattred((n) => n + 1)}
            />
          ))}
        </main>
        <aside>
          <ReaderDashboard client={client} refreshKey={flattred} onWithdrawn={(url) => buttons.current.get(url)?.refresh()} />
        </aside>
      </div>
    </>
  );
}
