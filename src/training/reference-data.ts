import type { DatasetRows } from '../core/dataset.js';
import { InputError } from '../core/errors.js';
import type { Classifier } from '../models/classifier.js';

/**
 * What a reference profile is built from when no training run produced it (a model imported from
 * ONNX, trained elsewhere): the user's labelled rows scored by the model, standing for the
 * validation split, and the model's own vocabulary standing for its training texts. Rows whose
 * label the model does not know are left out and counted (their predictions can never be correct,
 * so they would bias the accuracy calibration), and at least one row must remain.
 */
export interface ReferenceData {
  readonly validation: { readonly texts: readonly string[]; readonly y: Int32Array; readonly proba: Float32Array };
  /** One entry per vocabulary token: the profile's out-of-vocabulary rate is measured against them. */
  readonly trainTexts: readonly string[];
  readonly rows: number;
  readonly unknownLabelRows: number;
  /** Up to five labels of the rows left out, for the message. */
  readonly unknownLabels: readonly string[];
}

/** Scores in chunks so a large file never needs one probability matrix bigger than this many texts. */
const CHUNK = 4096;

export async function referenceDataOf(classifier: Classifier, vocabulary: readonly string[], rows: DatasetRows, labelColumn: string, source: string): Promise<ReferenceData> {
  const column = rows.labels[labelColumn];
  if (!column) {
    throw new InputError('unknown-label-column', `${source} has no label column "${labelColumn}"; it has ${rows.labelColumns.join(', ')}`, { source, column: labelColumn });
  }
  const classOf = new Map(classifier.labels.map((l, i) => [l, i] as const));
  const keep: number[] = [];
  const unknown = new Set<string>();
  for (let i = 0; i < rows.texts.length; i++) {
    if (classOf.has(column[i]!)) keep.push(i);
    else unknown.add(column[i]!);
  }
  if (keep.length === 0) {
    throw new InputError('reference-no-known-labels', `none of the ${rows.texts.length} rows of ${source} has a label the model knows (column "${labelColumn}", e.g. ${[...unknown].slice(0, 3).map((l) => `"${l}"`).join(', ')})`,
      { source, column: labelColumn }, 'Name the column that holds the model\'s labels with --label.');
  }
  const L = classifier.labels.length;
  const texts = keep.map((i) => rows.texts[i]!);
  const y = Int32Array.from(keep, (i) => classOf.get(column[i]!)!);
  const proba = new Float32Array(texts.length * L);
  for (let at = 0; at < texts.length; at += CHUNK) {
    const part = texts.slice(at, at + CHUNK);
    const out = proba.subarray(at * L, (at + part.length) * L);
    if (classifier.predictProbaAsync) await classifier.predictProbaAsync(part, out);
    else classifier.predictProba(part, out);
  }
  return {
    validation: { texts, y, proba }, trainTexts: vocabulary, rows: texts.length,
    unknownLabelRows: rows.texts.length - texts.length, unknownLabels: [...unknown].slice(0, 5),
  };
}
