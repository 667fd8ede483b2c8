import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDecisionEvidence } from '../../src/core/decision-policy.js';
import { decodeArtifact } from '../../src/models/artifact.js';
import { describeDecisionSource } from '../../src/training/decision-check.js';
import { runTraining } from '../../src/training/train-run.js';
import { MIN_TRAFFIC_EVIDENCE } from '../../src/training/traffic-rows.js';
import { mixedRows } from './model-fixture.js';

const trainRows = mixedRows(1200, 5);
const rows = { textColumn: 'text', labelColumns: ['label'], texts: trainRows.map((r) => r.text), labels: { label: trainRows.map((r) => r.label) } };
const options = { rows, labelColumn: 'label', kind: 'linear', seed: 3, upsample: false, params: {}, validFraction: 0.2, threads: 2 };
const everyNth = (n: number, k: number) => Array.from({ length: rows.texts.length }, (_, i) => i).filter((i) => i % n < k);

test('reviewed rows teach the model but leave the decide-or-route evidence and the stored thresholds; under the minimum of traffic rows they stay in', async () => {
  const plain = await runTraining(options);
  const reviewed = everyNth(4, 1);
  const marked = await runTraining({ ...options, rows: { ...rows, reviewRows: reviewed } });
  // The same model is served: the reviewed rows still train every fit.
  assert.deepEqual(marked.meta.params, plain.meta.params);
  assert.equal(plain.decision.rows, rows.texts.length);
  assert.deepEqual(marked.decision, { fittedOn: 'cross-fit', folds: 5, rows: rows.texts.length - reviewed.length, reviewRowsLeftOut: reviewed.length });
  assert.equal(marked.meta.decision!.reviewRowsLeftOut, reviewed.length);
  assert.equal(plain.meta.decision!.reviewRowsLeftOut, undefined);
  // The stored global thresholds (eval's "thresholds stored at training time") hold on traffic too: the validation rows that are not reviewed.
  assert.equal(plain.meta.thresholds!.rows, plain.validRows);
  assert.equal(marked.meta.thresholds!.rows, marked.decision.rows - marked.meta.decision!.crossFitRows!);
  assert.ok(marked.meta.thresholds!.rows < marked.validRows);
  // What `models show` and `eval` say of where the thresholds came from.
  assert.match(describeDecisionSource(marked.meta.decision), new RegExp(`^${marked.decision.rows} rows: .* \\(${reviewed.length} reviewed rows left out: `));
  assert.doesNotMatch(describeDecisionSource(plain.meta.decision), /reviewed/);
  const artifact = decodeArtifact(marked.bytes, 'marked');
  assert.equal(readDecisionEvidence(artifact.header, artifact.sections)!.predicted.length, rows.texts.length - reviewed.length);

  // 800 of 1200 reviewed leaves 400 traffic rows, under the minimum: the evidence keeps every row.
  const mostlyReviewed = everyNth(3, 2);
  assert.ok(rows.texts.length - mostlyReviewed.length < MIN_TRAFFIC_EVIDENCE);
  const few = await runTraining({ ...options, rows: { ...rows, reviewRows: mostlyReviewed } });
  assert.equal(few.decision.rows, rows.texts.length);
  assert.equal(few.meta.decision!.reviewRowsLeftOut, undefined);
  assert.equal(few.meta.thresholds!.rows, few.validRows);
});
