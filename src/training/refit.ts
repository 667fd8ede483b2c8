import { concatIds } from '../core/concat-ids.js';
import { InputError } from '../core/errors.js';
import { upsampleStratified } from '../core/upsample.js';
import type { Classifier, HeldOutChoices, ModelKind, TrainOptions } from '../models/classifier.js';

/**
 * Whether a training run refits on all rows. `requested` undefined is the default: refit when the
 * kind can (ModelKind.refits). Asking for a refit a kind cannot do is an error, not a quiet no.
 */
export function refitWanted(kind: ModelKind, requested: boolean | undefined): boolean {
  if (requested === false) return false;
  if (kind.refits === true) return true;
  if (requested === true) {
    throw new InputError('refit-unsupported', `model kind "${kind.name}" cannot be refit on all rows (it reports no held-out choices to keep)`,
      { kind: kind.name }, 'Train it without --refit (or with --no-refit).');
  }
  return false;
}

export interface RefitInput {
  readonly kind: ModelKind;
  readonly texts: readonly string[];
  readonly y: Int32Array;
  readonly labels: readonly string[];
  readonly upsample: boolean;
  /** The first fit's options (seed, threads, params, progress, signal); `fixed` is set here. */
  readonly options: TrainOptions;
  /** What the first fit chose on the held-out rows. */
  readonly choices: HeldOutChoices;
  /** How many of the last rows of texts / y are reference rows (TrainInput.referenceRows); absent: none. */
  readonly referenceRows?: number;
}

/**
 * The rows of a second fit, given its traffic rows (ascending) and the run's reference row count: the
 * traffic rows (up-sampled with `seed` when asked, as the first fit's training side was) and then
 * the reference rows, never up-sampled, last, where TrainInput.referenceRows says they are.
 */
export function secondFitRows(r: RefitInput, traffic: Int32Array, seed: number): { idx: Int32Array; referenceRows: number } {
  const reference = r.referenceRows ?? 0;
  const first = r.texts.length - reference;
  const trafficPart = traffic.filter((i) => i < first);
  const referencePart = Int32Array.from({ length: reference }, (_, i) => first + i);
  const sampled = r.upsample ? upsampleStratified(trafficPart, r.y, { seed }) : trafficPart;
  return { idx: concatIds(sampled, referencePart), referenceRows: reference };
}

/** TrainInput.referenceRows of a second fit (absent when none). */
export const referenceRowsOf = (n: number): { referenceRows?: number } => (n > 0 ? { referenceRows: n } : {});

/**
 * The second fit: every row (the traffic rows up-sampled as the first fit's training side was, same
 * seed; the reference rows last, as the first fit had them), with the
 * first fit's held-out choices fixed, so it needs no validation rows. Its progress phases read
 * "refit <phase>".
 */
export async function refitOnAllRows(r: RefitInput): Promise<{ readonly classifier: Classifier; readonly rows: number }> {
  const all = Int32Array.from({ length: r.texts.length }, (_, i) => i);
  const { idx, referenceRows } = secondFitRows(r, all, r.options.seed);
  const { onProgress } = r.options;
  const classifier = await r.kind.train(
    { texts: Array.from(idx, (i) => r.texts[i]!), y: Int32Array.from(idx, (i) => r.y[i]!), labels: r.labels, valid: { texts: [], y: new Int32Array(0) }, ...referenceRowsOf(referenceRows) },
    { ...r.options, fixed: r.choices, ...(onProgress ? { onProgress: (p) => onProgress({ ...p, phase: `refit ${p.phase}` }) } : {}) },
  );
  return { classifier, rows: idx.length };
}
