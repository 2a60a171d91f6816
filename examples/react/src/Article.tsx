import { forwardRef, useState } from 'react';
import type { FlattrButton as FlattrButtonElement } from '@flattr/widget';
import { FlattrButton } from './FlattrButton.js';

export interface Post { url: string; title: string; body: string }

/** One post with its button; says thank you (or what went wrong) next to it. */
export const Article = forwardRef<FlattrButtonElement, { post: Post; creator: string; onFlattred?: () => void }>(
  function Article({ post, creator, onFlattred }, ref) {
    const [note, setNote] = useState<string | null>(null);
    return (
      <article>
        <h2>{post.title}</h2>
        <p>{post.body}</p>
        <FlattrButton
          ref={ref}
          url={post.url}
          title={post.title}
          creator={creator}
          size="large"
          showCount
          style={{ ['--flattr-radius' as string]: '999px' }}
          onFlattrSuccess={(e) => {
            setNote(`Thank you! ${e.detail.count} ${e.detail.count === 1 ? 'flattr' : 'flattrs'} so far.`);
            onFlattred?.();
          }}
          onFlattrError={(e) => setNote(e.detail.code === 'popup_blocked' ? 'Allow pop-ups to flattr.' : `Not flattred: ${e.detail.code}`)}
        />
        {note && <p role="status">{note}</p>}
      </article>
    );
  },
);
