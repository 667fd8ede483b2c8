import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { DatasetRows } from '../../src/core/dataset.js';
import { ConflictError, InterruptedError } from '../../src/core/errors.js';
import { sha256Hex } from '../../src/core/hash.js';
import { readLabelledFile } from '../../src/data/read-labelled-file.js';
import { decodeArtifact } from '../../src/models/artifact.js';
import { datasetName, resolveDatasetRef } from '../../src/lifecycle/pipeline/dataset-ref.js';
import { parsePipelines } from '../../src/lifecycle/pipeline/pipeline-parser.js';
import { openPgPipelineStore } from '../../src/lifecycle/pipeline/postgres/pipeline-store.js';
import { openSqlitePipelineStore } from '../../src/lifecycle/pipeline/sqlite/pipeline-store.js';
import { textSha256 } from '../../src/monitoring/log/text-key.js';
import { openEmbeddedWorkspace, withMonitoringStore } from '../../src/platform/index.js';
import { runPipelineNow } from '../../src/platform/gated-pipeline-run.js';
import { pipelineHistory, pipelineStatuses, pipelineStorePath, setPipelinePaused, withPipelineStore } from '../../src/platform/pipelines.js';
import { tempDir } from '../data/temp-dir.js';
import { pipelineStoreContract } from './pipeline-store-contract.js';

const HS_GOODS = new URL('../../../../shared/datasets/hs-goods/train.csv', import.meta.url).pathname;
const HS_NOMENCLATURE = new URL('../../../../shared/datasets/hs-nomenclature/hs6.csv', import.meta.url).pathname;

pipelineStoreContract('sqlite pipeline store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lading-pl-store-'));
  const file = join(dir, 'pipelines.sqlite');
  return { store: openSqlitePipelineStore(file), openTwin: async () => openSqlitePipelineStore(file), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

// Only test files read the environment. Locally: LADING_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test
const pgUrl = process.env['LADING_TEST_PG_URL'];
if (pgUrl === undefined || pgUrl === '') {
  test('pipeline store on PostgreSQL', { skip: 'LADING_TEST_PG_URL is not set (.ci/run sets it)' }, () => undefined);
} else {
  pipelineStoreContract('postgres pipeline store (fresh schema per test)', async () => {
    const schema = `pl_test_${randomBytes(5).toString('hex')}`;
    const open = () => openPgPipelineStore({ url: pgUrl, schema });
    return {
      store: await open(), openTwin: open,
      cleanup: async () => {
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        try { await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); } finally { await client.end(); }
      },
    };
  });
}

/**
 * A slice of real HS data: the six most frequent HS4 headings, 50 lines each, split into the base
 * dataset (35 per class), a labelled file in the pipeline's folder (8) and feedback (7).
 */
async function hsSlice(): Promise<{ base: DatasetRows; folder: DatasetRows; feedback: { text: string; label: string }[] }> {
  const all = await readLabelledFile(HS_GOODS, { text: 'text', labels: ['label_4'] });
  const labels = all.labels['label_4']!;
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 6).map(([l]) => l);
  const picked = new Map<string, number>();
  const parts = { base: [] as number[], folder: [] as number[], feedback: [] as number[] };
  const seen = new Set<string>();
  all.texts.forEach((text, i) => {
    const label = labels[i]!;
    const n = picked.get(label) ?? 0;
    if (!top.includes(label) || n >= 50 || seen.has(text)) return;
    seen.add(text);
    picked.set(label, n + 1);
    (n < 35 ? parts.base : n < 43 ? parts.folder : parts.feedback).push(i);
  });
  const rows = (idx: number[]): DatasetRows => ({ textColumn: 'text', labelColumns: ['label'], texts: idx.map((i) => all.texts[i]!), labels: { label: idx.map((i) => labels[i]!) } });
  return { base: rows(parts.base), folder: rows(parts.folder), feedback: parts.feedback.map((i) => ({ text: all.texts[i]!, label: labels[i]! })) };
}

