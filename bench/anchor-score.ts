import type { DatasetRows } from '../src/core/dataset.js';
import { evaluate } from '../src/training/evaluate.js';
import { indexLabels, lookupLabels } from '../src/training/label-index.js';

/**
 * Accuracy and macro-F1 of an anchor's predicted labels (one per test text), scored by lading's own
 * evaluation so the anchors and lading's kinds are measured the same way. A predicted label the
 * training side never had counts as wrong.
 */
export function scorePredictedLabels(train: DatasetRows, test: DatasetRows, labelColumn: string, predicted: readonly string[]): { accuracy: number; macroF1: number } {
  const { labels } = indexLabels(train.labels[labelColumn]!);
  const yPred = lookupLabels(labels, predicted);
  const proba = new Float32Array(test.texts.length * labels.length);
  for (let i = 0; i < yPred.length; i++) if (yPred[i]! >= 0) proba[i * labels.length + yPred[i]!] = 1;
  const trueLabels = test.labels[labelColumn]!;
  const report = evaluate({ labels, yTrue: lookupLabels(labels, trueLabels), proba, trueLabels });
  return { accuracy: report.accuracy, macroF1: report.macroF1 };
}
