/**
 * Maps label strings to dense class ids. Ids follow sorted label order, so the same label set gives
 * the same ids (and the same artifact bytes) whatever the row order.
 */
export interface LabelIndex {
  readonly labels: readonly string[];
  readonly y: Int32Array;
}

export function indexLabels(values: readonly string[]): LabelIndex {
  const labels = [...new Set(values)].sort();
  const id = new Map(labels.map((l, i) => [l, i]));
  const y = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) y[i] = id.get(values[i]!)!;
  return { labels, y };
}

/** Class ids of `values` in an existing label set; -1 for labels the model never saw. */
export function lookupLabels(labels: readonly string[], values: readonly string[]): Int32Array {
  const id = new Map(labels.map((l, i) => [l, i]));
  const y = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) y[i] = id.get(values[i]!) ?? -1;
  return y;
}
