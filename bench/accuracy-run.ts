/**
 * One cell of `npm run bench:accuracy`, in its own process so peak memory is its own:
 *   node dist/bench/accuracy-run.js DATASET_CSV LABEL_COLUMN MODEL_KIND [THREADS]
 * Trains as `lading train` does (validated fit, then the refit on all of the benchmark's training
 * part; its test part stays unseen) and prints two JSON lines: the validated fit (what --no-refit
 * ships) and the refit model, each measured on the test part. One run gives both, so the no-refit
 * figures cost no third fit; its trainSeconds is that of the validated fit alone, and it has no
 * artifact of its own (no all-cores rate or size).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../src/core/hash.js';
import type { ReferenceRows } from '../src/training/reference-rows.js';
import { readLabelledFile } from '../src/data/read-labelled-file.js';
import type { StoredThresholds } from '../src/core/confidence-meta.js';
import type { Classifier } from '../src/models/classifier.js';
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
const testTexts = test.texts;
const testLabels = test.labels[labelColumn]!;

/**
 * Accuracy and macro-F1 on the test part, the one-thread rate (in-process, serving-sized batches of
 * 256), and auto-classification on the test part with the thresholds stored at training (fitted on
 * the validation part) beside thresholds fitted on the test part itself (optimistic).
 */
function onTest(classifier: Classifier, stored: StoredThresholds | undefined) {
  const labels = classifier.labels;
  const proba = new Float32Array(testTexts.length * labels.length);
  const t = performance.now();
  for (let i = 0; i < testTexts.length; i += 256) {
    const batch = testTexts.slice(i, i + 256);
    classifier.predictProba(batch, proba.subarray(i * labels.length, (i + batch.length) * labels.length));
  }
  const seconds = (performance.now() - t) / 1000;
  const report = evaluate({ labels, yTrue: lookupLabels(labels, testLabels), proba, trueLabels: testLabels, ...(stored ? { storedThresholds: stored } : {}) });
  const automation = (report.storedThresholds?.points ?? []).map((p, i) => ({
    target: p.target, threshold: p.threshold, expectedCoverage: p.expectedCoverage, coverage: p.coverage, precision: p.precision,
    coverageFittedOnTest: report.coverage[i]?.coverage ?? null,
  }));
  // Code-like labels (HS6): each shorter level read off the model's answers, by the best code's prefix and by the prefix with the most mass.
  const levels = report.hierarchy.filter((h) => labels.some((l) => l.length > h.level))
    .map((h) => ({ level: h.level, accuracy: h.accuracy, marginalAccuracy: h.marginalAccuracy ?? null }));
  return { accuracy: report.accuracy, macroF1: report.macroF1, rareF1: rareF1(report.perClass), automation, levels, oneThreadPerSec: testTexts.length / seconds, seconds };
}

// BENCH_NOMENCLATURE=all|known: HS tasks also learn from the nomenclature's descriptions (`train --nomenclature`).
const nomenclatureClasses = process.env['BENCH_NOMENCLATURE'];
const NOMENCLATURE = join(dirname(file), '..', 'hs-nomenclature', 'hs6.csv');
let referenceRows: ReferenceRows | undefined;
if ((nomenclatureClasses === 'all' || nomenclatureClasses === 'known') && file.includes('hs-goods')) {
  const nomenclature = await readLabelledFile(NOMENCLATURE, { text: process.env['BENCH_NOMENCLATURE_TEXT'] ?? 'text', labels: [labelColumn] });
  referenceRows = { texts: nomenclature.texts, labels: nomenclature.labels[labelColumn]!, source: 'hs6.csv', sha256: sha256Hex(readFileSync(NOMENCLATURE)), classes: nomenclatureClasses };
}

/** Training rows per class in the benchmark's training part (examples only, not reference rows). */
const trainCounts = new Map<string, number>();
for (const l of train.labels[labelColumn]!) trainCounts.set(l, (trainCounts.get(l) ?? 0) + 1);
/** Mean F1 over the test part's classes that have fewer than 20 training texts (the rare classes). */
function rareF1(perClass: readonly { label: string; f1: number; support: number }[]): number | null {
  const rare = perClass.filter((c) => c.support > 0 && (trainCounts.get(c.label) ?? 0) < 20);
  return rare.length === 0 ? null : rare.reduce((a, c) => a + c.f1, 0) / rare.length;
}

const t0 = performance.now();
let validatedFit: { classifier: Classifier; trainSeconds: number } | undefined;
const result = await runTraining({
  rows: train, labelColumn, kind, seed: 1, upsample: process.env['BENCH_UPSAMPLE'] === '1', threads, params: {}, validFraction: 0.05, ...(referenceRows ? { referenceRows } : {}),
  onValidatedFit: (c) => { validatedFit = { classifier: c, trainSeconds: (performance.now() - t0) / 1000 }; },
});
const trainSeconds = (performance.now() - t0) / 1000;
// The stored thresholds are known once training ends; both fits are scored with them.
const validated = validatedFit ? { ...onTest(validatedFit.classifier, result.meta.thresholds), trainSeconds: validatedFit.trainSeconds } : undefined;
const shipped = onTest(result.classifier, result.meta.thresholds);

// All cores: the artifact loaded once in worker threads, as `lading predict` and serving do, then
// timed on repeated copies of the test texts in serving-sized batches (load time excluded).
const labels = result.meta.labels;
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

const common = { kind, labelColumn, testRows: testTexts.length, classes: labels.length, threads, choices: result.meta.training.choices, ...(result.meta.training.referenceRows ? { nomenclature: result.meta.training.referenceRows } : {}) };
if (result.refit && validated) {
  process.stdout.write(`${JSON.stringify({
    ...common, refit: false, trainRows: result.heldOutFitRows, accuracy: validated.accuracy, macroF1: validated.macroF1, rareF1: validated.rareF1, automation: validated.automation, levels: validated.levels,
    trainSeconds: validated.trainSeconds, oneThreadPerSec: validated.oneThreadPerSec, allCoresPerSec: null, peakRssMB: null, artifactMB: null,
  })}\n`);
}
process.stdout.write(`${JSON.stringify({
  ...common, refit: result.refit, trainRows: result.trainRows, accuracy: shipped.accuracy, macroF1: shipped.macroF1, rareF1: shipped.rareF1, automation: shipped.automation, levels: shipped.levels, trainSeconds,
  oneThreadPerSec: shipped.oneThreadPerSec, allCoresPerSec, peakRssMB: process.resourceUsage().maxRSS / 1024, artifactMB: result.bytes.length / 1e6,
})}\n`);
