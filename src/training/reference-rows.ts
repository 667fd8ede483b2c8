import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { readLabelledFile } from '../data/read-labelled-file.js';

/**
 * Rows that describe classes rather than being examples of traffic: a nomenclature's official
 * descriptions ("Horses; live, pure-bred breeding animals" for 010121), a catalogue's category
 * blurbs. They join the training side of every fit (the validated fit, the refit, each decision
 * fold) and never the validation side, the decision evidence or any reported figure: they are not
 * drawn from production, so measuring on them would say nothing about it. They give a rare class
 * words to learn from, and a class with no example at all a way to be answered.
 *
 * On the benchmark's HS4 split (linear, seed 1, a loaded machine, one run each), hs6.csv's
 * descriptions as rows took accuracy / macro-F1 from 0.7808 / 0.548 to 0.7835 / 0.570 with the
 * known classes' 4,408 rows, and to 0.7832 / 0.567 with all 5,612 (about 414 more classes, twice the
 * training time): hence 'known' by default.
 */
export interface ReferenceRows {
  readonly texts: readonly string[];
  /** Each row's label in the training's label column (an HS6 file gives label_4 for HS4). */
  readonly labels: readonly string[];
  /** Where they came from (a file name) and its sha256, recorded in the artifact. */
  readonly source: string;
  readonly sha256: string;
  /**
   * 'all': every class the rows name becomes a class of the model (a code never seen in the data
   * can be answered; the model grows by those classes). 'known': only rows of classes the data has.
   */
  readonly classes: 'all' | 'known';
}

export const REFERENCE_CLASSES = ['all', 'known'] as const;

/** The rows to use for a run whose examples carry `known` labels; refuses an empty selection naming the source. */
export function selectReferenceRows(ref: ReferenceRows, known: ReadonlySet<string>): { texts: string[]; labels: string[] } {
  // A file in another code system (HS6 codes for an HS4 model: the wrong label column) would add
  // thousands of classes no example has: refuse it rather than train a model on it.
  if (!ref.labels.some((l) => known.has(l))) {
    throw new InputError('reference-rows-share-no-class', `${ref.source}: none of its labels is a class of the training data (e.g. "${ref.labels[0] ?? ''}"): is it the right label column?`,
      { file: ref.source }, 'Name the file\'s column with the training\'s codes (`--nomenclature-label`, or `label:` in a pipeline\'s data.nomenclature).');
  }
  const texts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < ref.texts.length; i++) {
    const label = ref.labels[i]!;
    const text = ref.texts[i]!;
    if (label === '' || text.trim() === '') continue;
    if (ref.classes === 'known' && !known.has(label)) continue;
    texts.push(text);
    labels.push(label);
  }
  if (texts.length === 0) {
    throw new InputError('empty-reference-rows', `${ref.source}: no usable row${ref.classes === 'known' ? ' of a class the training data has' : ''} (each needs a text and a label)`,
      { file: ref.source }, 'Check that the file\'s label column uses the same codes as the training data.');
  }
  return { texts, labels };
}

/** Which reference file to read and how (`train --nomenclature`, a pipeline's `data.nomenclature`). */
export interface ReferenceFile {
  readonly file: string;
  /** Its text column (hs6.csv: text, or text_with_parents). */
  readonly text: string;
  /** Its label column; undefined: the training's own label column name. */
  readonly label?: string | undefined;
  readonly classes: 'all' | 'known';
}

/** A reference file's rows in the training's label column; errors name the file, row and column. */
export async function readReferenceRows(ref: ReferenceFile, labelColumn: string): Promise<ReferenceRows> {
  const column = ref.label ?? labelColumn;
  const rows = await readLabelledFile(ref.file, { text: ref.text, labels: [column] });
  return { texts: rows.texts, labels: rows.labels[column]!, source: basename(ref.file), sha256: sha256Hex(readFileSync(ref.file)), classes: ref.classes };
}
