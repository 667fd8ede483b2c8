/**
 * Decide or route on the benchmark's held-out part (issue 14):
 *   node dist/bench/decision-run.js DATASET_CSV LABEL_COLUMN MODEL_KIND [ARTIFACT_DIR]
 * Trains as `lading train` does with its defaults (seed 1, 10% validation, refit, no up-sampling)
 * on the training part of the fixed benchmark split (bench-split.ts), writes the artifact to
 * ARTIFACT_DIR (default /tmp/lading-decision-bench; an artifact already there is reused), then
 * scores the test part, which nothing was fitted on, and prints one JSON line: per target, the
 * decision policy's (per-class thresholds, core/decision-policy.ts) coverage and precision there,
 * what the validation rows expected, and the stored global threshold's figures beside them.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { decideInto, fitDecisionPolicy, readDecisionEvidence } from '../src/core/decision-policy.js';
import { readLabelledFile } from '../src/data/read-labelled-file.js';
import { readArtifactFile } from '../src/models/artifact.js';
import { loadModel } from '../src/models/load-model.js';
import { argmaxRows } from '../src/serving/rows.js';
import { lookupLabels } from '../src/training/label-index.js';
import { runTraining } from '../src/training/train-run.js';
import { benchSplit } from './bench-split.js';

const [file, labelColumn, kind, dirArg] = process.argv.slice(2);
if (!file || !labelColumn || !kind) throw new Error('usage: decision-run.js CSV LABEL KIND [ARTIFACT_DIR]');
const dir = dirArg ?? '/tmp/lading-decision-bench';
const artifact = join(dir, `${basename(dirname(file))}-${labelColumn}-${kind}.lading`);
const rows = await readLabelledFile(file, { text: 'text', labels: [labelColumn] });
const { train, test } = benchSplit(rows, labelColumn);
let trainSeconds: number | null = null;
if (!existsSync(artifact)) {
  const t0 = performance.now();
  const r = await runTraining({ rows: train, labelColumn, kind, seed: 1, upsample: false, threads: availableParallelism(), params: {}, validFraction: 0.1 });
  trainSeconds = (performance.now() - t0) / 1000;
  mkdirSync(dir, { recursive: true });
  writeFileSync(artifact, r.bytes);
}
const { classifier, header } = await loadModel(artifact);
const evidence = readDecisionEvidence(header, readArtifactFile(artifact).sections);
if (!evidence) throw new Error(`${artifact} stores no decision evidence`);
const classes = classifier.labels.length;
const proba = new Float32Array(test.texts.length * classes);
for (let i = 0; i < test.texts.length; i += 256) {
  const batch = test.texts.slice(i, i + 256);
  classifier.predictProba(batch, proba.subarray(i * classes, (i + batch.length) * classes));
}
const truth = lookupLabels(classifier.labels, test.labels[labelColumn]!);
const { ids, scores } = argmaxRows(proba, classes);
const auto = new Uint8Array(ids.length);
const onTest = (pick: (i: number) => boolean) => {
  let n = 0, right = 0;
  for (let i = 0; i < ids.length; i++) if (pick(i)) { n++; if (ids[i] === truth[i]) right++; }
  return { coverage: n / ids.length, precision: n > 0 ? right / n : null, autoRows: n };
};
const targets = [0.95, 0.98, 0.99].map((target) => {
  const policy = fitDecisionPolicy(evidence, classes, target);
  decideInto(policy.thresholds, ids, scores, auto);
  const global = header.thresholds?.points.find((p) => p.target === target)?.threshold ?? null;
  return {
    target,
    policy: { ...onTest((i) => auto[i] === 1), expectedCoverage: policy.expectedCoverage, expectedPrecision: policy.expectedPrecision,
      lowered: policy.lowered, raised: policy.raised, adjustedThreshold: policy.adjustedThreshold },
    globalThreshold: { threshold: global, ...onTest((i) => global !== null && scores[i]! >= global) },
  };
});
let right = 0;
for (let i = 0; i < ids.length; i++) if (ids[i] === truth[i]) right++;
console.log(JSON.stringify({ dataset: file, label: labelColumn, kind, classes, validRows: evidence.predicted.length, testRows: ids.length, accuracy: right / ids.length, trainSeconds, targets }));
