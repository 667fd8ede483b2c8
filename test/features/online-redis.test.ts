import { test } from 'node:test';
import { createClient } from 'redis';
import { openRedisOnlineStore } from '../../src/features/redis/online-store.js';
import { onlineStoreContract } from './online-store-contract.js';

// Only test files read the environment. Locally: LADING_TEST_REDIS_URL=redis://127.0.0.1:6379 (.ci/run sets it).
const url = process.env['LADING_TEST_REDIS_URL'];
if (url === undefined || url === '') {
  test('online feature store on Redis', { skip: 'LADING_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379)' }, () => undefined);
} else {
  onlineStoreContract('Redis (a fresh key prefix per test)', async () => {
    const prefix = `lading-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}:`;
    return {
      store: await openRedisOnlineStore({ url, prefix }),
      async cleanup() {
        const c = createClient({ url });
        await c.connect();
        const keys: string[] = [];
        for await (const batch of c.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...(Array.isArray(batch) ? batch : [batch]));
        if (keys.length > 0) await c.del(keys);
        await c.quit();
      },
    };
  });
}
