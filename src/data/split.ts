import { InputError } from '../core/errors.js';
import { createRandom } from '../core/random.js';
import { normaliseText } from '../text/normalise.js';
import { seededTextHash } from '../text/string-hash.js';

export interface SplitOptions {
  /** Share of each class's text groups that go to validation, in [0, 1). */
  readonly validFraction: number;
  readonly seed: number;
  /**
   * How each class's validation groups are picked: 'shuffle' (default), a seeded shuffle of the
   * class's groups; 'text-hash', the groups with the lowest seeded hash of their normalised text
   * (text/string-hash.ts). The two differ when rows are added: a shuffle draws from one random
   * stream across every class, so one new row anywhere redraws the whole split, while by text hash
   * an existing group changes side only where the class's count of validation groups moves past it.
   * Training uses 'text-hash', so a retrain on grown data validates and cross-fits (mostly) the same
   * rows as its parent did and versions compare on the same ground; the benchmarks' fixed splits
   * keep 'shuffle'.
   */
  readonly order?: 'shuffle' | 'text-hash';
}

export interface Split {
  /** Row indices, ascending. */
  readonly train: Int32Array;
  /** Row indices, ascending. */
  readonly valid: Int32Array;
}

/**
 * A train/validation split that is grouped and stratified:
 * - grouped: rows whose texts normalise to the same string form one group and land on the same
 *   side, so near-verbatim duplicates cannot leak from train into validation and flatter scores;
 * - stratified: a group counts for its majority label (ties: the smallest class id); each class
 *   with at least 2 groups sends round(validFraction x groups) of them to validation, but at least
 *   1 and at most groups-1, so every such class is seen on both sides. Classes with a single group
 *   stay in train. On data with many tiny classes (hs-goods) the "at least 1" makes the validation
 *   share larger than validFraction; that is the price of every class being measured.
 * - deterministic: the same texts, labels and seed give the same split (seeded mulberry32, or the
 *   seeded text hash: see SplitOptions.order).
 * `y` holds class ids >= 0, one per text.
 */
export function splitGroupedStratified(texts: readonly string[], y: Int32Array, options: SplitOptions): Split {
  const { validFraction, seed } = options;
  const n = texts.length;
  if (y.length !== n) {
    throw new InputError('bad-split-input', `split: ${n} texts but ${y.length} labels`, { texts: n, labels: y.length });
  }
  if (!(validFraction >= 0 && validFraction < 1)) {
    throw new InputError('bad-valid-fraction', `validation fraction must be at least 0 and below 1, got ${validFraction}`, { validFraction });
  }

  // Group rows by normalised text.
  const groupOf = new Int32Array(n);
  const groupIds = new Map<string, number>();
  let numClasses = 0;
  for (let r = 0; r < n; r++) {
    const key = normaliseText(texts[r]!);
    let g = groupIds.get(key);
    if (g === undefined) {
      g = groupIds.size;
      groupIds.set(key, g);
    }
    groupOf[r] = g;
    const label = y[r]!;
    if (label < 0) throw new InputError('bad-split-input', `split: row ${r} has class id ${label}; class ids must be >= 0`, { row: r });
    if (label >= numClasses) numClasses = label + 1;
  }
  const numGroups = groupIds.size;

  // Rows of each group, contiguous (counting sort by group).
  const groupStart = new Int32Array(numGroups + 1);
  for (let r = 0; r < n; r++) groupStart[groupOf[r]! + 1]!++;
  for (let g = 0; g < numGroups; g++) groupStart[g + 1]! += groupStart[g]!;
  const rowsByGroup = new Int32Array(n);
  const fill = groupStart.slice(0, numGroups);
  for (let r = 0; r < n; r++) rowsByGroup[fill[groupOf[r]!]!++] = r;

  // Majority label per group.
  const groupLabel = new Int32Array(numGroups);
  const scratch = new Int32Array(numClasses);
  for (let g = 0; g < numGroups; g++) {
    const from = groupStart[g]!;
    const to = groupStart[g + 1]!;
    if (to - from === 1) {
      groupLabel[g] = y[rowsByGroup[from]!]!;
      continue;
    }
    let best = -1;
    let bestCount = 0;
    for (let k = from; k < to; k++) {
      const c = y[rowsByGroup[k]!]!;
      const count = ++scratch[c]!;
      if (count > bestCount || (count === bestCount && c < best)) { best = c; bestCount = count; }
    }
    for (let k = from; k < to; k++) scratch[y[rowsByGroup[k]!]!] = 0;
    groupLabel[g] = best;
  }

  // Groups of each class, in order of first appearance (counting sort by class).
  const classStart = new Int32Array(numClasses + 1);
  for (let g = 0; g < numGroups; g++) classStart[groupLabel[g]! + 1]!++;
  for (let c = 0; c < numClasses; c++) classStart[c + 1]! += classStart[c]!;
  const groupsByClass = new Int32Array(numGroups);
  const classFill = classStart.slice(0, numClasses);
  for (let g = 0; g < numGroups; g++) groupsByClass[classFill[groupLabel[g]!]!++] = g;

  // Per class, a seeded partial Fisher-Yates picks the validation groups, or the k lowest hashes.
  const random = createRandom(seed);
  // A Map iterates in insertion order, so its keys come in group-id order.
  const hashOf = options.order === 'text-hash' ? Float64Array.from(groupIds.keys(), (key) => seededTextHash(key, seed)) : undefined;
  const inValid = new Uint8Array(numGroups);
  if (validFraction > 0) {
    for (let c = 0; c < numClasses; c++) {
      const from = classStart[c]!;
      const m = classStart[c + 1]! - from;
      if (m < 2) continue;
      const k = Math.min(m - 1, Math.max(1, Math.round(validFraction * m)));
      if (hashOf) {
        const byHash = groupsByClass.subarray(from, from + m).sort((a, b) => hashOf[a]! - hashOf[b]! || a - b);
        for (let i = 0; i < k; i++) inValid[byHash[i]!] = 1;
        continue;
      }
      for (let i = 0; i < k; i++) {
        const j = i + random.int(m - i);
        const picked = groupsByClass[from + j]!;
        groupsByClass[from + j] = groupsByClass[from + i]!;
        groupsByClass[from + i] = picked;
        inValid[picked] = 1;
      }
    }
  }

  let validRows = 0;
  for (let r = 0; r < n; r++) validRows += inValid[groupOf[r]!]!;
  const train = new Int32Array(n - validRows);
  const valid = new Int32Array(validRows);
  let t = 0;
  let v = 0;
  for (let r = 0; r < n; r++) {
    if (inValid[groupOf[r]!]) valid[v++] = r;
    else train[t++] = r;
  }
  return { train, valid };
}
