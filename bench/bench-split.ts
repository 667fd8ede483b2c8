import type { DatasetRows } from '../src/core/dataset.js';
import { splitGroupedStratified } from '../src/data/split.js';
import { indexLabels } from '../src/training/label-index.js';

/** The fixed grouped, stratified 80/20 split every benchmark uses (seed 20261123). */
export function benchSplit(rows: DatasetRows, labelColumn: string): { train: DatasetRows; test: DatasetRows } {
  const { y } = indexLabels(rows.labels[labelColumn]!);
  const { train, valid } = splitGroupedStratified(rows.texts, y, { validFraction: 0.2, seed: 20261123 });
  const take = (idx: Int32Array): DatasetRows => ({
    textColumn: rows.textColumn,
    labelColumns: [labelColumn],
    texts: Array.from(idx, (i) => rows.texts[i]!),
    labels: { [labelColumn]: Array.from(idx, (i) => rows.labels[labelColumn]![i]!) },
  });
  return { train: take(train), test: take(valid) };
}
