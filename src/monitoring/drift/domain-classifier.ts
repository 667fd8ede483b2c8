import { createRandom, deriveSeed, shuffleInPlace, type Random } from '../../core/random.js';
import { normaliseText } from '../../text/normalise.js';
import { tokens } from '../../text/tokenise.js';
import { tokenBucket } from '../profile/token-buckets.js';
import { tokenHash } from '../text-stats.js';
import type { DriftDefaults } from './drift-defaults.js';
import { reservoirRows } from './reservoir-sample.js';
import { rocAuc } from './roc-auc.js';

/** Rows of one side: distinct token hashes of each text, and the text when it was logged. */
export interface DomainRows {
  readonly hashes: readonly Uint32Array[];
  readonly texts: readonly (string | null)[];
}

export interface SeparatingToken {
  /** The token as written (normalised), or `#` and the hex hash when no text of either side had it. */
  readonly token: string;
  readonly hash: number;
  /** Classifier weight of the token's feature: > 0 points to the current side. */
  readonly weight: number;
  /** Share of rows holding the token on each side. */
  readonly currentShare: number;
  readonly baselineShare: number;
}

export interface DomainClassifierResult {
  /** ROC AUC on the held-out half. */
  readonly auc: number;
  readonly threshold: number;
  readonly drift: boolean;
  /** What chance reaches: max(95th percentile, mean + sigmas x sd) of shuffled-label AUCs, when the window was small enough to need it. */
  readonly permutationAuc: number | null;
  readonly rows: { readonly baseline: number; readonly current: number };
  readonly currentTokens: readonly SeparatingToken[];
  readonly baselineTokens: readonly SeparatingToken[];
  /** Held-out current texts the classifier found most unlike the baseline. */
  readonly currentExamples: ReadonlyArray<{ readonly text: string; readonly score: number }>;
}

/**
 * The domain classifier: a logistic regression on hashed TF-IDF features of the texts' tokens,
 * trained to tell baseline rows from current ones on half of each and scored by ROC AUC on the
 * other half. An AUC near 0.5 means the sides look alike; what the model leans on names the drift.
 * As Evidently's text drift (a classifier on TF-IDF, drift at AUC > 0.55; on small data, above the
 * 95th percentile of a random classifier's AUC), with that percentile measured here by shuffling
 * the side labels, raised to the false-alarm budget of the other tests, and the 0.55 kept as the
 * floor of the threshold (DRIFT_DEFAULTS.domainSmallWindow says why).
 */
export function runDomainClassifier(baseline: DomainRows, current: DomainRows, d: DriftDefaults, knownTokens?: ReadonlyMap<number, string>): DomainClassifierResult {
  const random = createRandom(d.domainSeed);
  const bIdx = reservoirRows(baseline.hashes.length, d.domainMaxRowsPerSide, domainSampleSeed(d));
  const cIdx = reservoirRows(current.hashes.length, d.domainMaxRowsPerSide, domainSampleSeed(d));
  const nB = bIdx.length;
  const n = nB + cIdx.length;
  const rowHashes: Uint32Array[] = [];
  const rowTexts: (string | null)[] = [];
  for (const i of bIdx) { rowHashes.push(baseline.hashes[i]!); rowTexts.push(baseline.texts[i] ?? null); }
  for (const i of cIdx) { rowHashes.push(current.hashes[i]!); rowTexts.push(current.texts[i] ?? null); }
  const features = featuresOf(rowHashes, d.domainFeatureBits);
  const side = new Uint8Array(n);
  side.fill(1, nB);

  const fit = fitAndScore(features, side, random, d);
  let permutationAuc: number | null = null;
  let threshold = d.domainAucThreshold;
  if (cIdx.length < d.domainSmallWindow) {
    const shuffled = Uint8Array.from(side);
    const aucs: number[] = [];
    for (let r = 0; r < d.domainPermutations; r++) {
      for (let i = n - 1; i > 0; i--) { const j = random.int(i + 1); const t = shuffled[i]!; shuffled[i] = shuffled[j]!; shuffled[j] = t; }
      aucs.push(fitAndScore(features, shuffled, random, d).auc);
    }
    aucs.sort((a, b) => a - b);
    const quantile = aucs[Math.min(aucs.length - 1, Math.ceil(d.domainPermutationQuantile * aucs.length) - 1)]!;
    const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
    const sd = Math.sqrt(aucs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, aucs.length - 1));
    permutationAuc = Math.max(quantile, mean + d.domainPermutationSigmas * sd);
    threshold = Math.max(threshold, permutationAuc);
  }
  const explained = explain(rowHashes, rowTexts, side, fit, d, knownTokens);
  return {
    auc: fit.auc, threshold, drift: fit.auc > threshold, permutationAuc, rows: { baseline: nB, current: cIdx.length }, ...explained,
  };
}

