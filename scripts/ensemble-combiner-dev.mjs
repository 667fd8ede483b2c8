// node scripts/ensemble-combiner-dev.mjs LABEL_COLUMN ['{"param":value}']: fits the ensemble's members on the bench split once (cached in /tmp/ens), then the re-ranker, and prints test accuracy/macro-F1.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const D = new URL('../dist', import.meta.url).pathname;
const { readLabelledFile } = await import(`${D}/src/data/read-labelled-file.js`);
const { benchSplit } = await import(`${D}/bench/bench-split.js`);
const { splitGroupedStratified } = await import(`${D}/src/data/split.js`);
const { indexLabels, lookupLabels } = await import(`${D}/src/training/label-index.js`);
const { evaluate } = await import(`${D}/src/training/evaluate.js`);
const { assignFolds } = await import(`${D}/src/models/ensemble/folds.js`);
const { crossFitMembers, fitMember } = await import(`${D}/src/models/ensemble/cross-fit.js`);
const { memberBytes, loadMember } = await import(`${D}/src/models/ensemble/member-bytes.js`);
const { buildMemory, MemorySearch } = await import(`${D}/src/models/ensemble/near-duplicate-memory.js`);
const { parseEnsembleParams } = await import(`${D}/src/models/ensemble/params.js`);
const { rerankExamples } = await import(`${D}/src/models/ensemble/rerank-examples.js`);
const { CandidateFeaturiser, logPriorOf } = await import(`${D}/src/models/ensemble/rerank-features.js`);
const { fitRerank, fitTemperature } = await import(`${D}/src/models/ensemble/rerank-fit.js`);
const { EnsembleClassifier } = await import(`${D}/src/models/ensemble/model.js`);

