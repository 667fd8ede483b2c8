import { createRandom } from '../../core/random.js';
import { normaliseText } from '../../text/normalise.js';
import { seededTextHash } from '../../text/string-hash.js';

/**
 * Cross-fitting folds: every training row gets a fold in [0, folds); the member that scores fold f
 * is fitted on the other folds only, so the stacker learns from scores on rows their model never
 * saw. Rows whose texts normalise alike share a fold (as the train/validation split groups them),
 * so a repeated line cannot be scored by a model trained on its copy. Near-duplicates that differ
 * in counts do land in different folds, as they land on both sides of a real split, and that is
 * what the near-duplicate memory is there to exploit.
 * Groups are dealt round-robin within each class (by the group's first row's label) after a seeded
 * shuffle, so each fold holds about 1/folds of every class; `by: 'text-hash'` orders them by a
 * seeded hash of their text instead (foldsByTextHash), so rows keep their folds as the data grows.
 */
export function assignFolds(texts: readonly string[], y: Int32Array, folds: number, seed: number, by: 'shuffle' | 'text-hash' = 'shuffle'): Int32Array {
  const groupOf = new Map<string, number>();
  const groupRows: number[][] = [];
  for (let i = 0; i < texts.length; i++) {
    const key = normaliseText(texts[i]!);
    let g = groupOf.get(key);
    if (g === undefined) { g = groupRows.length; groupOf.set(key, g); groupRows.push([]); }
    groupRows[g]!.push(i);
  }
  // A Map iterates in insertion order: its keys are the groups' texts in group-id order.
  if (by === 'text-hash') return foldsByTextHash(groupRows, [...groupOf.keys()], y, texts.length, folds, seed);
  const random = createRandom(seed);
  const order = groupRows.map((rows, g) => ({ g, label: y[rows[0]!]!, r: random.next(), start: random.next() }));
  order.sort((a, b) => a.label - b.label || a.r - b.r || a.g - b.g);
  const foldOf = new Int32Array(texts.length);
  // A per-class random start, so small classes do not all begin in fold 0.
  let label = -1;
  let next = 0;
  for (const o of order) {
    if (o.label !== label) { label = o.label; next = Math.floor(o.start * folds); }
    for (const row of groupRows[o.g]!) foldOf[row] = next;
    next = (next + 1) % folds;
  }
  return foldOf;
}

/**
 * Folds that stay put when rows are added: each class's groups in order of their seeded text hash,
 * cut into `folds` consecutive blocks of (nearly) equal size, so each fold still holds about
 * 1/folds of every class, and a group moves only when the class's new groups shift a block edge
 * past it. A class with fewer groups than folds places each group by its own hash.
 */
function foldsByTextHash(groupRows: readonly number[][], groupKeys: readonly string[], y: Int32Array, rows: number, folds: number, seed: number): Int32Array {
  const hash = Float64Array.from(groupKeys, (key) => seededTextHash(key, seed));
  const byClass = new Map<number, number[]>();
  for (let g = 0; g < groupRows.length; g++) {
    const label = y[groupRows[g]![0]!]!;
    let list = byClass.get(label);
    if (!list) { list = []; byClass.set(label, list); }
    list.push(g);
  }
  const foldOf = new Int32Array(rows);
  for (const list of byClass.values()) {
    list.sort((a, b) => hash[a]! - hash[b]! || a - b);
    const m = list.length;
    for (let r = 0; r < m; r++) {
      const g = list[r]!;
      const f = m >= folds ? Math.min(folds - 1, Math.floor(((r + 0.5) * folds) / m)) : Math.floor((hash[g]! / 2 ** 32) * folds);
      for (const row of groupRows[g]!) foldOf[row] = f;
    }
  }
  return foldOf;
}

/** Row indices, ascending, of the rows in fold f (`inFold`) and of the rest (`outOfFold`). */
export function foldRows(foldOf: Int32Array, f: number): { inFold: Int32Array; outOfFold: Int32Array } {
  const inFold: number[] = [];
  const outOfFold: number[] = [];
  for (let i = 0; i < foldOf.length; i++) (foldOf[i] === f ? inFold : outOfFold).push(i);
  return { inFold: Int32Array.from(inFold), outOfFold: Int32Array.from(outOfFold) };
}
