import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConflictError } from '../../src/core/errors.js';
import { readLabelledFile } from '../../src/data/read-labelled-file.js';
import { generateInvoiceLines, invoiceLinesToCsv, type InvoiceLine } from '../../src/demo/invoice-lines.js';
import { resolveDatasetRef } from '../../src/lifecycle/pipeline/dataset-ref.js';
import { parsePipelines } from '../../src/lifecycle/pipeline/pipeline-parser.js';
import { SqliteControllerLease } from '../../src/lifecycle/release/sqlite/controller-lease.js';
import { openSqliteReleaseDatabase } from '../../src/lifecycle/release/sqlite/release-store.js';
import { textSha256 } from '../../src/monitoring/log/text-key.js';
import { normaliseText } from '../../src/text/normalise.js';
import { openEmbeddedWorkspace, withMonitoringStore } from '../../src/platform/index.js';
import { runPipelineNow } from '../../src/platform/gated-pipeline-run.js';
import { pipelineHistory } from '../../src/platform/pipelines.js';
import type { Workspace } from '../../src/registry/workspace.js';
import { tempDir } from '../data/temp-dir.js';

const ENDPOINT = 'inv';
const T0 = Date.parse('2026-11-01T00:00:00Z');

/** Generated invoice lines, one per distinct text (feedback is per text). */
function lines(rows: number, seed: number, not: ReadonlySet<string> = new Set()): InvoiceLine[] {
  const seen = new Set(not);
  return generateInvoiceLines({ rows, seed, classes: 6, labelNoise: 0 }).filter((l) => !seen.has(l.text) && seen.add(l.text) !== undefined);
}

/** A workspace with `inv-train` (distinct texts of 400 generated lines) and the settings a run by hand gets. */
async function world(t: { after(fn: () => void): void }, golden: boolean) {
  const tmp = tempDir(t, 'lading-gated-run-');
  const home = join(tmp.dir, 'home');
  const settings = { home, registryUrl: undefined, registrySchema: 'public', threads: 1, monitoring: {} };
  const ws = openEmbeddedWorkspace(home);
  t.after(() => ws.close());
  const save = async (name: string, rows: readonly InvoiceLine[]) => {
    const file = tmp.write(`${name}.csv`, invoiceLinesToCsv(rows));
    return (await ws.saveDataset(await readLabelledFile(file, { text: 'text', labels: ['label'] }), { file, format: 'csv' })).version;
  };
  const base = lines(400, 1);
  await save('inv-train', base);
  if (golden) await save('inv-golden', lines(300, 7));
  return { home, settings, ws, base };
}

async function addFeedback(home: string, items: readonly InvoiceLine[], firstTime: number): Promise<void> {
  await withMonitoringStore({ home, registryUrl: undefined, registrySchema: 'public' }, (store) => store.addFeedback(items.map((f, i) => ({
    endpoint: ENDPOINT, time: firstTime + i * 1000, receivedAt: firstTime + i * 1000, label: f.label, source: 'broker', requestId: null, position: null,
    text: f.text, textSha256: textSha256(f.text), prediction: null, newClass: false,
  }))));
}

/** The endpoint serves `model` alone, as after a person's first `lading deploy`. */
async function deploy(ws: Workspace, model: string): Promise<void> {
  await ws.deployments.append(ENDPOINT, { endpoint: ENDPOINT, mode: 'single', variants: [{ name: 'main', model, weight: 1, role: 'primary' }] }, 'deploy', 'ana', 'first deployment');
}

