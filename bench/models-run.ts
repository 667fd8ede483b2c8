/**
 * One cell of `npm run bench:models`, in its own process (its own memory and JIT state):
 *   node dist/bench/models-run.js DATASET_CSV LABEL_COLUMN MODEL_KIND UPSAMPLE(0|1) THREADS [SPLIT_DIR]
 * Prints one JSON line with the figures. With SPLIT_DIR, also writes the bench split there as
 * train.csv / test.csv (for the PyTorch side-by-side).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLabelledFile } from '../src/data/read-labelled-file.js';
import type { Classifier } from '../src/models/classifier.js';
import { OnnxClassifier } from '../src/models/onnx/onnx-classifier.js';
import { ParallelPredictor } from '../src/models/parallel-predict.js';
import { Top1CalibratedClassifier, withStoredCalibration } from '../src/models/top1-calibration.js';
import { evaluate } from '../src/training/evaluate.js';
import { lookupLabels } from '../src/training/label-index.js';
import { runTraining } from '../src/training/train-run.js';
import { benchSplit } from './bench-split.js';

const [file, labelColumn, kind, upsampleArg, threadsArg, splitDir] = process.argv.slice(2);
if (!file || !labelColumn || !kind || !upsampleArg || !threadsArg) throw new Error('usage: models-run.js CSV LABEL KIND UPSAMPLE THREADS [SPLIT_DIR]');
const threads = Number(threadsArg);
const upsample = upsampleArg === '1';
const rows = await readLabelledFile(file, { text: 'text', labels: [labelColumn] });
const { train, test } = benchSplit(rows, labelColumn);
if (splitDir) {
  const csv = (r: typeof train): string => `text,label\n${r.texts.map((t, i) => `${quote(t)},${quote(r.labels[labelColumn]![i]!)}`).join('\n')}\n`;
  writeFileSync(join(splitDir, 'train.csv'), csv(train));
  writeFileSync(join(splitDir, 'test.csv'), csv(test));
}

const t0 = performance.now();
// BENCH_PARAMS='{"epochs":1}' overrides hyper-parameters (for tuning runs; the recorded benchmark uses the defaults).
const params = JSON.parse(process.env['BENCH_PARAMS'] ?? '{}') as Record<string, unknown>;
// Each finished epoch of a deep kind goes to stderr (loss, validation accuracy, rate), and its time is kept.
const epochSeconds: number[] = [];
const onProgress = (p: { info?: Readonly<Record<string, unknown>> }): void => {
  const seconds = p.info?.['epochSeconds'];
  if (typeof seconds !== 'number') return;
  epochSeconds.push(seconds);
  process.stderr.write(`  epoch ${JSON.stringify(p.info)}\n`);
};
const result = await runTraining({ rows: train, labelColumn, kind, seed: 1, upsample, threads, params, validFraction: 0.05, onProgress });
const trainSeconds = (performance.now() - t0) / 1000;
const labels = result.meta.labels;
const classes = labels.length;
const texts = test.texts;

// One thread, batches of 256: onnxruntime with one intra-op thread for the deep kinds, the
// in-process classifier for the others. CPU time of this process gives CPU-seconds per million.
const proba = new Float32Array(texts.length * classes);
// The trained classifier comes wrapped in its top-1 calibration; the run options are the inner model's.
const inner = result.classifier instanceof Top1CalibratedClassifier ? result.classifier.inner : result.classifier;
const oneThread = inner instanceof OnnxClassifier ? withStoredCalibration(inner.withRunOptions({ intraOpThreads: 1 }), result.meta.calibration) : result.classifier;
await predict(oneThread, texts.slice(0, 512), new Float32Array(512 * classes)); // warm-up
const cpu0 = process.cpuUsage();
const t1 = performance.now();
await predict(oneThread, texts, proba);
const oneThreadPerSec = texts.length / ((performance.now() - t1) / 1000);
const cpu = process.cpuUsage(cpu0);
const cpuSecondsPerMillion = ((cpu.user + cpu.system) / 1e6 / texts.length) * 1e6;

const trainCounts = new Map<string, number>();
for (const l of train.labels[labelColumn]!) trainCounts.set(l, (trainCounts.get(l) ?? 0) + 1);
const report = evaluate({ labels, yTrue: lookupLabels(labels, test.labels[labelColumn]!), proba, trueLabels: test.labels[labelColumn]! });
const rare = report.perClass.filter((c) => c.support > 0 && (trainCounts.get(c.label) ?? 0) < 20);
const rareMacroF1 = rare.length === 0 ? NaN : rare.reduce((s, c) => s + c.f1, 0) / rare.length;

// All cores: the artifact in `threads` worker threads (for the deep kinds, one onnxruntime session
// of one intra-op thread each: measured faster than one session with `threads` intra-op threads,
// whose per-operator fork/join costs more than it saves on batches this small).
const many = Array.from({ length: 4 }, () => texts).flat();
const dir = mkdtempSync(join(tmpdir(), 'lading-bench-'));
const artifact = join(dir, 'model.lading');
writeFileSync(artifact, result.bytes);
if (process.env['BENCH_SAVE']) writeFileSync(process.env['BENCH_SAVE'], result.bytes); // keep the artifact for profiling
const predictor = await ParallelPredictor.open(artifact, threads);
await predictor.predictProba(texts.slice(0, 1024)); // warm-up (loads each thread's session)
const t2 = performance.now();
await predictor.predictProba(many);
const allCoresPerSec = many.length / ((performance.now() - t2) / 1000);
await predictor.close();
rmSync(dir, { recursive: true, force: true });

process.stdout.write(`${JSON.stringify({
  kind, upsample, labelColumn, trainRows: result.trainRows, testRows: texts.length, classes,
  accuracy: report.accuracy, macroF1: report.macroF1, rareMacroF1, rareClasses: rare.length, trainSeconds, params,
  epochs: epochSeconds.length, epochSeconds: epochSeconds.length === 0 ? null : epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length,
  oneThreadPerSec, allCoresPerSec, cpuSecondsPerMillion, artifactMB: result.bytes.length / 1e6, peakRssMB: process.resourceUsage().maxRSS / 1024,
})}\n`);

async function predict(c: Classifier, batchTexts: readonly string[], out: Float32Array): Promise<void> {
  if (c.predictProbaAsync) return c.predictProbaAsync(batchTexts, out);
  for (let i = 0; i < batchTexts.length; i += 256) {
    const batch = batchTexts.slice(i, i + 256);
    c.predictProba(batch, out.subarray(i * classes, (i + batch.length) * classes));
  }
}

function quote(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
