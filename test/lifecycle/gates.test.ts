import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DatasetRows } from '../../src/core/dataset.js';
import { InputError, InterruptedError } from '../../src/core/errors.js';
import { readLabelledFile } from '../../src/data/read-labelled-file.js';
import type { GateReport, GateResult } from '../../src/lifecycle/gates/gate-report.js';
import { runGates, type RunGatesInput } from '../../src/lifecycle/gates/run-gates.js';
import type { GatePolicy } from '../../src/lifecycle/pipeline/pipeline-spec.js';
import { openEmbeddedWorkspace } from '../../src/platform/index.js';
import type { ModelVersionRecord } from '../../src/registry/model-registry.js';
import { registerArtifact } from '../../src/registry/register-artifact.js';
import type { Workspace } from '../../src/registry/workspace.js';
import { runTraining } from '../../src/training/train-run.js';
import { tempDir } from '../training/model-fixture.js';

const GROCERY = new URL('../../../../shared/datasets/grocery/train.csv', import.meta.url).pathname;
const LABEL = 'label_department';
/** The department whose labels the worse candidate is trained with scrambled. */
const SCRAMBLED = 'snacks';

const POLICY: GatePolicy = {
  golden: undefined,
  feedbackHoldout: 0.2,
  margin: { accuracy: 0.02, macroF1: 0.02 },
  alpha: 0.05,
  classRecall: { minSupport: 20, maxDrop: 0.1 },
  budgets: { p99Ms: undefined, artifactMb: undefined, ece: undefined },
};

function slice(rows: DatasetRows, from: number, to: number, relabel?: (label: string, i: number) => string): DatasetRows {
  const labels = rows.labels[LABEL]!.slice(from, to);
  return { textColumn: 'text', labelColumns: [LABEL], texts: rows.texts.slice(from, to), labels: { [LABEL]: relabel ? labels.map(relabel) : labels } };
}

const byGate = (report: GateReport, gate: GateResult['gate'], source: GateResult['source'] = 'golden'): GateResult => {
  const found = report.results.find((r) => r.gate === gate && r.source === source);
  assert.ok(found, `no ${gate} result for ${source} in ${report.results.map((r) => `${r.gate}/${r.source}`).join(', ')}`);
  return found;
};