const [labelColumn = 'label_4', extra = '{}'] = process.argv.slice(2);
const over = JSON.parse(extra);
const params = parseEnsembleParams(over);
const cache = `/tmp/ens/cache-${labelColumn}-k${params.folds}-${params.members.join('+')}`;
mkdirSync(cache, { recursive: true });
const rows = await readLabelledFile(new URL('../../shared/datasets/hs-goods/train.csv', import.meta.url).pathname, { text: 'text', labels: [labelColumn] });
const { train, test } = benchSplit(rows, labelColumn);
const { labels, y: yAll } = indexLabels(train.labels[labelColumn]);
const split = splitGroupedStratified(train.texts, yAll, { validFraction: 0.05, seed: 1 });
const pick = (idx) => Array.from(idx, (i) => train.texts[i]);
const input = { texts: pick(split.train), y: Int32Array.from(split.train, (i) => yAll[i]), labels, valid: { texts: pick(split.valid), y: Int32Array.from(split.valid, (i) => yAll[i]) } };
const C = labels.length;
const testY = lookupLabels(labels, test.labels[labelColumn]);
const options = { seed: 1, threads: 2, params: {} };
const f32 = (p) => { const b = readFileSync(p); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice(); };
const i32 = (p) => { const b = readFileSync(p); return new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice(); };
const foldOf = assignFolds(input.texts, input.y, params.folds, 1);
if (!existsSync(`${cache}/done`)) {
  const t0 = performance.now();
  await crossFitMembers(input, options, params.members, foldOf, params.folds, (f, rowsIn, trainRows, proba) => {
    writeFileSync(`${cache}/fold${f}.rows`, rowsIn); proba.forEach((p, m) => writeFileSync(`${cache}/fold${f}.m${m}`, p));
    console.error('fold', f, ((performance.now() - t0) / 1000).toFixed(0), 's');
  });
  for (const [m, name] of params.members.entries()) {
    const t1 = performance.now();
    const trained = await fitMember(name, input, options, 1, 'full');
    const bytes = memberBytes(trained, labels, { seed: 1, trainRows: input.texts.length, validRows: input.valid.texts.length });
    writeFileSync(`${cache}/member${m}`, bytes);
    const member = loadMember(bytes, name);
    const pv = new Float32Array(input.valid.texts.length * C); member.predictProba(input.valid.texts, pv); writeFileSync(`${cache}/valid.m${m}`, pv);
    const t2 = performance.now();
    const pt = new Float32Array(test.texts.length * C); member.predictProba(test.texts, pt); writeFileSync(`${cache}/test.m${m}`, pt);
    console.error(name, 'full train', ((t2 - t1) / 1000).toFixed(0), 's; predict', Math.round(test.texts.length / ((performance.now() - t2) / 1000)), '/s; test acc', evaluate({ labels, yTrue: testY, proba: pt }).accuracy);
  }
  writeFileSync(`${cache}/done`, 'ok');
}
const M = params.members.length;
const logPrior = logPriorOf(input.y, C);
const featuriser = new CandidateFeaturiser(M, C, params.topK, params.memory ? params.memoryLabels : 0, logPrior);
const settings = { neighbours: params.neighbours, power: params.votePower, postingCap: params.postingCap };
const parts = [];
for (let f = 0; f < params.folds; f++) {
  const rowsIn = i32(`${cache}/fold${f}.rows`);
  const inSet = new Set(rowsIn);
  const trainRows = Int32Array.from(input.texts.keys()).filter((i) => !inSet.has(i));
  const search = params.memory ? new MemorySearch(buildMemory(Array.from(trainRows, (i) => input.texts[i]), Int32Array.from(trainRows, (i) => input.y[i])), C, settings) : undefined;
  const proba = params.members.map((_, m) => f32(`${cache}/fold${f}.m${m}`));
  parts.push(rerankExamples(Array.from(rowsIn, (i) => input.texts[i]), Int32Array.from(rowsIn, (i) => input.y[i]), proba, search, featuriser));
}
const F = parts[0].features;
const concat = () => {
  const texts = parts.reduce((s, p) => s + p.positive.length, 0); const rowsN = parts.reduce((s, p) => s + p.x.length / F, 0);
  const start = new Int32Array(texts + 1); const positive = new Int32Array(texts); const x = new Float64Array(rowsN * F);
  let t = 0, r = 0;
  for (const p of parts) { x.set(p.x, r * F); positive.set(p.positive, t); for (let i = 0; i < p.positive.length; i++) start[t + i + 1] = r + p.start[i + 1]; t += p.positive.length; r += p.x.length / F; }
  return { features: F, start, x, positive };
};
const oof = concat();
const t3 = performance.now();
const fit = fitRerank(oof, params.l2);
console.error('rerank fit', ((performance.now() - t3) / 1000).toFixed(1), 's, iterations', fit.iterations, 'loss', fit.loss.toFixed(4));
const members = params.members.map((name, m) => loadMember(new Uint8Array(readFileSync(`${cache}/member${m}`)), name));
const memory = params.memory ? buildMemory(input.texts, input.y) : undefined;
const validProba = params.members.map((_, m) => f32(`${cache}/valid.m${m}`));
const vsearch = memory ? new MemorySearch(memory, C, settings) : undefined;
const temperature = fitTemperature(rerankExamples(input.valid.texts, input.valid.y, validProba, vsearch, featuriser), fit.weights);
const model = new EnsembleClassifier({ labels, params, members, memberArtifacts: [], memory, logPrior, weights: fit.weights, temperature, fit: {} });
const testProba = params.members.map((_, m) => f32(`${cache}/test.m${m}`));
const out = new Float32Array(test.texts.length * C);
const t4 = performance.now();
model.combine(test.texts, testProba, out);
const combineRate = test.texts.length / ((performance.now() - t4) / 1000);
const rep = evaluate({ labels, yTrue: testY, proba: out, trueLabels: test.labels[labelColumn] });
const avg = new Float32Array(out.length); for (const p of testProba) for (let i = 0; i < p.length; i++) avg[i] += p[i] / M;
const testEx = rerankExamples(test.texts, testY, testProba, memory ? new MemorySearch(memory, C, settings) : undefined, featuriser);
let rec = 0; for (const p of testEx.positive) if (p >= 0) rec++;
console.log(JSON.stringify({ labelColumn, over, test: { accuracy: +rep.accuracy.toFixed(4), macroF1: +rep.macroF1.toFixed(4) }, average: +evaluate({ labels, yTrue: testY, proba: avg }).accuracy.toFixed(4),
  candidateRecall: +(rec / testEx.positive.length).toFixed(4), temperature: +temperature.toFixed(3), combinePerSec: Math.round(combineRate),
  weights: Object.fromEntries((await import(`${D}/src/models/ensemble/rerank-features.js`)).featureNames(params.members).map((n, j) => [n, +fit.weights[j].toFixed(3)])) }));
