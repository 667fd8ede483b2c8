/**
 * Feature store benchmark (`npm run bench:features`): the point-in-time join the issue sets a
 * target for, on SQLite and (with LADING_BENCH_PG_URL or LADING_TEST_PG_URL) PostgreSQL, in one run.
 *
 * Data (synthetic, seeded): 100,000 importers; a history of LADING_BENCH_FEATURE_ROWS rows (default
 * 2,000,000) of one view with 5 features (two strings, two ints, one float), so 10M values, at
 * random times over a year; 1,000,000 examples at random importers and times. Figures: ingest
 * rows/s (the store's ingest, in 500k-row batches), and the join (key -> id lookup, one ordered scan of
 * the history, the merge) in seconds, LADING_BENCH_ROUNDS rounds (default 3), median and spread,
 * against the 20 s target. The anchor quoted by the issue: Feast's local mode took 30
 * minutes and 50 GB for 17k rows × 1,000 features in a user's report (not re-measured here).
 *
 * Then the online store: the SQLite history's latest values materialized into the embedded store
 * and (with LADING_BENCH_REDIS_URL or LADING_TEST_REDIS_URL) Redis; single-key lookups (the
 * TTL applied, as serving does) one after another, p50/p99 ms over 20,000 random keys; and
 * lookups/s in batches of 100 keys.
 *
 * Last, serving throughput with a feature lookup against without one (bench/features-serving.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { table } from '../src/cli/output.js';
import { createRandom } from '../src/core/random.js';
import type { FeatureViewSpec } from '../src/features/feature-spec.js';
import type { OfflineStore } from '../src/features/offline-store.js';
import { joinPointInTime } from '../src/features/point-in-time-join.js';
import { openPgOfflineStore } from '../src/features/postgres/offline-store.js';
import { openSqliteOfflineStore } from '../src/features/sqlite/offline-store.js';
import { materializeView } from '../src/features/materialize.js';
import { lookupOnline } from '../src/features/online-lookup.js';
import type { OnlineStore } from '../src/features/online-store.js';
import { openRedisOnlineStore } from '../src/features/redis/online-store.js';
import { openSqliteOnlineStore } from '../src/features/sqlite/online-store.js';
import { createClient } from 'redis';
import { measureServingWithFeatures, printServingFigures } from './features-serving.js';
import { machine, writeResult } from './machine.js';

const ENTITIES = 100_000;
const EXAMPLES = 1_000_000;
const HISTORY_ROWS = Number(process.env['LADING_BENCH_FEATURE_ROWS'] ?? 2_000_000);
const ROUNDS = Number(process.env['LADING_BENCH_ROUNDS'] ?? 3);
const BATCH = 500_000;
const YEAR = 365 * 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const FEATURES = ['top_chapter', 'top_heading', 'lines_30d', 'shipments_90d', 'textile_share'];
const VIEW: FeatureViewSpec = {
  name: 'importer_history', entity: { name: 'importer', joinKey: 'importer_id' }, timestampColumn: 'event_time', ttlMs: 90 * 86_400_000,
  features: [{ name: 'top_chapter', type: 'string' }, { name: 'top_heading', type: 'string' }, { name: 'lines_30d', type: 'int' }, { name: 'shipments_90d', type: 'int' }, { name: 'textile_share', type: 'float' }],
};

function rng(seed: number): () => number {
  const random = createRandom(seed);
  return () => random.next();
}
const keyOf = (i: number) => `imp-${i.toString(36)}`;
const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const spread = (xs: readonly number[], d = 1) => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;

async function ingestHistory(store: OfflineStore): Promise<number> {
  await store.apply([VIEW], 'bench');
  const random = rng(7);
  const started = performance.now();
  for (let from = 0; from < HISTORY_ROWS; from += BATCH) {
    const n = Math.min(BATCH, HISTORY_ROWS - from);
    const keys = new Array<string>(n);
    const times = new Float64Array(n);
    const values = FEATURES.map(() => new Array<string | number | null>(n));
    for (let r = 0; r < n; r++) {
      keys[r] = keyOf(Math.floor(random() * ENTITIES));
      times[r] = T0 + Math.floor(random() * YEAR);
      values[0]![r] = String(1 + Math.floor(random() * 97)).padStart(2, '0');
      values[1]![r] = String(100 + Math.floor(random() * 9_000)).padStart(4, '0');
      values[2]![r] = Math.floor(random() * 500);
      values[3]![r] = Math.floor(random() * 50);
      values[4]![r] = random();
    }
    await store.ingest('importer_history', { entityKeys: keys, times, features: FEATURES, values, source: 'bench' }, 'bench');
  }
  return HISTORY_ROWS / ((performance.now() - started) / 1000);
}

function examples(): { keys: string[]; times: Float64Array } {
  const random = rng(11);
  const keys = new Array<string>(EXAMPLES);
  const times = new Float64Array(EXAMPLES);
  for (let i = 0; i < EXAMPLES; i++) { keys[i] = keyOf(Math.floor(random() * ENTITIES)); times[i] = T0 + Math.floor(random() * YEAR); }
  return { keys, times };
}

async function joinOnce(store: OfflineStore, ex: { keys: string[]; times: Float64Array }): Promise<{ seconds: number; matched: number }> {
  const started = performance.now();
  const ids = await store.entityIds('importer', ex.keys);
  const joined = await joinPointInTime({ entityIds: ids, times: ex.times }, FEATURES.length, VIEW.ttlMs, (onPage) => store.scanHistory('importer_history', FEATURES, onPage));
  return { seconds: (performance.now() - started) / 1000, matched: joined.matched };
}

interface Figures { readonly store: string; readonly ingestRowsPerSecond: number; readonly joinSeconds: number[]; readonly matched: number }

async function measure(name: string, store: OfflineStore, ex: { keys: string[]; times: Float64Array }): Promise<Figures> {
  const ingestRowsPerSecond = await ingestHistory(store);
  console.log(`${name}: ingested ${HISTORY_ROWS.toLocaleString('en')} rows at ${Math.round(ingestRowsPerSecond).toLocaleString('en')} rows/s`);
  const joinSeconds: number[] = [];
  let matched = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const r = await joinOnce(store, ex);
    joinSeconds.push(r.seconds);
    matched = r.matched;
    console.log(`${name}: join round ${round + 1}: ${r.seconds.toFixed(2)} s (${r.matched.toLocaleString('en')} of ${EXAMPLES.toLocaleString('en')} examples found a value within the TTL)`);
  }
  return { store: name, ingestRowsPerSecond, joinSeconds, matched };
}

const LOOKUPS = 20_000;
const BATCH_KEYS = 100;

interface OnlineFigures { readonly store: string; readonly materializeSeconds: number; readonly p50Ms: number; readonly p99Ms: number; readonly targetMs: number; readonly batchedPerSecond: number }

async function measureOnline(name: string, offline: OfflineStore, online: OnlineStore, drop: () => Promise<void>): Promise<OnlineFigures> {
  try {
    const view = await offline.getView('importer_history');
    let started = performance.now();
    await materializeView(offline, online, view);
    const materializeSeconds = (performance.now() - started) / 1000;
    const random = rng(23);
    const now = T0 + YEAR;
    const latencies = new Float64Array(LOOKUPS);
    for (let i = 0; i < LOOKUPS; i++) {
      const key = keyOf(Math.floor(random() * ENTITIES));
      const t = performance.now();
      await lookupOnline(online, view.name, FEATURES, VIEW.ttlMs, [key], now);
      latencies[i] = performance.now() - t;
    }
    latencies.sort();
    const batches = LOOKUPS / BATCH_KEYS;
    started = performance.now();
    for (let b = 0; b < batches; b++) {
      const keys = Array.from({ length: BATCH_KEYS }, () => keyOf(Math.floor(random() * ENTITIES)));
      await lookupOnline(online, view.name, FEATURES, VIEW.ttlMs, keys, now);
    }
    const batchedPerSecond = LOOKUPS / ((performance.now() - started) / 1000);
    const fig = { store: name, materializeSeconds, p50Ms: latencies[Math.floor(LOOKUPS * 0.5)]!, p99Ms: latencies[Math.floor(LOOKUPS * 0.99)]!, targetMs: name === 'Redis' ? 2 : 1, batchedPerSecond };
    console.log(`${name}: materialized in ${materializeSeconds.toFixed(1)} s; lookup p50 ${fig.p50Ms.toFixed(3)} ms, p99 ${fig.p99Ms.toFixed(3)} ms; ${Math.round(batchedPerSecond).toLocaleString('en')} lookups/s in batches of ${BATCH_KEYS}`);
    return fig;
  } finally {
    await online.close();
    await drop();
  }
}

async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const c = createClient({ url });
  await c.connect();
  for await (const batch of c.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
    const keys = Array.isArray(batch) ? batch : [batch];
    if (keys.length > 0) await c.del(keys);
  }
  await c.quit();
}

async function main(): Promise<void> {
  const ex = examples();
  const results: Figures[] = [];
  const online: OnlineFigures[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'lading-bench-features-'));
  try {
    const store = openSqliteOfflineStore(join(dir, 'features.sqlite'));
    try {
      results.push(await measure('SQLite', store, ex));
      online.push(await measureOnline('embedded (SQLite)', store, openSqliteOnlineStore(join(dir, 'online.sqlite')), async () => undefined));
      const redisUrl = process.env['LADING_BENCH_REDIS_URL'] ?? process.env['LADING_TEST_REDIS_URL'];
      if (redisUrl) {
        const prefix = `lading-bench-${process.pid}:`;
        online.push(await measureOnline('Redis', store, await openRedisOnlineStore({ url: redisUrl, prefix }), () => dropRedisKeys(redisUrl, prefix)));
      } else console.log('Redis: skipped (set LADING_BENCH_REDIS_URL or LADING_TEST_REDIS_URL)');
    } finally { await store.close(); }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const url = process.env['LADING_BENCH_PG_URL'] ?? process.env['LADING_TEST_PG_URL'];
  if (url) {
    const schema = `lading_bench_features_${process.pid}`;
    const store = await openPgOfflineStore({ url, schema });
    try {
      results.push(await measure('PostgreSQL', store, ex));
    } finally {
      await store.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
  } else console.log('PostgreSQL: skipped (set LADING_BENCH_PG_URL or LADING_TEST_PG_URL)');

  const m = machine();
  console.log(`\nPoint-in-time join, ${EXAMPLES.toLocaleString('en')} examples x ${FEATURES.length} features, ${(HISTORY_ROWS * FEATURES.length).toLocaleString('en')} historical values (${HISTORY_ROWS.toLocaleString('en')} rows, ${ENTITIES.toLocaleString('en')} entities)`);
  console.log(`command: npm run bench:features; machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, load ${m.loadAverage1m.toFixed(2)}; ${ROUNDS} rounds`);
  console.log(table(['store', 'ingest rows/s', 'join s (median)', 'spread', 'target s', 'median / target'], results.map((r) => [
    r.store, Math.round(r.ingestRowsPerSecond).toLocaleString('en'), median(r.joinSeconds).toFixed(2), spread(r.joinSeconds, 2), '20', (median(r.joinSeconds) / 20).toFixed(2),
  ])));
  console.log('anchor (quoted by the issue, not re-measured): Feast local mode, 17k rows x 1,000 features: 30 minutes, 50 GB');
  console.log(`\nOnline lookups of ${FEATURES.length} features (${ENTITIES.toLocaleString('en')} keys materialized; single keys one after another, ${LOOKUPS.toLocaleString('en')} lookups; batches of ${BATCH_KEYS})`);
  console.log(table(['store', 'materialize s', 'p50 ms', 'p99 ms', 'p99 target ms', 'p99 / target', 'batched lookups/s'], online.map((o) => [
    o.store, o.materializeSeconds.toFixed(1), o.p50Ms.toFixed(3), o.p99Ms.toFixed(3), String(o.targetMs), (o.p99Ms / o.targetMs).toFixed(2), Math.round(o.batchedPerSecond).toLocaleString('en'),
  ])));
  const serving = await measureServingWithFeatures(process.env['LADING_BENCH_REDIS_URL'] ?? process.env['LADING_TEST_REDIS_URL']);
  printServingFigures(serving);
  const file = writeResult('features', { machine: m, examples: EXAMPLES, historyRows: HISTORY_ROWS, features: FEATURES.length, entities: ENTITIES, results, online, serving });
  console.log(`results: ${file}`);
}

await main();
