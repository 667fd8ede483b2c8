/**
 * Chooses between decide-or-route designs on validation rows only (never the test part):
 *   node dist/bench/decision-design.js ARTIFACT [SPLITS]
 * Splits the artifact's stored validation rows in random halves, fits each design on one half at
 * 0.95/0.98/0.99 and measures it on the other (weighted, as the fit); prints mean coverage,
 * precision and how often the held-out half fell below target - 0.005.
 */
import { decideInto, fitDecisionPolicy, readDecisionEvidence, type DecisionEvidence } from '../src/core/decision-policy.js';
import { createRandom } from '../src/core/random.js';
import { readArtifactFile } from '../src/models/artifact.js';
import { fitStoredThresholds } from '../src/training/stored-thresholds.js';

const [file, splitsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: decision-design.js ARTIFACT [SPLITS]');
const a = readArtifactFile(file);
const e = readDecisionEvidence(a.header, a.sections);
if (!e) throw new Error(`${file} stores no decision evidence`);
const classes = a.header.labels.length;
const splits = Number(splitsArg ?? 20);
const pick = (idx: number[]): DecisionEvidence => ({
  predicted: Int32Array.from(idx, (i) => e.predicted[i]!), confidence: Float32Array.from(idx, (i) => e.confidence[i]!),
  correct: Uint8Array.from(idx, (i) => e.correct[i]!), weight: Float32Array.from(idx, (i) => e.weight[i]!),
});
type Design = (fit: DecisionEvidence, target: number) => Float32Array;
const designs: Record<string, Design> = {
  global: (fit, target) => {
    const t = fitStoredThresholds(fit.confidence, fit.correct, { weights: Float64Array.from(fit.weight), targets: [target] }).points[0]!.threshold;
    return new Float32Array(classes).fill(t ?? Infinity);
  },
  ...Object.fromEntries([0.5, 1, 2, 4, 8, 16].map((ridge) => [`offsets ridge ${ridge}`, (fit: DecisionEvidence, target: number) => fitDecisionPolicy(fit, classes, target, { ridge }).thresholds])),
};
const results: Record<string, { coverage: number; precision: number; below: number }> = {};
for (let s = 0; s < splits; s++) {
  const random = createRandom(1000 + s);
  const a1: number[] = [], b1: number[] = [];
  for (let i = 0; i < e.predicted.length; i++) (random.next() < 0.5 ? a1 : b1).push(i);
  const fit = pick(a1), held = pick(b1);
  const auto = new Uint8Array(held.predicted.length);
  for (const target of [0.95, 0.98, 0.99]) {
    for (const [name, design] of Object.entries(designs)) {
      decideInto(design(fit, target), held.predicted, held.confidence, auto);
      let total = 0, n = 0, right = 0;
      for (let i = 0; i < auto.length; i++) { const w = held.weight[i]!; total += w; if (auto[i]) { n += w; right += w * held.correct[i]!; } }
      const key = `${target} ${name}`;
      const r = (results[key] ??= { coverage: 0, precision: 0, below: 0 });
      const p = n > 0 ? right / n : 1;
      r.coverage += n / total / splits; r.precision += p / splits; if (p < target - 0.005) r.below += 1 / splits;
    }
  }
}
for (const [k, r] of Object.entries(results)) console.log(`${k.padEnd(22)} coverage ${(100 * r.coverage).toFixed(1)}%  precision ${(100 * r.precision).toFixed(2)}%  below target-0.5pt in ${(100 * r.below).toFixed(0)}% of splits`);