/**
 * The seed of the row sample of each side (DRIFT_DEFAULTS.domainMaxRowsPerSide): a stream of its
 * own, so that sampling draws nothing from the classifier's stream (a side within the cap keeps
 * every row, and the fit draws the numbers it drew before the sample became a reservoir), and the
 * same for both sides and every caller, so a window sampled while it is streamed
 * (drift-accumulator.ts) keeps the rows runDriftReport keeps from the same window in memory.
 */
export function domainSampleSeed(d: Pick<DriftDefaults, 'domainSeed'>): number {
  return deriveSeed(d.domainSeed, 1);
}

/** Distinct feature ids of each row, flattened with offsets. */
interface Features { readonly ids: Uint32Array; readonly offsets: Uint32Array; readonly bits: number }

function featuresOf(rows: readonly Uint32Array[], bits: number): Features {
  const offsets = new Uint32Array(rows.length + 1);
  const ids: number[] = [];
  rows.forEach((h, r) => {
    const start = ids.length;
    for (let k = 0; k < h.length; k++) {
      const f = tokenBucket(h[k]!, bits);
      let dup = false;
      for (let j = start; j < ids.length; j++) if (ids[j] === f) { dup = true; break; }
      if (!dup) ids.push(f);
    }
    offsets[r + 1] = ids.length;
  });
  return { ids: Uint32Array.from(ids), offsets, bits };
}

interface Fit {
  readonly auc: number;
  readonly weights: Float64Array;
  /** Rows of the held-out half and their scores (higher: more like the current side). */
  readonly testRows: Int32Array;
  readonly testScores: Float64Array;
}

/** Splits each side in halves at random, fits on one half, returns the AUC on the other. */
function fitAndScore(f: Features, side: Uint8Array, random: Random, d: DriftDefaults): Fit {
  const n = side.length;
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < n; i++) (side[i] === 1 ? pos : neg).push(i);
  shuffleInPlace(pos, random);
  shuffleInPlace(neg, random);
  const hp = pos.length >> 1;
  const hn = neg.length >> 1;
  const train = Int32Array.from([...pos.slice(0, hp), ...neg.slice(0, hn)]);
  const test = Int32Array.from([...pos.slice(hp), ...neg.slice(hn)]);

  // Smoothed IDF of the training half (sklearn's: ln((1 + n) / (1 + df)) + 1); binary TF, L2-normed rows.
  const dim = 1 << f.bits;
  const df = new Float64Array(dim);
  for (const r of train) for (let k = f.offsets[r]!; k < f.offsets[r + 1]!; k++) df[f.ids[k]!]!++;
  const idf = (id: number): number => Math.log((1 + train.length) / (1 + df[id]!)) + 1;
  const values = new Float64Array(f.ids.length);
  for (let r = 0; r < n; r++) {
    let ss = 0;
    for (let k = f.offsets[r]!; k < f.offsets[r + 1]!; k++) { values[k] = idf(f.ids[k]!); ss += values[k]! ** 2; }
    const norm = ss > 0 ? Math.sqrt(ss) : 1;
    for (let k = f.offsets[r]!; k < f.offsets[r + 1]!; k++) values[k] = values[k]! / norm;
  }

  // Class weights balance the sides (2,000 reference rows against 100 or 5,000 current ones).
  const w = new Float64Array(dim);
  let bias = 0;
  const wPos = train.length / (2 * Math.max(1, hp));
  const wNeg = train.length / (2 * Math.max(1, hn));
  const order = Int32Array.from(train);
  for (let epoch = 0; epoch < d.domainEpochs; epoch++) {
    shuffleInPlace(order, random);
    const lr = d.domainLearningRate / (1 + epoch);
    for (const r of order) {
      let z = bias;
      for (let k = f.offsets[r]!; k < f.offsets[r + 1]!; k++) z += w[f.ids[k]!]! * values[k]!;
      const p = 1 / (1 + Math.exp(-z));
      const y = side[r]!;
      const g = (p - y) * (y === 1 ? wPos : wNeg);
      for (let k = f.offsets[r]!; k < f.offsets[r + 1]!; k++) {
        const id = f.ids[k]!;
        w[id] = w[id]! - lr * (g * values[k]! + d.domainL2 * w[id]!);
      }
      bias -= lr * g;
    }
  }
  const testScores = new Float64Array(test.length);
  const testSide = new Uint8Array(test.length);
  test.forEach((r, i) => {
    let z = bias;
    for (let k = f.offsets[r]!; k < f.offsets[r + 1]!; k++) z += w[f.ids[k]!]! * values[k]!;
    testScores[i] = z;
    testSide[i] = side[r]!;
  });
  return { auc: rocAuc(testScores, testSide), weights: w, testRows: test, testScores };
}