test('the newest feedback is held out of training (newest first, a version of its own, recorded in the run) and gated on; a held lease leaves the first step to its controller; a release in progress refuses a run', async (t) => {
  const { home, settings, ws, base } = await world(t, true);
  const [spec] = parsePipelines({
    inv: {
      data: { dataset: 'inv-train' }, train: ['linear'],
      gates: { golden: 'inv-golden', margin: { accuracy: 0.15, macroF1: 0.3 }, classRecall: { maxDrop: 0.5 } },
      release: { steps: [{ shadow: 100 }, { canary: 50 }] },
    },
  });
  const first = await runPipelineNow(settings, spec!, { trigger: 'manual', actor: 'ana' });
  assert.deepEqual([first.run.status, first.candidate.ref, first.data.holdout], ['succeeded', 'inv@1', null]);
  assert.match(first.gates!.results.find((r) => r.source === 'holdout')!.reason, /skipped: only 0 rows/, 'no feedback yet: nothing held out, nothing judged there');
  await deploy(ws, 'inv@1');

  // 100 corrections, one a second, oldest first; one of the newest corrects a base text.
  const feedback = lines(200, 3, new Set(base.map((l) => l.text))).slice(0, 99);
  feedback.splice(95, 0, { text: base[0]!.text, label: base[0]!.label });
  await addFeedback(home, feedback, T0);
  const newest = feedback.slice(80);

  // Another controller holds the lease (for ten minutes): the run records its release and leaves the first step to it.
  const other = new SqliteControllerLease(openSqliteReleaseDatabase(join(home, 'controller.sqlite')), 'other-controller', 600_000);
  t.after(() => other.close());
  assert.equal(await other.acquire(Date.now()), true);
  const second = await runPipelineNow(settings, spec!, { trigger: 'manual', actor: 'ana' });
  assert.equal(second.run.status, 'succeeded', second.run.error ?? '');

  // The holdout: the 20 newest texts (20% of 100), saved as pipeline-inv-holdout and named by the run and its history.
  const holdoutId = second.data.holdout!;
  assert.equal((await resolveDatasetRef(ws, 'pipeline-inv-holdout')).id, holdoutId);
  assert.equal(second.run.holdout, holdoutId);
  assert.equal((await pipelineHistory(settings, 'inv', 1))[0]!.holdout, holdoutId);
  const held = await ws.loadDatasetRows(holdoutId);
  assert.deepEqual(held.texts.map((x, i) => `${x} -> ${held.labels['label']![i]}`).sort(), newest.map((l) => `${l.text} -> ${l.label}`).sort());
  assert.deepEqual(second.data.counts, { base: base.length, files: 0, feedback: 80, holdout: 20, superseded: 1 });

  // Excluded from training: no held-out text (nor the base row it corrects) is in the training version; every older correction is.
  const trained = new Set((await ws.loadDatasetRows(second.data.dataset)).texts.map(normaliseText));
  assert.deepEqual(newest.filter((l) => trained.has(normaliseText(l.text))), []);
  assert.deepEqual(feedback.slice(0, 80).filter((l) => !trained.has(normaliseText(l.text))), []);
  assert.ok(!trained.has(normaliseText(base[0]!.text)), 'the base row of a held-out text is dropped too');

  // The gates: golden checks judged, the 20 held-out rows too few (skipped, not failed).
  const report = second.gates!;
  assert.equal(report.passed, true, report.reasons.join('\n'));
  assert.deepEqual(report.results.map((r) => `${r.gate}/${r.source}/${r.skipped ? 'skipped' : r.passed ? 'pass' : 'fail'}`), [
    'accuracy/golden/pass', 'macroF1/golden/pass', 'classRecall/golden/pass', 'accuracy/holdout/skipped', 'macroF1/holdout/skipped', 'classRecall/holdout/skipped',
  ]);
  assert.deepEqual(report.texts.holdout, { datasetId: holdoutId, texts: 20, lineage: (await ws.getDataset(holdoutId)).source.file, skipped: true });

  // Released, but the other controller holds the lease: the first step is its to deploy.
  assert.equal(second.release.firstStepDeployed, false);
  assert.match(second.release.summary, /^release \d+ of inv@2 against inv@1 on inv recorded; the controller \(other-controller\) holds the lease and deploys its first step on its next tick$/);
  assert.equal((await ws.deployments.current(ENDPOINT))?.revision, 1, 'nothing deployed behind the controller\'s back');
  assert.equal((await ws.getModelVersion('inv', 2)).approval.by, 'ana', 'approved by whoever ran it, for passing the gates');

  // A release in progress: a run that would release is refused before it runs; --no-release still trains and gates.
  await assert.rejects(runPipelineNow(settings, spec!, { trigger: 'manual', actor: 'ana' }),
    (e: unknown) => e instanceof ConflictError && e.code === 'endpoint-releasing' && /endpoint inv has release \d+ in progress \(inv@2 against inv@1/.test(e.message));
  assert.equal((await pipelineHistory(settings, 'inv', 10)).length, 2, 'the refused run recorded nothing');
  const gatedOnly = await runPipelineNow(settings, spec!, { trigger: 'manual', actor: 'ana', release: false });
  assert.deepEqual([gatedOnly.run.status, gatedOnly.release.record, gatedOnly.data.holdout], ['succeeded', null, holdoutId]);
  assert.match(gatedOnly.release.summary, /^not released: asked to stop after the gates/);
});

test('a candidate worse than the champion on the held-out feedback is gated, every reason naming the held-out set', async (t) => {
  const { home, settings, ws } = await world(t, false);
  const [spec] = parsePipelines({ inv: { data: { dataset: 'inv-train' }, train: ['linear'] } });
  const first = await runPipelineNow(settings, spec!, { trigger: 'manual', actor: 'ana' });
  assert.equal(first.candidate.ref, 'inv@1');
  await deploy(ws, 'inv@1');

  // A careless labeller's older corrections file the most frequent heading under another; the newest are right.
  const older = lines(1000, 11);
  const counts = new Map<string, number>();
  for (const l of older) counts.set(l.label, (counts.get(l.label) ?? 0) + 1);
  const [wrong, into] = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([l]) => l);
  await addFeedback(home, older.map((l) => (l.label === wrong ? { ...l, label: into! } : l)), T0);
  const newest = lines(500, 12, new Set(older.map((l) => l.text)));
  await addFeedback(home, newest, T0 + 10_000_000);

  const run = await runPipelineNow(settings, spec!, { trigger: 'manual', actor: 'ana' });
  assert.equal(run.run.status, 'gated');
  const held = await ws.loadDatasetRows(run.data.holdout!);
  const newestTexts = new Set(newest.map((l) => l.text));
  assert.ok(held.texts.length >= 30 && held.texts.every((x) => newestTexts.has(x)), 'the holdout is the newest, correct feedback');
  const failed = run.gates!.results.filter((r) => !r.passed);
  assert.ok(failed.length > 0 && failed.every((r) => r.source === 'holdout'), failed.map((r) => `${r.gate}/${r.source}`).join(', '));
  assert.ok(failed.some((r) => r.gate === 'accuracy' && r.figures['verdict'] === 'worse'));
  assert.match(run.run.error!, new RegExp(`^gated: accuracy on the held-out feedback \\(${held.texts.length} texts\\): candidate 0\\.\\d+, champion 0\\.\\d+; .*worse than the champion beyond the margin`));
  assert.deepEqual([run.release.record, run.release.summary], [null, 'not released: the run ended gated']);
  assert.equal((await ws.deployments.current(ENDPOINT))?.revision, 1);
  const alerts = await withMonitoringStore(settings, (m) => m.listAlertEvents({ endpoint: ENDPOINT }));
  assert.ok(alerts.some((a) => a.rule === 'quality-gate' && a.message.includes('held-out feedback')), 'the failure raised a quality-gate alert naming the set');
});
