/**
 * One cell of `npm run bench:accuracy`, in its own process so peak memory is its own:
 *   node dist/bench/accuracy-run.js DATASET_CSV LABEL_COLUMN MODEL_KIND [THREADS]
 * Prints one JSON line with the figures.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { readLabelledFile } from '../src/data/read-labelled-file.js';
import { ParallelPredictor } from '../src/models/parallel-predict.js';
import { runTraining } from '../src/training/train-run.js';
import { evaluate } from '../src/training/evaluate.js';
import { lookupLabels } from '../src/training/label-index.js';
import { benchSplit } from './bench-split.js';

const [file, labelColumn, kind, threadsArg] = process.argv.slice(2);
if (!file || !labelColumn || !kind) throw new Error('usage: accuracy-run.js CSV LABEL KIND [THREADS]');
const threads = Number(threadsArg ?? availableParallelism());
const rows = await readLabelledFile(file, { text: 'text', labels: [labelColumn] });
const { train, test } = benchSplit(rows, labelColumn);

const t0 = performance.now();
const result = await runTraining({ rows: train, labelColumn, kind, seed: 1, upsample: process.env['BENCH_UPSAMPLE'] === '1', threads, params: {}, validFraction: 0.05 });
const trainSeconds = (performance.now() - t0) / 1000;

const testTexts = test.texts;
const labels = result.meta.labels;
const proba = new Float32Array(testTexts.length * labels.length);
// One thread: the in-process classifier, in serving-sized batches of 256.
const t1 = performance.now();
for (let i = 0; i < testTexts.length; i += 256) {
  const batch = testTexts.slice(i, i + 256);
  result.classifier.predictProba(batch, proba.subarray(i * labels.length, (i + batch.length) * labels.length));
}
const oneThreadPerSec = testTexts.length / ((performance.now() - t1) / 1000);
const stored = result.meta.thresholds;
const report = evaluate({ labels, yTrue: lookupLabels(labels, test.labels[labelColumn]!), proba, trueLabels: test.labels[labelColumn]!, ...(stored ? { storedThresholds: stored } : {}) });
// Auto-classification on the test split: with the thresholds stored at training (fitted on the
// validation part) and, for comparison, with thresholds fitted on the test split itself (optimistic).
const automation = (report.storedThresholds?.points ?? []).map((p, i) => ({
  target: p.target, threshold: p.threshold, expectedCoverage: p.expectedCoverage, coverage: p.coverage, precision: p.precision,
  coverageFittedOnTest: report.coverage[i]?.coverage ?? null,
}));

// All cores: the artifact loaded once in worker threads, as `lading predict` and serving do, then
// timed on repeated copies of the test texts in serving-sized batches (load time excluded).
const dir = mkdtempSync(join(tmpdir(), 'lading-bench-'));
const artifact = join(dir, 'model.lading');
writeFileSync(artifact, result.bytes);
const predictor = await ParallelPredictor.open(artifact, threads);
const many = Array.from({ length: 4 }, () => testTexts).flat();
const batch = 4096;
const out = new Float32Array(new SharedArrayBuffer(batch * labels.length * 4));
await predictor.predictProba(testTexts.slice(0, batch), out); // warm-up: JIT
const t2 = performance.now();
for (let i = 0; i < many.length; i += batch) await predictor.predictProba(many.slice(i, i + batch), out.subarray(0, Math.min(batch, many.length - i) * labels.length));
const allCoresPerSec = many.length / ((performance.now() - t2) / 1000);
await predictor.close();
rmSync(dir, { recursive: true, force: true });

process.stdout.write(`${JSON.stringify({
  kind, labelColumn, trainRows: result.trainRows, testRows: testTexts.length, classes: labels.length,
  accuracy: report.accuracy, macroF1: report.macroF1, automation, trainSeconds, oneThreadPerSec, allCoresPerSec, threads,
  peakRssMB: process.resourceUsage().maxRSS / 1024, artifactMB: result.bytes.length / 1e6,
})}\n`);
