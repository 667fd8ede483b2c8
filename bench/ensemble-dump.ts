/**
 * Dumps what the ensemble's combiner learns from, so re-ranker features can be tried without
 * refitting members (bench/ensemble-combiner.ts reads the dump):
 *   node dist/bench/ensemble-dump.js DATASET_CSV LABEL_COLUMN OUT_DIR [MEMBERS] [THREADS]
 * Same bench split as accuracy-run.js (its test part is scored, never learnt from), the same
 * validation split as `runTraining` (seed 1, 5%), BENCH_NOMENCLATURE=known|all as there. Writes
 * meta.json (labels, texts, ids, folds) and, per member, its out-of-fold probabilities on the
 * training traffic and the all-rows fit's probabilities on the validation and test parts (float32).
 * MEMBERS: comma list of kinds, each optionally `kind@N` (seeds offset by N: another draw of the
 * kind) and `:key=value;key=value` (numeric params), e.g. `fasttext@1` or
 * `fasttext:charMin=2;charMax=3`. A second run into the same OUT_DIR adds members (meta.json kept).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../src/core/hash.js';
import { readLabelledFile } from '../src/data/read-labelled-file.js';
import { splitGroupedStratified } from '../src/data/split.js';
import { concatIds } from '../src/core/concat-ids.js';
import { deriveSeed } from '../src/core/random.js';
import type { TrainInput } from '../src/models/classifier.js';
import { pick } from '../src/models/ensemble/cross-fit.js';
import { foldRows } from '../src/models/ensemble/folds.js';
import { memberKind } from '../src/models/ensemble/member-kinds.js';
import { assignFolds } from '../src/models/ensemble/folds.js';
import { indexLabels, lookupLabels } from '../src/training/label-index.js';
import { selectReferenceRows } from '../src/training/reference-rows.js';
import { benchSplit } from './bench-split.js';

const [file, labelColumn, out, membersArg, threadsArg] = process.argv.slice(2);
if (!file || !labelColumn || !out) throw new Error('usage: ensemble-dump.js CSV LABEL OUT_DIR [MEMBERS] [THREADS]');
const members = (membersArg ?? 'linear,fasttext').split(',');
const metaExists = existsSync(join(out, 'meta.json'));
const threads = Number(threadsArg ?? 2);
const seed = 1;
mkdirSync(out, { recursive: true });
const rows = await readLabelledFile(file, { text: 'text', labels: [labelColumn] });
const { train, test } = benchSplit(rows, labelColumn);
const values = train.labels[labelColumn]!;
const mode = process.env['BENCH_NOMENCLATURE'];
let reference: { texts: string[]; labels: string[] } | undefined;
if ((mode === 'known' || mode === 'all') && file.includes('hs-goods')) {
  const path = join(dirname(file), '..', 'hs-nomenclature', 'hs6.csv');
  const nom = await readLabelledFile(path, { text: 'text', labels: [labelColumn] });
  reference = selectReferenceRows({ texts: nom.texts, labels: nom.labels[labelColumn]!, source: 'hs6.csv', sha256: sha256Hex(readFileSync(path)), classes: mode }, new Set(values));
}
const { labels, y: allY } = indexLabels(reference ? [...values, ...reference.labels] : values);
const y = allY.subarray(0, values.length);
const refY = allY.subarray(values.length);
const split = splitGroupedStratified(train.texts, y, { validFraction: 0.05, seed });
const trafficTexts = Array.from(split.train, (i) => train.texts[i]!);
const trafficY = Int32Array.from(split.train, (i) => y[i]!);
const valid = { texts: Array.from(split.valid, (i) => train.texts[i]!), y: Int32Array.from(split.valid, (i) => y[i]!) };
const input = {
  texts: [...trafficTexts, ...(reference?.texts ?? [])], y: Int32Array.from([...trafficY, ...refY.slice(0, reference ? refY.length : 0)]),
  labels, valid, ...(reference ? { referenceRows: reference.texts.length } : {}),
};
const folds = 3;
const foldOf = assignFolds(trafficTexts, trafficY, folds, seed);
const testY = lookupLabels(labels, test.labels[labelColumn]!);
if (!metaExists) writeFileSync(join(out, 'meta.json'), JSON.stringify({
  labels, folds, train: { texts: trafficTexts, y: [...trafficY], foldOf: [...foldOf] }, valid: { texts: valid.texts, y: [...valid.y] },
  test: { texts: test.texts, y: [...testY] }, referenceRows: reference?.texts.length ?? 0,
}));
const C = labels.length;
for (const [m, spec] of members.entries()) {
  // "fasttext@7": the kind fitted with seeds offset by 7 (another draw of the same kind);
  // "fasttext:charMin=2;charMax=3": with those params (numbers).
  const [head, paramText] = spec.split(':') as [string, string | undefined];
  const [name, offset] = head.split('@') as [string, string | undefined];
  const memberParams = Object.fromEntries((paramText ?? '').split(';').filter((p) => p !== '').map((p) => { const [k, v] = p.split('='); return [k!, Number(v)]; }));
  const options = { seed: seed + Number(offset ?? 0), threads, params: memberParams };
  const t0 = performance.now();
  const oof = new Float32Array(trafficTexts.length * C);
  const fit = (rows: TrainInput, fitSeed: number) => memberKind(name).train(rows, { seed: fitSeed, threads, params: memberParams });
  // As crossFitMembers: each fold scored by a fit on the other folds plus the reference rows.
  const reference = Int32Array.from({ length: input.texts.length - foldOf.length }, (_, i) => foldOf.length + i);
  for (let f = 0; f < folds; f++) {
    const { inFold, outOfFold } = foldRows(foldOf, f);
    const member = await fit(pick(input, concatIds(outOfFold, reference), reference.length), deriveSeed(options.seed, f + 1));
    const p = new Float32Array(inFold.length * C);
    member.predictProba(Array.from(inFold, (i) => input.texts[i]!), p);
    inFold.forEach((r, i) => oof.set(p.subarray(i * C, (i + 1) * C), r * C));
  }
  const all = await fit(input, options.seed);
  const pv = new Float32Array(valid.texts.length * C);
  all.predictProba(valid.texts, pv);
  const pt = new Float32Array(test.texts.length * C);
  const t1 = performance.now();
  all.predictProba(test.texts, pt);
  const rate = test.texts.length / ((performance.now() - t1) / 1000);
  for (const [part, arr] of [['oof', oof], ['valid', pv], ['test', pt]] as const) writeFileSync(join(out, `${spec}.${part}.f32`), new Uint8Array(arr.buffer));
  process.stderr.write(`${spec}#${m}: ${((performance.now() - t0) / 1000).toFixed(0)} s, ${rate.toFixed(0)} texts/s one batch\n`);
}
