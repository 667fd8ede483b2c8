import { InputError } from '../../core/errors.js';
import { badParam, numberParam as checkedNumber } from '../number-param.js';

/** Hyper-parameters of the linear kind, after validation. */
export interface LinearParams {
  /** 'svm': L2-regularised squared hinge (LinearSVC); 'logistic': L2-regularised logistic regression. */
  readonly loss: 'svm' | 'logistic';
  /** Inverse regularisation strength. */
  readonly C: number;
  /** Re-weights C per class: 'balanced' = n / (classes × n_c) as scikit-learn; 'sqrt' = its square root (milder). */
  readonly classWeight: 'none' | 'balanced' | 'sqrt';
  /** Stopping tolerance of dual coordinate descent (projected-gradient spread / max gradient). */
  readonly tol: number;
  /** Upper bound on passes over the data per class. */
  readonly maxIter: number;
  /** Weights with |w| below this are dropped from the stored model (size and speed vs accuracy). */
  readonly pruneBelow: number;
  readonly minDfWord: number;
  readonly minDfChar: number;
  readonly wordNgrams: number;
  readonly charMin: number;
  readonly charMax: number;
  /** Char n-grams padded per alphanumeric token ('token') or per whitespace-separated chunk ('whitespace', as scikit-learn's char_wb). */
  readonly charBoundary: 'token' | 'whitespace';
  /** Tokens shorter than this give no word n-grams (scikit-learn's default token pattern: 2). */
  readonly minWordLength: number;
}

export const LINEAR_DEFAULTS = {
  loss: 'svm',
  C: 0.5,
  classWeight: 'none',
  tol: 0.1,
  maxIter: 1000,
  pruneBelow: 0.03,
  minDfWord: 1,
  minDfChar: 2,
  wordNgrams: 2,
  charMin: 2,
  charMax: 5,
  charBoundary: 'token',
  minWordLength: 1,
} as const satisfies Readonly<Record<string, number | string | boolean>>;

const bad = (param: string, value: unknown, expected: string) => badParam('linear model', param, value, expected);
const numberParam = (raw: Readonly<Record<string, unknown>>, key: keyof typeof LINEAR_DEFAULTS, min: number, max: number, integer: boolean) =>
  checkedNumber('linear model', LINEAR_DEFAULTS, raw, key, min, max, integer);

/** Validates raw parameters (defaults fill the gaps; unknown keys are refused so typos do not pass silently). */
export function parseLinearParams(raw: Readonly<Record<string, unknown>>): LinearParams {
  for (const key of Object.keys(raw)) {
    if (!(key in LINEAR_DEFAULTS)) {
      throw new InputError('unknown-param', `unknown linear model parameter "${key}"; known: ${Object.keys(LINEAR_DEFAULTS).join(', ')}`, { param: key });
    }
  }
  const loss = raw['loss'] ?? LINEAR_DEFAULTS.loss;
  if (loss !== 'svm' && loss !== 'logistic') throw bad('loss', loss, '"svm" or "logistic"');
  const classWeight = raw['classWeight'] ?? LINEAR_DEFAULTS.classWeight;
  if (classWeight !== 'none' && classWeight !== 'balanced' && classWeight !== 'sqrt') throw bad('classWeight', classWeight, '"none", "balanced" or "sqrt"');
  const charBoundary = raw['charBoundary'] ?? LINEAR_DEFAULTS.charBoundary;
  if (charBoundary !== 'token' && charBoundary !== 'whitespace') throw bad('charBoundary', charBoundary, '"token" or "whitespace"');
  const charMax = numberParam(raw, 'charMax', 0, 16, true);
  const charMin = numberParam(raw, 'charMin', 1, 16, true);
  if (charMax > 0 && charMin > charMax) throw bad('charMin', charMin, `at most charMax (${charMax})`);
  return {
    loss,
    classWeight,
    C: numberParam(raw, 'C', 1e-6, 1e6, false),
    tol: numberParam(raw, 'tol', 1e-8, 10, false),
    maxIter: numberParam(raw, 'maxIter', 1, 1e6, true),
    pruneBelow: numberParam(raw, 'pruneBelow', 0, 10, false),
    minDfWord: numberParam(raw, 'minDfWord', 1, 1e9, true),
    minDfChar: numberParam(raw, 'minDfChar', 1, 1e9, true),
    wordNgrams: numberParam(raw, 'wordNgrams', 1, 8, true),
    charMin,
    charMax,
    charBoundary,
    minWordLength: numberParam(raw, 'minWordLength', 1, 64, true),
  };
}