/** The tokens whose features the classifier weighs most towards each side, and the most current-like texts. */
function explain(rowHashes: readonly Uint32Array[], rowTexts: readonly (string | null)[], side: Uint8Array, fit: Fit, d: DriftDefaults,
  knownTokens: ReadonlyMap<number, string> | undefined):
  Pick<DomainClassifierResult, 'currentTokens' | 'baselineTokens' | 'currentExamples'> {
  let nCur = 0;
  for (const s of side) nCur += s;
  const nBase = side.length - nCur;
  const rowsWith = new Map<number, [number, number]>();
  rowHashes.forEach((h, r) => {
    for (const x of h) {
      let e = rowsWith.get(x);
      if (!e) { e = [0, 0]; rowsWith.set(x, e); }
      e[side[r]!]!++;
    }
  });
  const bits = Math.log2(fit.weights.length);
  const candidates = [...rowsWith.entries()]
    .filter(([, [b, c]]) => b + c >= d.explainMinRows)
    .map(([hash, [b, c]]) => ({ hash, weight: fit.weights[tokenBucket(hash, bits)]!, currentShare: nCur > 0 ? c / nCur : 0, baselineShare: nBase > 0 ? b / nBase : 0 }));
  const toCurrent = candidates.filter((t) => t.weight > 0 && t.currentShare > t.baselineShare).sort((a, b) => b.weight - a.weight).slice(0, d.explainTokens);
  const toBaseline = candidates.filter((t) => t.weight < 0 && t.baselineShare > t.currentShare).sort((a, b) => a.weight - b.weight).slice(0, d.explainTokens);
  const names = nameHashes(new Set([...toCurrent, ...toBaseline].map((t) => t.hash)), rowTexts, knownTokens);
  const named = (t: (typeof candidates)[number]): SeparatingToken => ({ token: names.get(t.hash) ?? `#${t.hash.toString(16).padStart(8, '0')}`, ...t });

  const examples: Array<{ text: string; score: number }> = [];
  const seen = new Set<string>();
  const byScore = Int32Array.from(fit.testRows.keys()).sort((a, b) => fit.testScores[b]! - fit.testScores[a]!);
  for (const i of byScore) {
    if (examples.length >= d.explainExamples) break;
    const r = fit.testRows[i]!;
    const text = rowTexts[r];
    if (side[r] !== 1 || text === null || text === undefined || seen.has(text)) continue;
    seen.add(text);
    examples.push({ text, score: 1 / (1 + Math.exp(-fit.testScores[i]!)) });
  }
  return { currentTokens: toCurrent.map(named), baselineTokens: toBaseline.map(named), currentExamples: examples };
}

/** Token strings of the wanted hashes: from the profile's top tokens, else by tokenising the logged texts until all are named. */
function nameHashes(wanted: Set<number>, texts: readonly (string | null)[], known: ReadonlyMap<number, string> | undefined): Map<number, string> {
  const names = new Map<number, string>();
  for (const h of wanted) { const k = known?.get(h); if (k !== undefined) names.set(h, k); }
  for (const t of texts) {
    if (names.size === wanted.size) break;
    if (t === null) continue;
    for (const tok of tokens(normaliseText(t))) {
      const h = tokenHash(tok);
      if (wanted.has(h) && !names.has(h)) names.set(h, tok);
    }
  }
  return names;
}
