import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from '../../src/serving/fast-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];

test('fast counters and histograms print exactly what prom-client prints for the same observations', async () => {
  const reference = new Registry();
  const fast = new Registry();
  const c = new Counter({ name: 'x_total', help: 'Things', labelNames: ['endpoint', 'variant'], registers: [reference] });
  const h = new Histogram({ name: 'x_seconds', help: 'Time "quoted"\nand new line', labelNames: ['endpoint', 'variant'], buckets: BUCKETS, registers: [reference] });
  const unused = new Histogram({ name: 'y_seconds', help: 'Never observed', labelNames: ['endpoint'], buckets: BUCKETS, registers: [reference] });
  unused.labels({ endpoint: 'a' });
  const fc = new FastCounter('x_total', 'Things', fast);
  const fh = new FastHistogram('x_seconds', 'Time "quoted"\nand new line', BUCKETS, fast);
  const fu = new FastHistogram('y_seconds', 'Never observed', BUCKETS, fast);
  fu.series({ endpoint: 'a' });
  const values = [0.0005, 0.001, 0.002, 0.5, 3, 0.05, 0.05];
  for (const [endpoint, variant] of [['hs', 'main'], ['hs', 'next "b"\\']]) {
    const labels = { endpoint: endpoint!, variant: variant! };
    const cs = fc.series(labels);
    const hs = fh.series(labels);
    for (const v of values) {
      c.inc(labels, 2);
      cs.inc(2);
      h.observe(labels, v);
      hs.observe(v);
    }
  }
  fc.series({ endpoint: 'idle', variant: 'x' }); // made but never counted: not printed, as prom-client
  assert.equal(await fast.metrics(), await reference.metrics());
  const json = async (r: Registry) => JSON.parse(JSON.stringify(await r.getMetricsAsJSON())) as unknown;
  assert.deepEqual(await json(fast), await json(reference));
});
