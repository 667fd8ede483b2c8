/**
 * Serving throughput with an online feature lookup against without one (issue 15's last benchmark
 * line; the third part of `npm run bench:features`, or alone: `node dist/bench/features-serving.js`).
 *
 * One fasttext model trained with 5 entity features (one view: two categorical, two counts, one
 * share) on generated invoice lines, served by `lading serve` in its own process (1 serving
 * thread, the prediction log off, so the figures are the lookup's cost alone). The same server is
 * loaded with the same texts, once with no `entities` (no lookup: the text alone) and once with an
 * importer key per text, looked up in the embedded online store (SQLite, 10,000 importers
 * materialized) and, with LADING_BENCH_REDIS_URL or LADING_TEST_REDIS_URL, in Redis. Single-text
 * requests at 16 connections (lookups of concurrent requests share one store call per event-loop
 * turn) and 32-text requests at 4 connections (one call per request). The load generator is this
 * process (node:http, keep-alive, closed loop), on the same 2 cores: compare rows of one run.
 * LADING_BENCH_SECONDS (default 5) per measurement.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient } from 'redis';
import { table } from '../src/cli/output.js';
import { createRandom } from '../src/core/random.js';
import type { DatasetRows } from '../src/core/dataset.js';
import { generateInvoiceLines } from '../src/demo/invoice-lines.js';
import type { FeatureViewSpec } from '../src/features/feature-spec.js';
import { materializeView } from '../src/features/materialize.js';
import { openRedisOnlineStore } from '../src/features/redis/online-store.js';
import { openSqliteOfflineStore } from '../src/features/sqlite/offline-store.js';
import { openSqliteOnlineStore } from '../src/features/sqlite/online-store.js';
import { runTraining } from '../src/training/train-run.js';
import { machine, writeResult } from './machine.js';

const SECONDS = Number(process.env['LADING_BENCH_SECONDS'] ?? 5);
const IMPORTERS = 10_000;
const BIN = resolve('bin/lading.js');
const VIEW: FeatureViewSpec = {
  name: 'importer_profile', entity: { name: 'importer', joinKey: 'importer_id' }, timestampColumn: 'event_time', ttlMs: 365 * 86_400_000,
  features: [{ name: 'top_chapter', type: 'string' }, { name: 'top_heading', type: 'string' }, { name: 'lines_30d', type: 'int' }, { name: 'shipments_90d', type: 'int' }, { name: 'textile_share', type: 'float' }],
};
const COLUMNS = VIEW.features.map((f) => `${VIEW.name}:${f.name}`);
const keyOf = (i: number) => `imp-${i}`;

function profile(random: () => number): (string | number)[] {
  return [String(1 + Math.floor(random() * 97)).padStart(2, '0'), String(100 + Math.floor(random() * 9000)), Math.floor(random() * 500), Math.floor(random() * 50), random()];
}

/** The offline store with every importer's profile, and the model trained with those features. */
async function prepare(dir: string): Promise<{ model: string; texts: string[] }> {
  const random = (() => { const r = createRandom(5); return () => r.next(); })();
  const offline = openSqliteOfflineStore(join(dir, 'features.sqlite'));
  try {
    await offline.apply([VIEW], 'bench');
    const profiles = Array.from({ length: IMPORTERS }, () => profile(random));
    const now = Date.now() - 60_000;
    await offline.ingest(VIEW.name, {
      entityKeys: profiles.map((_, i) => keyOf(i)), times: new Float64Array(IMPORTERS).fill(now), features: VIEW.features.map((f) => f.name),
      values: VIEW.features.map((_, f) => profiles.map((p) => p[f]!)), source: 'bench',
    }, 'bench');
    const online = openSqliteOnlineStore(join(dir, 'online.sqlite'));
    try { await materializeView(offline, online, await offline.getView(VIEW.name)); } finally { await online.close(); }
    const lines = generateInvoiceLines({ rows: 20_000, seed: 3 });
    const rows: DatasetRows = {
      textColumn: 'text', labelColumns: ['label'], texts: lines.map((l) => l.text), labels: { label: lines.map((l) => l.label) },
      featureColumns: COLUMNS, features: Object.fromEntries(COLUMNS.map((c, f) => [c, lines.map((_, i) => profiles[i % IMPORTERS]![f]!)])),
    };
    const run = await runTraining({ rows, labelColumn: 'label', kind: 'fasttext', seed: 1, upsample: false, threads: 2, params: { epochs: 3 }, validFraction: 0.1 });
    const model = join(dir, 'with-features.lading');
    writeFileSync(model, run.bytes);
    return { model, texts: lines.slice(0, 2000).map((l) => l.text) };
  } finally {
    await offline.close();
  }
}

async function startServer(dir: string, model: string, port: number, onlineStoreUrl?: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--model', model, '--name', 'hs', '--home', dir, '--port', String(port), '--workers', '1', '--no-log'], {
    stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...(onlineStoreUrl ? { LADING_ONLINE_STORE_URL: onlineStoreUrl } : {}) },
  });
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`lading serve exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/v2/health/ready`).then((r) => r.status === 200, () => false);
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('lading serve did not become ready');
}

interface Load { readonly rps: number; readonly textsPerSecond: number; readonly p50: number; readonly p99: number; readonly errors: number }

