import { test } from 'node:test';
import { createClient } from 'redis';
import { servingWithFeaturesSuite } from './serving-features.js';

// Only test files read the environment. Locally: LADING_TEST_REDIS_URL=redis://127.0.0.1:6379 (.ci/run sets it).
const url = process.env['LADING_TEST_REDIS_URL'];
if (url === undefined || url === '') {
  test('serving with entity features from Redis', { skip: 'LADING_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379)' }, () => undefined);
} else {
  servingWithFeaturesSuite('Redis online store', {
    url,
    async cleanup(view) {
      // The platform's default prefix: the view's keys only (the view name is unique to this run).
      const c = createClient({ url });
      await c.connect();
      const keys: string[] = [];
      for await (const batch of c.scanIterator({ MATCH: `lading:fs:${view}:*`, COUNT: 1000 })) keys.push(...(Array.isArray(batch) ? batch : [batch]));
      if (keys.length > 0) await c.del(keys);
      await c.quit();
    },
  });
}
