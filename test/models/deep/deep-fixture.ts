import { generateInvoiceLines } from '../../../src/demo/invoice-lines.js';
import type { TrainInput } from '../../../src/models/classifier.js';

/** A tiny invoice-line task (8 classes) split 300 / 100: learnable in a few small epochs. */
export function tinyTask(seed = 7): TrainInput & { test: { texts: string[]; y: Int32Array } } {
  const lines = generateInvoiceLines({ rows: 500, seed, classes: 8, labelNoise: 0 });
  const labels = [...new Set(lines.map((l) => l.label))].sort();
  const ids = lines.map((l) => labels.indexOf(l.label));
  const texts = lines.map((l) => l.text);
  return {
    texts: texts.slice(0, 300), y: Int32Array.from(ids.slice(0, 300)), labels,
    valid: { texts: texts.slice(300, 400), y: Int32Array.from(ids.slice(300, 400)) },
    test: { texts: texts.slice(400), y: Int32Array.from(ids.slice(400)) },
  };
}

export function accuracyOf(proba: Float32Array, y: Int32Array, classes: number): number {
  let right = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (proba[i * classes + c]! > proba[i * classes + best]!) best = c;
    if (best === y[i]) right++;
  }
  return right / y.length;
}

/**
 * Words the tiny task never saw (misspellings, junk, a long line): they reach a model only through
 * its subword pieces or as <unk>, which both engines (onnxruntime and TypeScript) must treat alike.
 */
export const UNSEEN_TEXTS = ['BOTTLEZ OF WINEX 12 PCZ', 'zzqq', 'PLASTICKY CHAIRZ', 'x', 'COTTONS TSHIRTZ MENSWEAR 100 CTNS X 24'];
