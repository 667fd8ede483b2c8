/**
 * Model registry benchmark (`npm run bench:registry`): registrations/s and alias reads/s on SQLite
 * and PostgreSQL, and the time to resolve `hs-codes@champion` to a loaded model, cold and warm.
 * PostgreSQL runs when LADING_TEST_PG_URL is set (a fresh schema, dropped afterwards).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { computeDatasetStats } from '../src/data/dataset-stats.js';
import { decodeArtifact, encodeArtifact, type ArtifactMeta } from '../src/models/artifact.js';
import type { Classifier } from '../src/models/classifier.js';
import { modelKind } from '../src/models/kinds.js';
import { LocalFolderArtifactStore } from '../src/registry/artifacts/local-folder/artifact-store.js';
import { openPgWorkspace } from '../src/registry/postgres/open-workspace.js';
import { openEmbeddedWorkspace } from '../src/platform/index.js';
import { SqliteModelRegistry } from '../src/registry/sqlite/model-registry.js';
import type { Workspace } from '../src/registry/workspace.js';
import { machine, writeResult } from './machine.js';

interface Figure { readonly backend: string; readonly figure: string; readonly value: number; readonly unit: string }

const figures: Figure[] = [];
const record = (backend: string, figure: string, value: number, unit: string) => { figures.push({ backend, figure, value, unit }); };

/** A small real model (linear kind, trained on a synthetic 20-class set), or a synthetic artifact if the kind cannot train here. */
async function makeModelArtifact(): Promise<{ bytes: Buffer; source: string }> {
  const labels = Array.from({ length: 20 }, (_, i) => `39${String(i).padStart(2, '0')}`);
  const words = ['plastic', 'cup', 'steel', 'bolt', 'cotton', 'shirt', 'glass', 'bottle', 'rubber', 'tyre', 'wood', 'chair', 'paper', 'box', 'copper', 'wire', 'leather', 'bag', 'wool', 'scarf'];
  const texts: string[] = [];
  const y: number[] = [];
  for (let i = 0; i < 800; i++) {
    const c = i % labels.length;
    texts.push(`${words[c]} ${words[(c + 1) % words.length]} item ${i % 7} grade ${(i * 7) % 11}`);
    y.push(c);
  }
  try {
    const kind = await modelKind('linear');
    const classifier = await kind.train(
      { texts, y: Int32Array.from(y), labels, valid: { texts: texts.slice(0, 100), y: Int32Array.from(y.slice(0, 100)) } },
      { seed: 1, threads: 1, params: {} },
    );
    const s = classifier.serialise();
    const meta: ArtifactMeta = {
      kind: 'linear', labels, featuriser: s.featuriser, params: s.params,
      training: { seed: 1, upsample: false, trainRows: texts.length, validRows: 100, labelColumn: 'label' },
      metrics: {}, codeVersion: 'lading@bench',
    };
    return { bytes: encodeArtifact(meta, s.sections), source: 'linear kind, trained on 800 synthetic texts, 20 classes' };
  } catch (e) {
    const meta: ArtifactMeta = {
      kind: 'synthetic', labels, featuriser: {}, params: {},
      training: { seed: 1, upsample: false, trainRows: 0, validRows: 0 }, metrics: {}, codeVersion: 'lading@bench',
    };
    return { bytes: encodeArtifact(meta, [['w', new Float32Array(20 * 64)]]), source: `synthetic (linear kind unavailable: ${(e as Error).message})` };
  }
}

/** Distinct small artifacts for the registration benchmark (one per registration: content-addressed stores dedupe). */
function smallArtifact(i: number): Buffer {
  const w = new Float32Array(256);
  w[0] = i;
  return encodeArtifact({ kind: 'synthetic', labels: ['a', 'b'], featuriser: {}, params: { i }, training: { seed: i, upsample: false, trainRows: 0, validRows: 0 }, metrics: {}, codeVersion: 'lading@bench' }, [['w', w]]);
}

async function timeLoop(ms: number, op: () => unknown | Promise<unknown>): Promise<{ opsPerSec: number; meanUs: number; p50Us: number; p99Us: number }> {
  for (let i = 0; i < 200; i++) await op(); // warm
  const samples: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t = performance.now();
    await op();
    samples.push((performance.now() - t) * 1000);
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
  return { opsPerSec: 1e6 / mean, meanUs: mean, p50Us: samples[Math.floor(samples.length / 2)]!, p99Us: samples[Math.floor(samples.length * 0.99)]! };
}