const csv = (rows: DatasetRows) => `text,label\n${rows.texts.map((t, i) => `"${t.replace(/"/g, '""')}",${rows.labels['label']![i]}`).join('\n')}\n`;

async function addFeedback(home: string, items: readonly { text: string; label: string }[], time: number): Promise<number[]> {
  return withMonitoringStore({ home, registryUrl: undefined, registrySchema: 'public' }, (store) => store.addFeedback(items.map((f) => ({
    endpoint: 'hs4', time, receivedAt: time, label: f.label, source: 'broker', requestId: null, position: null, text: f.text, textSha256: textSha256(f.text),
    prediction: null, newClass: false,
  }))));
}

const slice = await hsSlice();

test('a run assembles base + folder + feedback into a new dataset version, trains each kind, registers the best with lineage; re-runs, pause and history', async (t) => {
  const tmp = tempDir(t, 'lading-pl-run-');
  const home = join(tmp.dir, 'home');
  const settings = { home, registryUrl: undefined, registrySchema: 'public', threads: 1, monitoring: {} };
  const baseFile = tmp.write('hs4-train.csv', csv(slice.base));
  mkdirSync(join(tmp.dir, 'incoming'));
  tmp.write('incoming/2026-12-01.csv', csv(slice.folder));
  tmp.write('incoming/notes.txt', 'not data: ignored');
  const ws = openEmbeddedWorkspace(home);
  t.after(() => ws.close());
  const base = (await ws.saveDataset(await readLabelledFile(baseFile, { text: 'text', labels: ['label'] }), { file: baseFile, format: 'csv' })).version;
  assert.equal(datasetName(base), 'hs4-train');
  // One correction of a base text: the corrected label must win (the base row is dropped).
  const corrected = { text: slice.base.texts[0]!, label: slice.base.labels['label']![1 + slice.base.labels['label']!.findIndex((l) => l !== slice.base.labels['label']![0])] ?? 'x' };
  const ids = await addFeedback(home, [...slice.feedback, corrected], Date.parse('2026-12-02T10:00:00Z'));

  const [spec] = parsePipelines({
    // No holdout here: this run is about assembling every part (gated-run.test.ts holds feedback out).
    hs4: { data: { dataset: 'hs4-train', folder: 'incoming' }, train: ['linear', { kind: 'fasttext', params: { epochs: 3, dim: 16, buckets: 65536 } }], select: 'macroF1', triggers: { newLabels: 3 }, gates: { feedbackHoldout: 0 } },
  }, { baseDir: tmp.dir });
  const seen: string[] = [];
  const progress = new Set<string>();
  const first = await runPipelineNow(settings, spec!, {
    trigger: 'manual', actor: 'ana', onStep: (s) => seen.push(`${s.name}:${s.finishedAt === null ? 'start' : 'end'}`), onProgress: (step) => progress.add(step),
  });

  assert.equal(first.run.status, 'succeeded');
  assert.deepEqual(first.run.steps.map((s) => s.name), ['data', 'train:linear', 'train:fasttext', 'register', 'gates']);
  for (const s of first.run.steps) assert.ok(s.finishedAt !== null && s.finishedAt >= s.startedAt, `${s.name} is timed`);
  assert.deepEqual(seen, ['data:start', 'data:end', 'train:linear:start', 'train:linear:end', 'train:fasttext:start', 'train:fasttext:end', 'register:start', 'register:end', 'gates:start', 'gates:end']);
  assert.ok(progress.has('train:fasttext'), 'training progress arrives through the kinds\' progress hooks, by step');

  // The data: a new version with lineage naming every part; the corrected text carries its new label.
  const total = slice.base.texts.length + slice.folder.texts.length + slice.feedback.length + 1 - 1;
  assert.deepEqual(first.data.counts, { base: slice.base.texts.length, files: slice.folder.texts.length, feedback: slice.feedback.length + 1, holdout: 0, superseded: 1 });
  assert.deepEqual([first.data.holdout, first.run.holdout], [null, null]);
  // hs4 serves nothing yet: the gates pass (no champion) and there is nothing to release against.
  assert.deepEqual([first.gates?.passed, first.release.record], [true, null]);
  assert.match(first.release.summary, /^not released: endpoint hs4 has no deployment to release against/);
  assert.equal(first.data.files.length, 1);
  const made = await ws.getDataset(first.data.dataset);
  assert.notEqual(made.id, base.id);
  assert.equal(made.stats.rows, total);
  assert.match(made.source.file, new RegExp(`^pipeline:hs4 ${first.run.id}: ${base.id} \\(${slice.base.texts.length} rows\\) \\+ .*incoming \\(1 file\\(s\\), ${slice.folder.texts.length} rows\\) \\+ feedback:hs4 .* name=pipeline-hs4$`));
  const rows = await ws.loadDatasetRows(made.id);
  assert.deepEqual(rows.texts.flatMap((text, i) => (text === corrected.text ? [rows.labels['label']![i]] : [])), [corrected.label]);
  assert.equal((await resolveDatasetRef(ws, 'pipeline-hs4@1')).id, made.id, 'the assembled versions are named pipeline-NAME');

  // The candidate: the best kind by macro-F1, registered as hs4@1 with lineage to that dataset version.
  const best = first.trained.reduce((a, b) => (b.macroF1 > a.macroF1 ? b : a));
  assert.deepEqual(first.trained.map((k) => k.kind), ['linear', 'fasttext']);
  assert.equal(first.candidate.kind, best.kind);
  assert.deepEqual([first.candidate.ref, first.candidate.reused, first.run.candidate, first.run.dataset], ['hs4@1', false, 'hs4@1', made.id]);
  const version = await ws.getModelVersion('hs4', 1);
  assert.equal(version.datasetId, made.id);
  assert.equal(version.approval.status, 'pending', 'a candidate waits for the gates; it serves nothing yet');
  assert.deepEqual(version.tags, { pipeline: 'hs4', run: first.run.id, trigger: 'manual' });
  // Each kind was chosen on its validation side, then refit on all of the run's rows (the default, as `lading train`).
  assert.deepEqual(decodeArtifact(Buffer.from(await ws.readModelArtifact(version)), 'hs4@1').header.training.trainRows, total);
  assert.match(first.run.steps[1]!.detail ?? '', new RegExp(`validation rows, then refit on all ${total}\\)$`));
  assert.equal((await ws.lineage('hs4', 1)).datasetId, made.id);
  const audit = await ws.auditLog({ model: 'hs4' });
  assert.match(audit[0]!.reason ?? '', /pipeline hs4 run-.* \(manual\): best of linear, fasttext by validation macroF1/);

  // The watermark: every feedback id the run read.
  const [status] = await pipelineStatuses(settings, [spec!]);
  assert.deepEqual(status!.state.lastRun, { runId: first.run.id, time: first.run.startedAt, feedbackId: Math.max(...ids), feedbackCount: ids.length });
  assert.deepEqual([status!.newLabels, status!.due], [0, null]);

  // Paused: the automation may not run it, a person may; unchanged data gives the same candidate, not a second version.
  await setPipelinePaused(settings, 'hs4', true, { by: 'ana', reason: 'relabelling' });
  await assert.rejects(runPipelineNow(settings, spec!, { trigger: 'new-labels', actor: 'controller' }), (e: unknown) => e instanceof ConflictError && /paused \(by ana: relabelling\)/.test(e.message));
  assert.equal((await pipelineHistory(settings, 'hs4', 10)).length, 1, 'a refused trigger records no run');
  const again = await runPipelineNow(settings, spec!, { trigger: 'manual', actor: 'ana' });
  assert.deepEqual([again.run.status, again.candidate.ref, again.candidate.reused, again.data.created], ['succeeded', 'hs4@1', true, false]);
  assert.equal((await ws.listModelVersions('hs4')).length, 1);
  await setPipelinePaused(settings, 'hs4', false, { by: 'ana' });

  // Three new labels reach the pipeline's newLabels threshold.
  await addFeedback(home, [{ text: 'NEW LINE A', label: corrected.label }, { text: 'NEW LINE B', label: corrected.label }, { text: 'NEW LINE C', label: corrected.label }], Date.now());
  const [due] = await pipelineStatuses(settings, [spec!]);
  assert.deepEqual([due!.newLabels, due!.due], [3, 'new-labels']);

  // Aborted mid-way (as training starts): failed, "interrupted", nothing registered.
  const stop = new AbortController();
  await assert.rejects(runPipelineNow(settings, spec!, {
    trigger: 'new-labels', actor: 'controller', signal: stop.signal, onStep: (s) => { if (s.name === 'train:linear' && s.finishedAt === null) stop.abort(); },
  }), InterruptedError);
  const history = await pipelineHistory(settings, 'hs4', 10);
  assert.deepEqual(history.map((r) => r.status), ['failed', 'succeeded', 'succeeded']);
  assert.match(history[0]!.error!, /^interrupted: /);
  assert.equal((await ws.listModelVersions('hs4')).length, 1);
  assert.equal(history[0]!.trigger, 'new-labels');
  const [after] = await pipelineStatuses(settings, [spec!]);
  assert.deepEqual([after!.newLabels, after!.due], [3, 'new-labels'], 'an interrupted run did not consume the new labels');
});