/** Every file under a folder with its size and mtime: what "nothing written" is checked against. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${p} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

describe('quality gates on real models (grocery departments, SQLite workspace)', () => {
  let home: string;
  let ws: Workspace;
  let champion: ModelVersionRecord;
  let worse: ModelVersionRecord;
  let goldenId: string;
  let holdout: { texts: readonly string[]; labels: readonly string[]; lineage: string; datasetId: string };
  const gates = (input: Omit<RunGatesInput, 'registry'>): Promise<GateReport> => runGates({ registry: ws, latency: { warmupCalls: 20, calls: 200 }, ...input });

  before(async () => {
    assert.ok(existsSync(GROCERY), `the shared dataset ${GROCERY} is missing: it is always present in CI (/work/shared/datasets); restore it`);
    const all = await readLabelledFile(GROCERY, { text: 'text', labels: [LABEL] });
    home = tempDir('gates');
    ws = openEmbeddedWorkspace(home);
    const train = (rows: DatasetRows) => runTraining({ rows, labelColumn: LABEL, kind: 'linear', seed: 1, upsample: false, threads: 1, params: {}, validFraction: 0.1 });
    champion = await registerArtifact(ws, { name: 'departments', artifactBytes: (await train(slice(all, 0, 2000))).bytes, actor: 'gates-test' });
    // Same data, but every snacks row carries another department's label: the model cannot learn
    // snacks, so its recall collapses and accuracy and macro-F1 follow.
    const others = [...new Set(all.labels[LABEL]!.slice(0, 2000))].filter((l) => l !== SCRAMBLED).sort();
    const scrambled = slice(all, 0, 2000, (l, i) => (l === SCRAMBLED ? others[i % others.length]! : l));
    worse = await registerArtifact(ws, { name: 'departments', artifactBytes: (await train(scrambled)).bytes, actor: 'gates-test' });
    goldenId = (await ws.saveDataset(slice(all, 2000, 2800), { file: 'golden.csv', format: 'csv' })).version.id;
    const fb = slice(all, 2800, 3200);
    holdout = { texts: fb.texts, labels: fb.labels[LABEL]!, lineage: 'feedback:departments (test slice)', datasetId: 'ds-holdout-test' };
  });

  after(() => {
    ws?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('the same model against itself passes every gate, on the golden set and on the held-out feedback', async () => {
    const report = await gates({
      candidate: champion, champion, holdout,
      policy: { ...POLICY, golden: goldenId, budgets: { p99Ms: 1000, artifactMb: 100, ece: 0.5 } },
    });
    assert.equal(report.passed, true, report.reasons.join('\n'));
    assert.deepEqual(report.reasons, []);
    assert.deepEqual(report.results.map((r) => `${r.gate}/${r.source}`), [
      'accuracy/golden', 'macroF1/golden', 'classRecall/golden',
      'accuracy/holdout', 'macroF1/holdout', 'classRecall/holdout',
      'p99Latency/null', 'artifactSize/null', 'calibration/null',
    ]);
    assert.deepEqual(report.texts, {
      golden: { ref: goldenId, datasetId: goldenId, labelColumn: LABEL, texts: 800 },
      holdout: { datasetId: 'ds-holdout-test', texts: 400, lineage: holdout.lineage, skipped: false }, total: 1200,
    });
    const acc = byGate(report, 'accuracy');
    assert.equal(acc.figures['difference'], 0);
    assert.equal(acc.figures['lower'], 0);
    assert.ok((acc.figures['candidate'] as number) > 0.5, `accuracy ${acc.figures['candidate']}`);
    assert.equal(byGate(report, 'classRecall').figures['largestDrop'], 0);
    assert.equal(byGate(report, 'p99Latency', null).figures['calls'], 200);
    // The report is plain JSON: it survives a round trip unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
  });

  it('a worse candidate fails with every reason named, including the class whose recall dropped', async () => {
    const report = await gates({ candidate: worse, champion, policy: { ...POLICY, golden: goldenId } });
    assert.equal(report.passed, false);
    const failed = report.results.filter((r) => !r.passed).map((r) => r.gate);
    assert.deepEqual(failed, ['accuracy', 'macroF1', 'classRecall']);
    assert.equal(report.reasons.length, 3);
    assert.deepEqual(report.reasons, report.results.filter((r) => !r.passed).map((r) => r.reason));

    const acc = byGate(report, 'accuracy');
    assert.equal(acc.figures['verdict'], 'worse');
    assert.match(acc.reason, /^accuracy on the golden set \(800 texts\): candidate 0\.\d{3}, champion 0\.\d{3}; difference -0\.\d{3} .*worse than the champion beyond the margin of 0\.020/);
    assert.ok((acc.figures['upper'] as number) < -0.02);
    assert.match(byGate(report, 'macroF1').reason, /macro-F1 .*worse than the champion beyond the margin of 0\.020 .*paired bootstrap, 1,000 resamples/);

    const recall = byGate(report, 'classRecall');
    const dropped = recall.figures['dropped'] as ReadonlyArray<Record<string, number | string>>;
    const snacks = dropped.find((d) => d['label'] === SCRAMBLED);
    assert.ok(snacks, `snacks not among the dropped classes: ${JSON.stringify(dropped)}`);
    assert.ok((snacks['championRecall'] as number) - (snacks['candidateRecall'] as number) > 0.5);
    const support = snacks['support'] as number;
    assert.ok(support >= 20);
    const f3 = (x: unknown) => (x as number).toFixed(3);
    assert.ok(recall.reason.includes(`${SCRAMBLED} (support ${support}: recall ${f3(snacks['championRecall'])} -> ${f3(snacks['candidateRecall'])}`), recall.reason);
  });

  it('budgets: a p99 of 0.0001 ms and a too-small artifact budget fail naming what was measured, champion or not', async () => {
    const policy: GatePolicy = { ...POLICY, golden: goldenId, budgets: { p99Ms: 0.0001, artifactMb: 0.001, ece: undefined } };
    for (const against of [champion, null]) {
      const report = await gates({ candidate: champion, champion: against, policy });
      assert.equal(report.passed, false);
      const latency = byGate(report, 'p99Latency', null);
      const p99 = latency.figures['p99Ms'] as number;
      assert.ok(p99 > 0.0001);
      assert.equal(latency.reason, `p99 latency of single-text predictions ${p99.toFixed(3)} ms exceeds the budget of 0.0001 ms (200 timed calls after 20 warm-up calls; p50 ${(latency.figures['p50Ms'] as number).toFixed(3)} ms, max ${(latency.figures['maxMs'] as number).toFixed(3)} ms)`);
      const size = byGate(report, 'artifactSize', null);
      assert.equal(size.figures['bytes'], champion.artifactBytes);
      assert.equal(size.reason, `artifact size ${(champion.artifactBytes / 1e6).toFixed(3)} MB (${champion.artifactBytes.toLocaleString('en-US')} bytes) exceeds the budget of 0.001 MB`);
      assert.deepEqual(report.reasons, [latency.reason, size.reason]);
      if (against === null) {
        assert.equal(report.champion, null);
        for (const gate of ['accuracy', 'macroF1', 'classRecall'] as const) {
          const r = byGate(report, gate);
          assert.equal(r.passed, true);
          assert.match(r.reason, /^no champion to compare with/);
        }
      }
    }
  });

  it('a champion with no texts to compare on fails the evidence gate; feedbackHoldout 0 leaves the holdout out', async () => {
    const report = await gates({ candidate: champion, champion, holdout, policy: { ...POLICY, feedbackHoldout: 0 } });
    assert.equal(report.passed, false);
    assert.deepEqual(report.results.map((r) => r.gate), ['evidence']);
    assert.match(report.reasons[0]!, /no golden set \(gates\.golden\) and no held-out feedback was given/);
    assert.deepEqual([report.texts.total, report.texts.holdout], [0, null]);
  });

  it('a candidate worse on the held-out feedback fails there, each reason naming that set, even when the golden set cannot tell', async () => {
    // The golden set has no snacks (so both models look alike there); the holdout has them.
    const golden = await ws.loadDatasetRows(goldenId);
    const keep = golden.texts.flatMap((_, i) => (golden.labels[LABEL]![i] === SCRAMBLED ? [] : [i]));
    const noSnacks = (await ws.saveDataset({ textColumn: 'text', labelColumns: [LABEL], texts: keep.map((i) => golden.texts[i]!), labels: { [LABEL]: keep.map((i) => golden.labels[LABEL]![i]!) } },
      { file: 'golden-no-snacks.csv', format: 'csv' })).version.id;
    const report = await gates({ candidate: worse, champion, holdout, policy: { ...POLICY, golden: noSnacks, margin: { accuracy: 0.05, macroF1: 0.1 } } });
    assert.equal(report.passed, false);
    assert.deepEqual(report.results.filter((r) => !r.passed).map((r) => `${r.gate}/${r.source}`), ['accuracy/holdout', 'macroF1/holdout', 'classRecall/holdout']);
    for (const reason of report.reasons) assert.match(reason, /^(accuracy|macro-F1|per-class recall) on the held-out feedback \(400 texts\)/);
    assert.ok(report.results.filter((r) => r.source === 'golden').every((r) => r.passed), 'the golden set without snacks cannot tell them apart');
  });

  it('a holdout too small to judge: its checks are skipped ("skipped: only N rows"), pass, and add nothing to the budgets', async () => {
    const small = { texts: holdout.texts.slice(0, 12), labels: holdout.labels.slice(0, 12) };
    const report = await gates({ candidate: worse, champion, holdout: small, policy: { ...POLICY, golden: goldenId, budgets: { p99Ms: undefined, artifactMb: undefined, ece: 0.9 } } });
    const held = report.results.filter((r) => r.source === 'holdout');
    assert.deepEqual(held.map((r) => [r.gate, r.passed, r.skipped]), [['accuracy', true, true], ['macroF1', true, true], ['classRecall', true, true]]);
    for (const r of held) assert.match(r.reason, /on the held-out feedback: skipped: only 12 rows \(the gates judge a set of at least 30\)$/);
    assert.deepEqual(report.texts.holdout, { datasetId: null, texts: 12, lineage: null, skipped: true });
    assert.equal(report.texts.total, 800, 'only the golden set counts');
    assert.equal(byGate(report, 'calibration', null).figures['texts'], 800);
    // Without a golden set a champion has nothing to be compared on: the evidence gate says why.
    const alone = await gates({ candidate: champion, champion, holdout: small, policy: POLICY });
    assert.equal(alone.passed, false);
    assert.match(alone.reasons.at(-1)!, /the held-out feedback has only 12 rows \(at least 30 needed\)/);
  });

  it('bad policy input: a golden set that does not exist is an error naming the ref, and nothing is written', async () => {
    const before = snapshot(home);
    const audit = (await ws.auditLog()).length;
    const datasetsBefore = (await ws.listDatasets()).length;
    await assert.rejects(
      gates({ candidate: worse, champion, policy: { ...POLICY, golden: 'ds-0000000000000000' } }),
      (e: unknown) => e instanceof InputError && e.code === 'gate-golden-not-found' && e.message.includes('gates.golden "ds-0000000000000000"') && e.facts['dataset'] === 'ds-0000000000000000',
    );
    await assert.rejects(
      gates({ candidate: worse, champion, policy: { ...POLICY, golden: goldenId, alpha: 1.5 } }),
      (e: unknown) => e instanceof InputError && e.message === 'gates.alpha must be between 0 and 1, got 1.5',
    );
    assert.deepEqual(snapshot(home), before);
    assert.equal((await ws.auditLog()).length, audit);
    assert.equal((await ws.listDatasets()).length, datasetsBefore);
  });

  it('the golden label column is the candidate\'s own; a set without it, misaligned feedback and a stop are clear errors', async () => {
    const golden = await ws.loadDatasetRows(goldenId);
    const values = golden.labels[LABEL]!;
    const twoColumns = await ws.saveDataset({ textColumn: 'text', labelColumns: ['aisle', LABEL], texts: golden.texts, labels: { aisle: values.map((v) => `${v}-aisle`), [LABEL]: values } }, { file: 'two.csv', format: 'csv' });
    const picked = await gates({ candidate: champion, champion, policy: { ...POLICY, golden: twoColumns.version.id } });
    assert.equal(picked.texts.golden?.labelColumn, LABEL);
    assert.equal(picked.passed, true, picked.reasons.join('\n'));

    const renamed = await ws.saveDataset({ textColumn: 'text', labelColumns: ['aisle', 'dept'], texts: golden.texts, labels: { aisle: values, dept: values } }, { file: 'renamed.csv', format: 'csv' });
    await assert.rejects(gates({ candidate: champion, champion, policy: { ...POLICY, golden: renamed.version.id } }),
      (e: unknown) => e instanceof InputError && e.code === 'gate-golden-label-column' && e.message.includes(`has label columns aisle, dept and none is the one the candidate predicts (${LABEL})`));
    // Naming the column explicitly resolves it.
    const named = await gates({ candidate: champion, champion, labelColumn: 'dept', policy: { ...POLICY, golden: renamed.version.id } });
    assert.equal(named.texts.golden?.labelColumn, 'dept');
    await assert.rejects(gates({ candidate: champion, champion, labelColumn: 'aisles', policy: { ...POLICY, golden: renamed.version.id } }),
      (e: unknown) => e instanceof InputError && e.message === `gates.golden "${renamed.version.id}" has no label column "aisles"; it has aisle, dept`);

    await assert.rejects(gates({ candidate: champion, champion, holdout: { texts: ['a', 'b'], labels: ['x'] }, policy: POLICY }),
      (e: unknown) => e instanceof InputError && e.message === 'the held-out feedback has 2 texts but 1 labels');
    const stopped = new AbortController();
    stopped.abort();
    await assert.rejects(gates({ candidate: champion, champion, signal: stopped.signal, policy: { ...POLICY, golden: goldenId } }), (e: unknown) => e instanceof InterruptedError);
  });
});