/** A closed loop of `connections` keep-alive clients sending bodies from `body(i)` for SECONDS. */
async function drive(port: number, connections: number, textsPer: number, body: (i: number) => string): Promise<Load> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const until = performance.now() + SECONDS * 1000;
  const one = (payload: string) => new Promise<number>((resolveStatus, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/models/hs:classify', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      res.resume();
      res.on('end', () => resolveStatus(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(payload);
  });
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const status = await one(body(n++));
      latencies.push(performance.now() - t);
      if (status !== 200) errors++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, textsPerSecond: (latencies.length * textsPer) / seconds, p50: latencies[Math.floor(latencies.length * 0.5)]!, p99: latencies[Math.floor(latencies.length * 0.99)]!, errors };
}

export interface ServingFeatureFigures { readonly store: string; readonly shape: string; readonly lookup: boolean; readonly load: Load }

/** The measurements; `redisUrl` adds a server reading Redis. */
export async function measureServingWithFeatures(redisUrl: string | undefined): Promise<ServingFeatureFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lading-bench-features-serving-'));
  const out: ServingFeatureFigures[] = [];
  const prefix = 'lading:';
  try {
    const { model, texts } = await prepare(dir);
    const random = (() => { const r = createRandom(9); return () => r.next(); })();
    const key = () => keyOf(Math.floor(random() * IMPORTERS));
    const single = (entities: boolean) => (i: number) => JSON.stringify({ texts: [texts[i % texts.length]], ...(entities ? { entities: { importer: key() } } : {}) });
    const batch = (entities: boolean) => (i: number) => {
      const t = Array.from({ length: 32 }, (_, k) => texts[(i * 32 + k) % texts.length]!);
      return JSON.stringify({ texts: t, ...(entities ? { entities: t.map(() => ({ importer: key() })) } : {}) });
    };
    const stores: Array<{ name: string; url?: string }> = [{ name: 'embedded (SQLite)' }];
    if (redisUrl) {
      // The same values in Redis, under the platform's default prefix (removed again below).
      const online = await openRedisOnlineStore({ url: redisUrl, prefix });
      const offline = openSqliteOfflineStore(join(dir, 'features.sqlite'));
      try { await materializeView(offline, online, await offline.getView(VIEW.name)); } finally { await offline.close(); await online.close(); }
      stores.push({ name: 'Redis', url: redisUrl });
    }
    let port = 19_300 + (process.pid % 500);
    for (const store of stores) {
      const server = await startServer(dir, model, ++port, store.url);
      try {
        for (const [shape, connections, texts32, make] of [['1 text, 16 connections', 16, 1, single], ['32 texts, 4 connections', 4, 32, batch]] as const) {
          await drive(port, connections, texts32, make(false)); // warm-up (JIT, sockets), not counted
          for (const lookup of [false, true]) {
            if (!lookup && store.url) continue; // "without" is the same server either way: measured once, beside SQLite
            const load = await drive(port, connections, texts32, make(lookup));
            out.push({ store: lookup ? store.name : 'none (text alone)', shape, lookup, load });
            console.log(`${shape}, ${lookup ? `lookup in ${store.name}` : 'no lookup'}: ${Math.round(load.rps).toLocaleString('en')} req/s, ${Math.round(load.textsPerSecond).toLocaleString('en')} texts/s, p50 ${load.p50.toFixed(2)} ms, p99 ${load.p99.toFixed(2)} ms${load.errors ? `, ${load.errors} errors` : ''}`);
          }
        }
      } finally {
        server.kill('SIGTERM');
        await new Promise((r) => server.once('exit', r));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (redisUrl) {
      const c = createClient({ url: redisUrl });
      await c.connect();
      for await (const b of c.scanIterator({ MATCH: `${prefix}fs:${VIEW.name}:*`, COUNT: 1000 })) {
        const keys = Array.isArray(b) ? b : [b];
        if (keys.length > 0) await c.del(keys);
      }
      await c.quit();
    }
  }
  return out;
}

export function printServingFigures(figures: readonly ServingFeatureFigures[]): void {
  const m = machine();
  console.log(`\nServing throughput with an online feature lookup against without one: fasttext with ${COLUMNS.length} entity features, lading serve (1 serving thread, log off), ${SECONDS} s per row, load from node:http in the bench process; ${m.cpu}, ${m.cores} cores, Node ${m.node}, load ${m.loadAverage1m.toFixed(2)}`);
  const base = new Map(figures.filter((f) => !f.lookup).map((f) => [f.shape, f.load.rps]));
  console.log(table(['requests', 'feature lookup', 'req/s', 'texts/s', 'p50 ms', 'p99 ms', 'vs no lookup'], figures.map((f) => [
    f.shape, f.store, Math.round(f.load.rps).toLocaleString('en'), Math.round(f.load.textsPerSecond).toLocaleString('en'), f.load.p50.toFixed(2), f.load.p99.toFixed(2),
    f.lookup ? `${((f.load.rps / base.get(f.shape)! - 1) * 100).toFixed(0)}%` : '—',
  ])));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await measureServingWithFeatures(process.env['LADING_BENCH_REDIS_URL'] ?? process.env['LADING_TEST_REDIS_URL']);
  printServingFigures(figures);
  console.log(`results: ${writeResult('features-serving', { machine: machine(), seconds: SECONDS, figures })}`);
}