test('a run whose process was killed (SIGKILL) is marked failed and interrupted when next looked at, never left running', async (t) => {
  const tmp = tempDir(t, 'lading-pl-kill-');
  const home = join(tmp.dir, 'home');
  const settings = { home, registryUrl: undefined, registrySchema: 'public', threads: 1, monitoring: {} };
  const baseFile = tmp.write('big.csv', csv(slice.base));
  const ws = openEmbeddedWorkspace(home);
  await ws.saveDataset(await readLabelledFile(baseFile, { text: 'text', labels: ['label'] }), { file: baseFile, format: 'csv' });
  ws.close();
  // A child process runs the pipeline (many epochs, so it is still training when it is killed).
  const platform = fileURLToPath(new URL('../../src/platform/gated-pipeline-run.js', import.meta.url));
  const parser = fileURLToPath(new URL('../../src/lifecycle/pipeline/pipeline-parser.js', import.meta.url));
  const script = tmp.write('run.mjs', `
    const { runPipelineNow } = await import(${JSON.stringify(platform)});
    const { parsePipelines } = await import(${JSON.stringify(parser)});
    const [spec] = parsePipelines({ big: { data: { dataset: 'big', feedback: false }, train: [{ kind: 'fasttext', params: { epochs: 10000 } }] } });
    await runPipelineNow(${JSON.stringify(settings)}, spec, { trigger: 'cron', actor: 'controller' });
  `);
  const child = spawn(process.execPath, [script], { stdio: 'ignore' });
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  t.after(() => { child.kill('SIGKILL'); });
  let running: string | undefined;
  for (let i = 0; i < 400 && running === undefined; i++) {
    await new Promise((r) => setTimeout(r, 25));
    running = await withPipelineStore(settings, async (store) => (await store.listRuns('big', 1)).find((r) => r.status === 'running' && r.steps.some((s) => s.name.startsWith('train')))?.id).catch(() => undefined);
  }
  assert.ok(running !== undefined, `the child started a run (store ${pipelineStorePath(settings)})`);
  child.kill('SIGKILL');
  await exited;
  const [run] = await pipelineHistory(settings, 'big', 1);
  assert.equal(run!.id, running);
  assert.equal(run!.status, 'failed');
  assert.match(run!.error!, new RegExp(`^interrupted: its process \\(pid ${child.pid} on ${hostname()}\\)`));
  assert.equal(run!.owner.pid, child.pid);
});

