/** Accuracy of the predicted label's prefix of `level` characters against the true label's. */
export interface LevelAccuracy {
  readonly level: number;
  readonly accuracy: number;
  /**
   * Accuracy when the level's code is the one whose classes' probabilities sum highest (an HS4
   * read off an HS6 model by its whole mass under each heading, not the heading of its single best
   * subheading); absent when the rows' probabilities were not kept for it.
   */
  readonly marginalAccuracy?: number;
}

/** Each class's prefix of `level` characters as a small integer, and how many distinct prefixes. */
export function prefixIds(labels: readonly string[], level: number): { ids: Int32Array; count: number; index: Map<string, number> } {
  const index = new Map<string, number>();
  const ids = new Int32Array(labels.length);
  for (let c = 0; c < labels.length; c++) {
    const p = labels[c]!.slice(0, level);
    let id = index.get(p);
    if (id === undefined) { id = index.size; index.set(p, id); }
    ids[c] = id;
  }
  return { ids, count: index.size, index };
}

/**
 * Per level, the prefix whose classes' probabilities sum highest in each row (ties: the prefix of
 * the lower first class id), accumulated row by row so an evaluation never keeps the rows.
 */
export class MarginalPrefixes {
  private readonly perLevel: Array<{ level: number; ids: Int32Array; sums: Float64Array; chosen: Int32Array; index: Map<string, number> }>;

  constructor(labels: readonly string[], levels: readonly number[], rows: number) {
    this.perLevel = levels.map((level) => {
      const { ids, count, index } = prefixIds(labels, level);
      return { level, ids, sums: new Float64Array(count), chosen: new Int32Array(rows), index };
    });
  }

  get levels(): readonly number[] { return this.perLevel.map((l) => l.level); }

  /** Row `row`'s probabilities at proba[offset .. offset + classes). */
  add(row: number, proba: Float32Array, offset: number): void {
    for (const l of this.perLevel) {
      const { ids, sums } = l;
      sums.fill(0);
      for (let c = 0; c < ids.length; c++) sums[ids[c]!]! += proba[offset + c]!;
      let best = 0;
      for (let g = 1; g < sums.length; g++) if (sums[g]! > sums[best]!) best = g;
      l.chosen[row] = best;
    }
  }

  /** Accuracy of the chosen prefixes at `level` against the true labels (unknown ones by their raw string's prefix); undefined for a level not tracked. */
  accuracy(level: number, yTrue: Int32Array, trueLabelOf: (row: number) => string | undefined, labels: readonly string[]): number | undefined {
    const l = this.perLevel.find((x) => x.level === level);
    if (l === undefined) return undefined;
    let hits = 0;
    for (let i = 0; i < yTrue.length; i++) {
      const t = yTrue[i]!;
      const raw = t >= 0 ? labels[t]! : trueLabelOf(i);
      const trueId = raw === undefined ? -1 : l.index.get(raw.slice(0, level)) ?? -1;
      if (trueId >= 0 && l.chosen[i] === trueId) hits++;
    }
    return yTrue.length > 0 ? hits / yTrue.length : 0;
  }
}

const AUTO_LENGTHS = new Set([4, 6, 8, 10]);

/**
 * Hierarchy levels for code-like labels: when every label is an all-digit string of one length L
 * in {4, 6, 8, 10} (HS4 heading, HS6 subheading, 8/10-digit national codes), the even prefixes
 * 2, 4, ..., L (for HS6: chapter, heading, subheading). Otherwise none.
 */
export function detectLevels(labels: readonly string[]): number[] {
  const first = labels[0];
  if (first === undefined || !AUTO_LENGTHS.has(first.length)) return [];
  for (const l of labels) if (l.length !== first.length || !/^[0-9]+$/.test(l)) return [];
  const levels: number[] = [];
  for (let l = 2; l <= first.length; l += 2) levels.push(l);
  return levels;
}

/**
 * `trueLabelOf(row)` gives the true label string, or undefined when it is unknown (counted wrong).
 * Prefixes are interned per level so the per-row work is an integer compare.
 */
export function hierarchicalAccuracy(
  labels: readonly string[], levels: readonly number[], predicted: Int32Array, yTrue: Int32Array,
  trueLabelOf: (row: number) => string | undefined,
): LevelAccuracy[] {
  const n = predicted.length;
  return levels.map((level) => {
    const { ids: prefixId, index: ids } = prefixIds(labels, level);
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const t = yTrue[i]!;
      let trueId: number;
      if (t >= 0) trueId = prefixId[t]!;
      else {
        const raw = trueLabelOf(i);
        trueId = raw === undefined ? -1 : ids.get(raw.slice(0, level)) ?? -1;
      }
      if (trueId >= 0 && prefixId[predicted[i]!] === trueId) hits++;
    }
    return { level, accuracy: n > 0 ? hits / n : 0 };
  });
}
