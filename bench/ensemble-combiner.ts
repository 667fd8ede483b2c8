/**
 * Tries the ensemble's re-ranker on a dump of bench/ensemble-dump.js without refitting members:
 *   node dist/bench/ensemble-combiner.js DUMP_DIR [key=value ...]
 * keys: members (comma list of the dumped ones, e.g. linear,fasttext,fasttext@1), topK, memoryLabels,
 * l2, cross (feature-name substrings, comma-separated: the pairwise products and squares of those
 * features are appended, a quick test of a non-linear re-ranker), test (true: also score the test
 * part; default false).
 * Prints one JSON line: the re-ranker's accuracy on the training traffic cross-validated over the
 * dump's folds (fit on two folds' out-of-fold examples, score the third), its accuracy on the
 * validation part, and with test=true accuracy and macro-F1 on the bench test part and the
 * combiner's texts/s on one thread (members' probabilities given).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnsembleClassifier } from '../src/models/ensemble/model.js';
import { buildMemory, MemorySearch } from '../src/models/ensemble/near-duplicate-memory.js';
import { parseEnsembleParams } from '../src/models/ensemble/params.js';
import { rerankExamples } from '../src/models/ensemble/rerank-examples.js';
import { CandidateFeaturiser, featureNames, logPriorOf } from '../src/models/ensemble/rerank-features.js';
import { fitRerank, fitTemperature, type RerankExamples } from '../src/models/ensemble/rerank-fit.js';
import { evaluate } from '../src/training/evaluate.js';

const [dir, ...kv] = process.argv.slice(2);
if (!dir) throw new Error('usage: ensemble-combiner.js DUMP_DIR [key=value ...]');
const opt = Object.fromEntries(kv.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
interface Part { texts: string[]; y: number[] }
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { labels: string[]; folds: number; train: Part & { foldOf: number[] }; valid: Part; test: Part };
const members = (opt['members'] ?? 'linear,fasttext').split(',');
const params = parseEnsembleParams({ members: members.map((m) => m.split(/[:@]/)[0]!).join(','), ...(opt['topK'] ? { topK: Number(opt['topK']) } : {}), ...(opt['memoryLabels'] ? { memoryLabels: Number(opt['memoryLabels']) } : {}), ...(opt['l2'] ? { l2: Number(opt['l2']) } : {}) });
const C = meta.labels.length;
const load = (m: string, part: string) => new Float32Array(readFileSync(join(dir, `${m}.${part}.f32`)).buffer.slice(0));
const y = Int32Array.from(meta.train.y);
const logPrior = logPriorOf(y, C);
const featuriser = new CandidateFeaturiser(members.length, C, params.topK, params.memoryLabels, logPrior);
const settings = { neighbours: params.neighbours, power: params.votePower, postingCap: params.postingCap };
const oof = members.map((m) => load(m, 'oof'));
const t0 = performance.now();
const foldExamples: RerankExamples[] = [];
for (let f = 0; f < meta.folds; f++) {
  const inFold = meta.train.foldOf.flatMap((g, i) => (g === f ? [i] : []));
  const outFold = meta.train.foldOf.flatMap((g, i) => (g !== f ? [i] : []));
  const search = new MemorySearch(buildMemory(outFold.map((i) => meta.train.texts[i]!), Int32Array.from(outFold, (i) => y[i]!)), C, settings);
  const proba = oof.map((p) => { const q = new Float32Array(inFold.length * C); inFold.forEach((r, i) => q.set(p.subarray(r * C, (r + 1) * C), i * C)); return q; });
  foldExamples.push(rerankExamples(inFold.map((i) => meta.train.texts[i]!), Int32Array.from(inFold, (i) => y[i]!), proba, search, featuriser));
}
const exampleSeconds = (performance.now() - t0) / 1000;
/** Prototype: pairwise products (and squares) of a few columns appended to every candidate row. */
const names = featureNames(members);
const crossCols = opt['cross'] ? opt['cross'].split(',').flatMap((pat) => names.flatMap((nm, j) => (nm.includes(pat) && !nm.includes('X') ? [j] : []))) : [];
const cross = (ex: RerankExamples): RerankExamples => {
  if (crossCols.length === 0) return ex;
  const F = ex.features; const k = crossCols.length; const G = F + (k * (k + 1)) / 2;
  const rows = ex.x.length / F; const x = new Float64Array(rows * G);
  for (let r = 0; r < rows; r++) {
    x.set(ex.x.subarray(r * F, (r + 1) * F), r * G);
    let at = r * G + F;
    for (let a = 0; a < k; a++) for (let b = a; b < k; b++) x[at++] = ex.x[r * F + crossCols[a]!]! * ex.x[r * F + crossCols[b]!]!;
  }
  return { ...ex, features: G, x };
};
for (let f = 0; f < foldExamples.length; f++) foldExamples[f] = cross(foldExamples[f]!);
const concat = (parts: RerankExamples[]): RerankExamples => {
  const F = parts[0]!.features;
  const n = parts.reduce((s, p) => s + p.positive.length, 0);
  const rows = parts.reduce((s, p) => s + p.x.length / F, 0);
  const start = new Int32Array(n + 1); const positive = new Int32Array(n); const x = new Float64Array(rows * F);
  let t = 0; let r = 0;
  for (const p of parts) {
    x.set(p.x, r * F); positive.set(p.positive, t);
    for (let i = 0; i < p.positive.length; i++) start[t + i + 1] = r + p.start[i + 1]!;
    t += p.positive.length; r += p.x.length / F;
  }
  return { features: F, start, x, positive };
};
const hits = (ex: RerankExamples, w: Float64Array): number => {
  const F = ex.features; let n = 0;
  for (let i = 0; i < ex.positive.length; i++) {
    let best = -1; let bestScore = -Infinity;
    for (let r = ex.start[i]!; r < ex.start[i + 1]!; r++) {
      let v = 0; for (let j = 0; j < F; j++) v += w[j]! * ex.x[r * F + j]!;
      if (v > bestScore) { bestScore = v; best = r - ex.start[i]!; }
    }
    if (best >= 0 && best === ex.positive[i]) n++;
  }
  return n;
};
let cvHits = 0;
let cvTexts = 0;
for (let f = 0; f < meta.folds; f++) {
  const rest = concat(foldExamples.filter((_, g) => g !== f));
  const fit = fitRerank(rest, params.l2);
  cvHits += hits(foldExamples[f]!, fit.weights);
  cvTexts += foldExamples[f]!.positive.length;
}
const all = concat(foldExamples);
const fit = fitRerank(all, params.l2);
const memory = buildMemory(meta.train.texts, y);
const search = new MemorySearch(memory, C, settings);
const validY = Int32Array.from(meta.valid.y);
const validExamples = cross(rerankExamples(meta.valid.texts, validY, members.map((m) => load(m, 'valid')), search, featuriser));
const temperature = fitTemperature(validExamples, fit.weights);
const result: Record<string, unknown> = {
  members: members.join(','), topK: params.topK, memoryLabels: params.memoryLabels, l2: params.l2,
  features: all.features, crossed: crossCols.map((j) => names[j]).join(' '), iterations: fit.iterations, oofRecall: round(all.positive.filter((p) => p >= 0).length / all.positive.length),
  cvAccuracy: round(cvHits / cvTexts), fitAccuracy: round(hits(all, fit.weights) / all.positive.length), validAccuracy: round(hits(validExamples, fit.weights) / validY.length),
  temperature: round(temperature), exampleSeconds: Math.round(exampleSeconds),
};
// Each member's own top 1 on the same out-of-fold texts, and how often at least one of them is right
// (what any choice among the members' first answers can reach).
const top1 = (p: Float32Array, i: number): number => { let b = 0; for (let c = 1; c < C; c++) if (p[i * C + c]! > p[i * C + b]!) b = c; return b; };
let anyRight = 0;
const memberRight = members.map(() => 0);
for (let i = 0; i < y.length; i++) {
  let any = false;
  oof.forEach((p, m) => { if (top1(p, i) === y[i]) { memberRight[m]!++; any = true; } });
  if (any) anyRight++;
}
result['oofMemberAccuracy'] = Object.fromEntries(members.map((m, k) => [m, round(memberRight[k]! / y.length)]));
result['oofAnyMemberTop1'] = round(anyRight / y.length);
if (opt['test'] === 'true') {
  if (crossCols.length > 0) throw new Error('test=true scores the served re-ranker, which has no crossed features');
  const classifier = new EnsembleClassifier({
    labels: meta.labels, params, members: members.map(() => ({}) as never), memberArtifacts: [], memory, logPrior, weights: fit.weights, temperature, fit: {},
  });
  const proba = members.map((m) => load(m, 'test'));
  const out = new Float32Array(meta.test.texts.length * C);
  const t1 = performance.now();
  for (let i = 0; i < meta.test.texts.length; i += 256) {
    const n = Math.min(256, meta.test.texts.length - i);
    classifier.combine(meta.test.texts.slice(i, i + n), proba.map((p) => p.subarray(i * C, (i + n) * C)), out.subarray(i * C, (i + n) * C));
  }
  const combineSeconds = (performance.now() - t1) / 1000;
  const report = evaluate({ labels: meta.labels, yTrue: Int32Array.from(meta.test.y), proba: out });
  Object.assign(result, { testAccuracy: round(report.accuracy), testMacroF1: round(report.macroF1), combinePerSec: Math.round(meta.test.texts.length / combineSeconds) });
}
process.stdout.write(`${JSON.stringify(result)}\n`);
function round(v: number): number { return Math.round(v * 1e4) / 1e4; }
