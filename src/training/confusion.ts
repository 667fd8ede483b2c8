/** Precision, recall and F1 of one class (one-vs-rest). */
export interface ClassMetrics {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Rows whose true label is this class. */
  readonly support: number;
  /** Rows predicted as this class. */
  readonly predicted: number;
}

export interface Confusion {
  readonly trueLabel: string;
  readonly predictedLabel: string;
  readonly count: number;
}

export interface ClassTable {
  /** Every class present in the truth or in the predictions (scikit-learn's label union). */
  readonly perClass: readonly ClassMetrics[];
  readonly macroF1: number;
  readonly weightedF1: number;
  readonly topConfusions: readonly Confusion[];
}

/**
 * Per-class figures and the most frequent (true, predicted) mistakes.
 *
 * `trueClass[i]` indexes `classNames`, whose first `modelClasses` entries are the model's labels and
 * the rest true labels the model never saw (they can never be predicted, so their recall is 0).
 * A class never predicted has precision 0 (scikit-learn's zero_division=0). Macro-F1 averages over
 * the classes present in the truth or the predictions, as scikit-learn does with the label union;
 * classes the model knows but that appear in neither are left out.
 */
export function classTable(classNames: readonly string[], modelClasses: number, trueClass: Int32Array, predicted: Int32Array, topN = 20): ClassTable {
  const k = classNames.length;
  const tp = new Float64Array(k);
  const support = new Float64Array(k);
  const predCount = new Float64Array(k);
  const pairs = new Map<number, number>();
  const n = trueClass.length;
  for (let i = 0; i < n; i++) {
    const t = trueClass[i]!;
    const p = predicted[i]!;
    support[t]!++;
    predCount[p]!++;
    if (t === p) tp[t]!++;
    else {
      const key = t * modelClasses + p;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
  }
  const perClass: ClassMetrics[] = [];
  let f1Sum = 0;
  let weighted = 0;
  let supportSum = 0;
  for (let c = 0; c < k; c++) {
    const s = support[c]!;
    const q = predCount[c]!;
    if (s === 0 && q === 0) continue;
    const precision = q > 0 ? tp[c]! / q : 0;
    const recall = s > 0 ? tp[c]! / s : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ label: classNames[c]!, precision, recall, f1, support: s, predicted: q });
    f1Sum += f1;
    weighted += f1 * s;
    supportSum += s;
  }
  const top = [...pairs.entries()]
    .map(([key, count]) => ({ t: Math.floor(key / modelClasses), p: key % modelClasses, count }))
    .sort((a, b) => b.count - a.count || a.t - b.t || a.p - b.p)
    .slice(0, topN)
    .map(({ t, p, count }) => ({ trueLabel: classNames[t]!, predictedLabel: classNames[p]!, count }));
  return {
    perClass,
    macroF1: perClass.length > 0 ? f1Sum / perClass.length : 0,
    weightedF1: supportSum > 0 ? weighted / supportSum : 0,
    topConfusions: top,
  };
}
