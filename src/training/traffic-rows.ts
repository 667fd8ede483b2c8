import type { DatasetRows } from '../core/dataset.js';
import type { ScoredRows } from './decision-evidence.js';

/**
 * Which rows may stand for traffic in the decide-or-route evidence and the stored global
 * thresholds (confidence-step.ts). A reviewed row (a dataset's
 * `reviewRows`: a label a person gave because a model routed the text to review) was picked for
 * being hard: a model that has learnt from it is still less sure, and more often wrong, on such
 * texts than on traffic at the same score. Counted as evidence, they make every later version's
 * thresholds stricter than its traffic needs (in the review-cycles benchmark, coverage at 0.98 fell
 * from 17% to 15% after the first cycle of answers with them in). They still teach every fit; they
 * only leave the evidence, which keeps the rows drawn as traffic is (the base data, other feedback).
 */

/**
 * Under this many traffic rows, the evidence keeps the reviewed rows too: too few rows give no
 * class a trustworthy threshold, and a dataset that is nearly all review answers has no better sample.
 */
export const MIN_TRAFFIC_EVIDENCE = 500;

/** 1 for each reviewed row of `rows`; undefined when there are none, or when leaving them out would leave fewer than MIN_TRAFFIC_EVIDENCE rows. */
export function reviewedRowMask(rows: DatasetRows): Uint8Array | undefined {
  const reviewed = rows.reviewRows ?? [];
  if (reviewed.length === 0 || rows.texts.length - reviewed.length < MIN_TRAFFIC_EVIDENCE) return undefined;
  const mask = new Uint8Array(rows.texts.length);
  for (const r of reviewed) mask[r] = 1;
  return mask;
}

/** The indices of `idx` that are not reviewed. */
export function trafficIndices(idx: Int32Array, reviewed: Uint8Array | undefined): Int32Array {
  return reviewed ? idx.filter((i) => reviewed[i] === 0) : idx;
}

/** The scored rows (row k is dataset row idx[k]) without the reviewed ones. */
export function trafficScored(scored: ScoredRows, idx: Int32Array, classes: number, reviewed: Uint8Array | undefined): ScoredRows {
  if (!reviewed) return scored;
  let n = 0;
  for (const i of idx) if (reviewed[i] === 0) n++;
  const proba = new Float32Array(n * classes);
  const y = new Int32Array(n);
  const weights = scored.weights && new Float64Array(n);
  let at = 0;
  for (let k = 0; k < idx.length; k++) {
    if (reviewed[idx[k]!] !== 0) continue;
    proba.set(scored.proba.subarray(k * classes, (k + 1) * classes), at * classes);
    y[at] = scored.y[k]!;
    if (weights) weights[at] = scored.weights![k]!;
    at++;
  }
  return { proba, y, weights };
}
