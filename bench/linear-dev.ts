/**
 * Compares linear-kind settings without touching the benchmark's test part:
 *   node dist/bench/linear-dev.js TASK '{"C":0.5}' ['{"C":1}' ...]
 * TASK is hs4, hs6 or grocery. The benchmark's training part (bench-split.ts) is split again,
 * grouped and stratified 80/20 with another seed; each setting is fitted on the first part and
 * scored on the second (accuracy, macro-F1), so choices made here are not fitted to the test part.
 */
import { join } from 'node:path';
import { readLabelledFile } from '../src/data/read-labelled-file.js';
import { splitGroupedStratified } from '../src/data/split.js';
import { linearKind } from '../src/models/linear/index.js';
import { evaluate } from '../src/training/evaluate.js';
import { indexLabels } from '../src/training/label-index.js';
import { benchSplit } from './bench-split.js';

const TASKS: Record<string, { file: string; label: string }> = {
  hs4: { file: join('..', 'shared', 'datasets', 'hs-goods', 'train.csv'), label: 'label_4' },
  hs6: { file: join('..', 'shared', 'datasets', 'hs-goods', 'train.csv'), label: 'label' },
  grocery: { file: join('..', 'shared', 'datasets', 'grocery', 'train.csv'), label: 'label' },
};
const [taskName, ...settings] = process.argv.slice(2);
const task = TASKS[taskName ?? ''];
if (!task || settings.length === 0) throw new Error('usage: linear-dev.js hs4|hs6|grocery PARAMS_JSON...');
const rows = await readLabelledFile(task.file, { text: 'text', labels: [task.label] });
const { train } = benchSplit(rows, task.label);
const { labels, y } = indexLabels(train.labels[task.label]!);
const dev = splitGroupedStratified(train.texts, y, { validFraction: 0.2, seed: 7 });
const pick = (idx: Int32Array) => ({ texts: Array.from(idx, (i) => train.texts[i]!), y: Int32Array.from(idx, (i) => y[i]!) });
const fit = pick(dev.train);
const held = pick(dev.valid);
for (const raw of settings) {
  const params = JSON.parse(raw) as Record<string, unknown>;
  const t0 = performance.now();
  const model = await linearKind.train({ ...fit, labels, valid: { texts: [], y: new Int32Array(0) } }, { seed: 1, threads: 2, params: { ...linearKind.defaults, ...params } });
  const trainSeconds = (performance.now() - t0) / 1000;
  const proba = new Float32Array(held.texts.length * labels.length);
  const t1 = performance.now();
  for (let i = 0; i < held.texts.length; i += 256) {
    const batch = held.texts.slice(i, i + 256);
    model.predictProba(batch, proba.subarray(i * labels.length, (i + batch.length) * labels.length));
  }
  const perSec = held.texts.length / ((performance.now() - t1) / 1000);
  const r = evaluate({ labels, yTrue: held.y, proba });
  process.stdout.write(`${JSON.stringify({ task: taskName, params, accuracy: Number(r.accuracy.toFixed(4)), macroF1: Number(r.macroF1.toFixed(4)), trainSeconds: Number(trainSeconds.toFixed(1)), predictPerSec: Math.round(perSec), fitRows: fit.texts.length, heldRows: held.texts.length })}\n`);
}
