import { useState } from 'react';
import { FlattrButton } from './FlattrButton.js';

export function Article({ id, title }: { id: string; title: string }) {
  const [thanks, setThanks] = useState<string | null>(null);
  return (
    <article>
      <h2>{title}</h2>
      <FlattrButton
        api="https://flattr.example"
        url={`https://blog.example/posts/${id}`}
        title={title}
        creator="me"
        size="large"
        showCount
        style={{ ['--flattr-radius' as string]: '999px' }}
        onFlattrSuccess={(e) => setThanks(`Thank you! ${e.detail.count} flattrs so far.`)}
        onFlattrError={(e) => e.detail.code === 'popup_blocked' && setThanks('Allow pop-ups to flattr, or use the link.')}
      />
      {thanks && <p role="status">{thanks}</p>}
    </article>
  );
}