test('pipeline status: a drift alert of the endpoint after the last run makes a drift pipeline due; other rules and other endpoints do not', async (t) => {
  const tmp = tempDir(t, 'lading-pl-drift-');
  const settings = { home: join(tmp.dir, 'home'), registryUrl: undefined, registrySchema: 'public', threads: 1, monitoring: {} };
  const specs = parsePipelines({ hs4: { data: { dataset: 'hs4-train' }, triggers: { drift: true } }, quiet: { endpoint: 'hs4', data: { dataset: 'hs4-train' } } });
  const first = await pipelineStatuses(settings, specs);
  assert.deepEqual(first.map((s) => s.due), [null, null]);
  const event = (rule: string, endpoint: string, at: number) => ({ id: `${rule}-${at}`, state: 'fired' as const, rule, endpoint, variant: null, at, value: 2, threshold: 1, message: rule });
  const now = Date.now();
  await withMonitoringStore(settings, async (store) => {
    await store.recordAlertEvent(event('slow', 'hs4', now));
    await store.recordAlertEvent(event('drift', 'grocery', now));
  });
  assert.deepEqual((await pipelineStatuses(settings, specs)).map((s) => s.due), [null, null], 'a latency alert, or drift elsewhere, is no reason');
  await withMonitoringStore(settings, (store) => store.recordAlertEvent(event('drift', 'hs4', now + 1)));
  assert.deepEqual((await pipelineStatuses(settings, specs, now + 10)).map((s) => s.due), ['drift', null], 'only the pipeline that asks for drift runs on it');
});

