import { InputError, InterruptedError } from '../../core/errors.js';
import { DEFAULT_NGRAMS, NgramHasher, type NgramSettings } from '../../text/ngram-hasher.js';
import type { TrainInput, TrainOptions } from '../classifier.js';
import { fixedChoices, withHeldOutChoices } from '../held-out-choices.js';
import { fitTemperature } from './calibrate.js';
import { buildCsr } from './csr.js';
import { buildVocabulary, LinearFeaturiser, vocabularyColumns } from './featurise.js';
import type { InvertedWeights } from './inverted-weights.js';
import { LinearClassifier } from './model.js';
import { parseLinearParams, type LinearParams } from './params.js';
import { solveAllClasses } from './solve-classes.js';
import type { ClassWeights } from './worker.js';

/**
 * Fits TF-IDF on the training texts, one binary linear model per class (spread over worker
 * threads), prunes and inverts the weights, then fits the softmax temperature on input.valid
 * (its held-out choice; a refit takes it from options.fixed instead).
 */
export async function trainLinear(input: TrainInput, options: TrainOptions): Promise<LinearClassifier> {
  const params = parseLinearParams(options.params);
  const fixed = fixedChoices('linear', options.fixed, ['temperature']);
  checkInput(input);
  const { signal, onProgress } = options;
  const stopIfAborted = (): void => { if (signal?.aborted) throw new InterruptedError('linear model training'); };
  stopIfAborted();
  const settings = ngramSettings(params);
  const classes = input.labels.length;

  onProgress?.({ phase: 'featurise', done: 0, total: 2 });
  const vocabulary = buildVocabulary(input.texts, new NgramHasher(settings), { minDfWord: params.minDfWord, minDfChar: params.minDfChar, signal });
  stopIfAborted();
  onProgress?.({ phase: 'featurise', done: 1, total: 2, info: { columns: vocabularyColumns(vocabulary) } });
  const matrix = buildCsr(input.texts, new LinearFeaturiser(settings, vocabulary), signal);
  stopIfAborted();
  onProgress?.({ phase: 'featurise', done: 2, total: 2, info: { nonZeros: matrix.indptr[matrix.rows]! } });

  const perClass = await solveAllClasses(matrix, input.y, classes, {
    settings: { loss: params.loss, C: params.C, tol: params.tol, maxIter: params.maxIter, classWeights: classWeights(params.classWeight, input.y, classes) },
    pruneBelow: params.pruneBelow, seed: options.seed, threads: options.threads, onProgress, signal,
  });
  const weights = invertClassWeights(perClass, matrix.cols);

  const recorded: Record<string, unknown> = { ...params };
  const uncalibrated = new LinearClassifier({ labels: [...input.labels], settings, vocabulary, weights, params: recorded, temperature: 1 });
  if (fixed) {
    if (!(fixed.temperature > 0)) throw new InputError('bad-fixed-choice', `a linear refit needs a temperature above 0, got ${fixed.temperature}`, { kind: 'linear', choice: 'temperature' });
    return withHeldOutChoices(uncalibrated.withTemperature(fixed.temperature), fixed);
  }
  onProgress?.({ phase: 'calibrate', done: 0, total: 1 });
  const scores = new Float32Array(input.valid.texts.length * classes);
  uncalibrated.decisionScores(input.valid.texts, scores);
  const temperature = fitTemperature(scores, input.valid.y, classes);
  stopIfAborted();
  onProgress?.({ phase: 'calibrate', done: 1, total: 1, info: { temperature: Number(temperature.toPrecision(4)) } });
  return withHeldOutChoices(uncalibrated.withTemperature(temperature), { temperature });
}

export function ngramSettings(p: Pick<LinearParams, 'wordNgrams' | 'charMin' | 'charMax' | 'charBoundary' | 'minWordLength'>): NgramSettings {
  return {
    wordNgrams: p.wordNgrams, charMin: p.charMax > 0 ? p.charMin : 1, charMax: p.charMax, maxTokens: DEFAULT_NGRAMS.maxTokens,
    charBoundary: p.charBoundary, minWordLength: p.minWordLength,
  };
}

/** Turns per-class sparse weights into per-feature (class, weight) lists, classes ascending. */
export function invertClassWeights(perClass: readonly ClassWeights[], columns: number): InvertedWeights {
  const classes = perClass.length;
  const indptr = new Uint32Array(columns + 1);
  for (const r of perClass) for (let k = 0; k < r.cols.length; k++) { const f = r.cols[k]! + 1; indptr[f] = indptr[f]! + 1; }
  for (let f = 0; f < columns; f++) indptr[f + 1] = indptr[f + 1]! + indptr[f]!;
  const total = indptr[columns]!;
  const classIds = classes <= 0x10000 ? new Uint16Array(total) : new Int32Array(total);
  const weights = new Float32Array(total);
  const fill = indptr.slice(0, columns);
  const bias = new Float32Array(classes);
  for (let c = 0; c < classes; c++) {
    const r = perClass[c]!;
    bias[c] = r.bias;
    for (let k = 0; k < r.cols.length; k++) {
      const f = r.cols[k]!;
      const at = fill[f]!;
      fill[f] = at + 1;
      classIds[at] = c;
      weights[at] = r.weights[k]!;
    }
  }
  return { indptr, classIds, weights, bias };
}

/** Per-class C multipliers (undefined when all are 1). */
export function classWeights(rule: LinearParams['classWeight'], y: Int32Array, classes: number): Float64Array | undefined {
  if (rule === 'none') return undefined;
  const counts = new Float64Array(classes);
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++;
  const w = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    const balanced = counts[c]! > 0 ? y.length / (classes * counts[c]!) : 1;
    w[c] = rule === 'sqrt' ? Math.sqrt(balanced) : balanced;
  }
  return w;
}

function checkInput(input: TrainInput): void {
  const classes = input.labels.length;
  if (classes === 0) throw new InputError('no-labels', 'cannot train a linear model without labels', {});
  if (input.texts.length === 0) throw new InputError('no-training-rows', 'cannot train a linear model on zero training rows', {});
  if (input.y.length !== input.texts.length) {
    throw new InputError('length-mismatch', `training texts (${input.texts.length}) and labels (${input.y.length}) differ in length`, { texts: input.texts.length, labels: input.y.length });
  }
  if (input.valid.y.length !== input.valid.texts.length) {
    throw new InputError('length-mismatch', `validation texts (${input.valid.texts.length}) and labels (${input.valid.y.length}) differ in length`, { texts: input.valid.texts.length, labels: input.valid.y.length });
  }
  for (const [name, y] of [['training', input.y], ['validation', input.valid.y]] as const) {
    for (let i = 0; i < y.length; i++) {
      const c = y[i]!;
      if (c < 0 || c >= classes) {
        throw new InputError('bad-class-id', `${name} row ${i} has class id ${c}; expected 0..${classes - 1}`, { split: name, row: i, classId: c });
      }
    }
  }
  for (let i = 0; i < input.texts.length; i++) {
    if (typeof input.texts[i] !== 'string') throw new InputError('bad-text', `training row ${i} has no text`, { row: i });
  }
}