async function loadClassifier(ws: Workspace, ref: string, cache: Map<string, Classifier>): Promise<Classifier> {
  const v = await ws.resolveModel(ref);
  const hit = cache.get(v.artifactSha256);
  if (hit) return hit;
  const a = decodeArtifact(await ws.readModelArtifact(v), ws.locateModelArtifact(v));
  if (a.header.kind === 'synthetic') {
    cache.set(v.artifactSha256, { kind: 'synthetic', labels: a.header.labels } as unknown as Classifier);
  } else {
    cache.set(v.artifactSha256, (await modelKind(a.header.kind)).load(a.header, a.sections));
  }
  return cache.get(v.artifactSha256)!;
}

async function benchBackend(backend: string, open: () => Promise<Workspace>, model: Buffer, registrations: number): Promise<void> {
  let ws = await open();
  try {
    const arts = Array.from({ length: registrations }, (_, i) => smallArtifact(i));
    let t = performance.now();
    for (const bytes of arts) await ws.registerModelVersion({ name: 'bench-reg', artifactBytes: bytes, actor: 'bench' });
    record(backend, 'registrations/s (sequential, 1 process, ~1 KB artifacts)', registrations / ((performance.now() - t) / 1000), '/s');

    const v = await ws.registerModelVersion({ name: 'hs-codes', artifactBytes: model, actor: 'bench' });
    await ws.approveVersion({ name: 'hs-codes', version: v.version, actor: 'bench' });
    await ws.setAlias({ name: 'hs-codes', alias: 'champion', version: v.version, actor: 'bench' });

    const reads = await timeLoop(1500, () => ws.resolveModel('hs-codes@champion'));
    record(backend, 'alias reads/s (resolveModel hs-codes@champion, await)', reads.opsPerSec, '/s');
    record(backend, 'alias read, mean (warm)', reads.meanUs, 'µs');
    record(backend, 'alias read, p99 (warm)', reads.p99Us, 'µs');
    ws.close();

    // Cold: a freshly opened workspace, nothing cached; resolve + read + verify + decode + build.
    t = performance.now();
    ws = await open();
    const opened = performance.now();
    const cache = new Map<string, Classifier>();
    await loadClassifier(ws, 'hs-codes@champion', cache);
    const loaded = performance.now();
    record(backend, 'resolve hs-codes@champion to loaded model, cold (incl. open)', loaded - t, 'ms');
    record(backend, 'resolve hs-codes@champion to loaded model, cold (after open)', loaded - opened, 'ms');
    const warm = await timeLoop(1000, () => loadClassifier(ws, 'hs-codes@champion', cache));
    record(backend, 'resolve hs-codes@champion to loaded model, warm (mean)', warm.meanUs, 'µs');
  } finally {
    ws.close();
  }
}

async function main(): Promise<void> {
  const m = machine();
  const model = await makeModelArtifact();
  const home = mkdtempSync(join(tmpdir(), 'lading-bench-registry-'));
  try {
    await benchBackend('sqlite', async () => openEmbeddedWorkspace(home), model.bytes, 300);
    // The synchronous SQLite path serving can use (no promise per read).
    const db = new Database(join(home, 'lading.db'));
    const inner = new SqliteModelRegistry(db, new LocalFolderArtifactStore(join(home, 'artifacts')));
    const sync = await timeLoop(1500, () => inner.resolveSync('hs-codes@champion'));
    record('sqlite', 'alias read, mean (warm, resolveSync)', sync.meanUs, 'µs');
    db.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  const url = process.env['LADING_TEST_PG_URL'];
  if (url) {
    const schema = `lading_bench_${process.pid}`;
    try {
      await benchBackend('postgres', () => openPgWorkspace({ url, schema, describeDataset: computeDatasetStats }), model.bytes, 150);
    } finally {
      const c = new pg.Client(url);
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
  } else {
    process.stdout.write('PostgreSQL skipped: set LADING_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test)\n');
  }

  const command = 'npm run bench:registry';
  process.stdout.write(`model registry benchmark — ${command}\nmachine: ${m.cores} cores, ${m.cpu}, node ${m.node}, ${m.platform}\nmodel: ${model.source} (${model.bytes.length} bytes)\n\n`);
  const w = Math.max(...figures.map((f) => f.figure.length));
  for (const f of figures) {
    const v = f.value >= 100 ? f.value.toFixed(0) : f.value.toFixed(f.value >= 10 ? 1 : 3);
    process.stdout.write(`${f.backend.padEnd(9)} ${f.figure.padEnd(w)}  ${v.padStart(9)} ${f.unit}\n`);
  }
  const warmSqlite = figures.find((f) => f.backend === 'sqlite' && f.figure === 'alias read, mean (warm)');
  const ok = warmSqlite !== undefined && warmSqlite.value < 1000;
  process.stdout.write(`\nminimum (alias resolution under 1 ms warm on SQLite): ${ok ? 'met' : 'NOT met'}\n`);
  const path = writeResult('registry', { command, machine: m, model: { source: model.source, bytes: model.bytes.length }, figures, minimumMet: ok, at: new Date().toISOString() });
  process.stdout.write(`wrote ${path}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