test('a pipeline with data.nomenclature teaches its candidate from the official descriptions, recorded in the artifact', async (t) => {
  const tmp = tempDir(t, 'lading-pl-nomenclature-');
  const home = join(tmp.dir, 'home');
  const settings = { home, registryUrl: undefined, registrySchema: 'public', threads: 1, monitoring: {} };
  const baseFile = tmp.write('hs4-base.csv', csv(slice.base));
  const ws = openEmbeddedWorkspace(home);
  t.after(() => ws.close());
  await ws.saveDataset(await readLabelledFile(baseFile, { text: 'text', labels: ['label'] }), { file: baseFile, format: 'csv' });
  // The real nomenclature file: its label_4 column holds the dataset's HS4 codes.
  const nomenclature = await readLabelledFile(HS_NOMENCLATURE, { text: 'text', labels: ['label_4'] });
  const classes = new Set(slice.base.labels['label']);
  const describing = nomenclature.labels['label_4']!.filter((l) => classes.has(l)).length;
  assert.ok(describing > 0);
  const [spec] = parsePipelines({
    hs4: { data: { dataset: 'hs4-base', feedback: false, nomenclature: { file: HS_NOMENCLATURE, label: 'label_4', classes: 'known' } }, train: ['linear'], decisionFolds: 0, gates: { feedbackHoldout: 0 } },
  }, { baseDir: tmp.dir });
  const run = await runPipelineNow(settings, spec!, { trigger: 'manual', actor: 'ana' });
  assert.equal(run.run.status, 'succeeded');
  const version = await ws.getModelVersion('hs4', 1);
  const header = decodeArtifact(Buffer.from(await ws.readModelArtifact(version)), 'hs4@1').header;
  assert.deepEqual(header.training.referenceRows, { source: 'hs6.csv', sha256: sha256Hex(readFileSync(HS_NOMENCLATURE)), rows: describing, onlyClasses: 0 });
  assert.equal(header.training.trainRows, slice.base.texts.length + describing);
  assert.deepEqual([...header.labels].sort(), [...classes].sort());
});
