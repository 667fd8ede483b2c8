/** Accuracy of the predicted label's prefix of `level` characters against the true label's. */
export interface LevelAccuracy {
  readonly level: number;
  readonly accuracy: number;
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
    const ids = new Map<string, number>();
    const prefixId = new Int32Array(labels.length);
    for (let c = 0; c < labels.length; c++) {
      const p = labels[c]!.slice(0, level);
      let id = ids.get(p);
      if (id === undefined) { id = ids.size; ids.set(p, id); }
      prefixId[c] = id;
    }
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
