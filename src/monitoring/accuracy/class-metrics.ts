/**
 * Accuracy, macro-F1 and per-class precision / recall from (true label, predicted label) pairs.
 * Labels are strings because feedback may bring a class the model never had (a new HS code): it
 * counts as a class with support and zero recall, which is what happened.
 */
export interface ClassFigures {
  readonly label: string;
  /** Labelled items whose true label is this class. */
  readonly support: number;
  /** Items predicted as this class. */
  readonly predicted: number;
  readonly truePositives: number;
  /** truePositives / support; null when the class has no labelled item. */
  readonly recall: number | null;
  /** truePositives / predicted; null when the model never predicted it. */
  readonly precision: number | null;
  /** Harmonic mean of the two; 0 when either is 0 or undefined (the class was missed or never right). */
  readonly f1: number;
}

export interface ClassMetrics {
  readonly labelled: number;
  readonly correct: number;
  /** null when nothing is labelled. */
  readonly accuracy: number | null;
  /**
   * Mean F1 over the classes present as a true or a predicted label (scikit-learn's default
   * label set), so a class predicted but never true counts with F1 0: wrong answers cost.
   */
  readonly macroF1: number | null;
  /** Sorted by label. */
  readonly perClass: readonly ClassFigures[];
}

export function classMetrics(truth: readonly string[], predicted: readonly string[]): ClassMetrics {
  if (truth.length !== predicted.length) throw new RangeError(`classMetrics: ${truth.length} true labels but ${predicted.length} predictions`);
  const index = new Map<string, number>();
  const idOf = (label: string): number => {
    let id = index.get(label);
    if (id === undefined) { id = index.size; index.set(label, id); }
    return id;
  };
  const t = new Int32Array(truth.length), p = new Int32Array(truth.length);
  for (let i = 0; i < truth.length; i++) { t[i] = idOf(truth[i]!); p[i] = idOf(predicted[i]!); }
  const k = index.size;
  const support = new Float64Array(k), predictedCount = new Float64Array(k), tp = new Float64Array(k);
  let correct = 0;
  for (let i = 0; i < t.length; i++) {
    const a = t[i]!, b = p[i]!;
    support[a]!++;
    predictedCount[b]!++;
    if (a === b) { tp[a]!++; correct++; }
  }
  const perClass: ClassFigures[] = [];
  let f1Sum = 0;
  for (const [label, id] of index) {
    const s = support[id]!, q = predictedCount[id]!, hit = tp[id]!;
    const recall = s > 0 ? hit / s : null;
    const precision = q > 0 ? hit / q : null;
    const f1 = recall !== null && precision !== null && recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : 0;
    f1Sum += f1;
    perClass.push({ label, support: s, predicted: q, truePositives: hit, recall, precision, f1 });
  }
  perClass.sort((x, y) => (x.label < y.label ? -1 : x.label > y.label ? 1 : 0));
  const n = truth.length;
  return { labelled: n, correct, accuracy: n > 0 ? correct / n : null, macroF1: k > 0 ? f1Sum / k : null, perClass };
}
