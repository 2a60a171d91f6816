import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectDatabase } from '../src/db/index.js';
import { startLocalDatabase, type LocalDatabase } from '../src/localdb/index.js';

describe('connectDatabase', () => {
  let local: LocalDatabase | undefined;
  let uri: string;
  before(async () => {
    uri = process.env.MONGODB_URI ?? '';
    if (!uri) {
      local = await startLocalDatabase();
      uri = local.uri;
    }
  });
  after(async () => { await local?.stop(); });

  const withOption = (base: string, option: string) => `${base}${base.includes('?') ? '&' : base.endsWith('/') ? '?' : '/?'}${option}`;

  it('waits 5 s for a server by default, and as long as the URI says when it says so (the driver would let ours win)', async () => {
    const plain = await connectDatabase(uri, 'connect_test');
    const own = await connectDatabase(withOption(uri, 'serverSelectionTimeoutMS=1234'), 'connect_test');
    try {
      assert.equal(plain.client.options.serverSelectionTimeoutMS, 5000);
      assert.equal(own.client.options.serverSelectionTimeoutMS, 1234);
    } finally {
      await plain.close();
      await own.close();
    }
  });
});
