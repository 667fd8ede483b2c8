/**
 * The HS4 data of the end-to-end lifecycle benchmark, cut from the fixed benchmark split
 * (bench-split.ts) so that no normalised text sits in two parts:
 * - train side: `base` (the champion's data, 40% of the train side's text groups) and `incoming`
 *   (the rest: the labelled file that lands in the pipeline's folder when new data arrives);
 * - held-out side: `golden` (the pinned gate set), `labelled` (traffic replayed before the retrain,
 *   whose delayed labels arrive in bulk and trigger it) and `live` (traffic replayed from then on,
 *   each text's label sent back a few requests later, which the release's statistics read).
 * Neither model ever trains on a `live` or `golden` text.
 */
import { writeFileSync } from 'node:fs';
import { csvField } from '../src/monitoring/log/export-format.js';
import type { DatasetRows } from '../src/core/dataset.js';
import { createRandom, shuffleInPlace } from '../src/core/random.js';
import { splitGroupedStratified } from '../src/data/split.js';
import { indexLabels } from '../src/training/label-index.js';
import { benchSplit } from './bench-split.js';

export interface Line { readonly text: string; readonly label: string }

export interface LifecycleData {
  readonly base: readonly Line[];
  readonly incoming: readonly Line[];
  readonly golden: readonly Line[];
  readonly labelled: readonly Line[];
  readonly live: readonly Line[];
}

const SEED = 20261206;

/** Splits `lines` by text group and class: `share` of each class's groups go to the second part. */
function cut(lines: readonly Line[], share: number, seed: number): [Line[], Line[]] {
  const { y } = indexLabels(lines.map((l) => l.label));
  const { train, valid } = splitGroupedStratified(lines.map((l) => l.text), y, { validFraction: share, seed });
  return [Array.from(train, (i) => lines[i]!), Array.from(valid, (i) => lines[i]!)];
}

/** Traffic in a fixed random order: the file's order groups similar lines together. */
function shuffled(lines: Line[], seed: number): Line[] {
  const order = Array.from(lines, (_, i) => i);
  shuffleInPlace(order, createRandom(seed));
  return order.map((i) => lines[i]!);
}

export function lifecycleData(rows: DatasetRows, labelColumn: string): LifecycleData {
  const { train, test } = benchSplit(rows, labelColumn);
  const lines = (d: DatasetRows): Line[] => d.texts.map((text, i) => ({ text, label: d.labels[labelColumn]![i]! }));
  const [base, incoming] = cut(lines(train), 0.6, SEED);
  const [traffic, golden] = cut(lines(test), 0.15, SEED + 1);
  const [live, labelled] = cut(traffic, 0.3, SEED + 2);
  return { base, incoming, golden, labelled: shuffled(labelled, SEED + 3), live: shuffled(live, SEED + 4) };
}

export function writeLinesCsv(path: string, lines: readonly Line[]): void {
  writeFileSync(path, `text,label\n${lines.map((l) => `${csvField(l.text)},${csvField(l.label)}`).join('\n')}\n`);
}
