import type { InputFeatures } from '../core/artifact-format.js';
import type { FeatureCell } from '../core/dataset.js';
import { textWithFeatures } from '../text/feature-tokens.js';

/** Feature values by column (`VIEW:FEATURE`), one cell per row; a column absent here reads as null. */
export type FeatureColumns = Readonly<Record<string, readonly FeatureCell[]>>;

/**
 * The texts a model with input features reads: each text with its row's feature tokens, in the
 * columns' order as the artifact records them. Training composes its rows with it, and `eval` and
 * `predict` compose a file's rows with it, so a model is measured on exactly what it learnt from.
 */
export function composeModelInputs(texts: readonly string[], inputFeatures: InputFeatures, features: FeatureColumns): string[] {
  const cells = inputFeatures.columns.map((c) => features[c]);
  const row: FeatureCell[] = new Array<FeatureCell>(cells.length).fill(null);
  return texts.map((t, i) => {
    for (let c = 0; c < cells.length; c++) row[c] = cells[c]?.[i] ?? null;
    return textWithFeatures(t, inputFeatures, row);
  });
}

/** Rows with no value in any of the columns: the model answers them from the text alone. */
export function rowsWithoutFeatures(rows: number, columns: readonly string[], features: FeatureColumns): number {
  let none = 0;
  for (let i = 0; i < rows; i++) {
    if (columns.every((c) => (features[c]?.[i] ?? null) === null)) none++;
  }
  return none;
}
