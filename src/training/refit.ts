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
}

/**
 * The second fit: every row (up-sampled as the first fit's training side was, same seed), with the
 * first fit's held-out choices fixed, so it needs no validation rows. Its progress phases read
 * "refit <phase>".
 */
export async function refitOnAllRows(r: RefitInput): Promise<{ readonly classifier: Classifier; readonly rows: number }> {
  const all = Int32Array.from({ length: r.texts.length }, (_, i) => i);
  const idx = r.upsample ? upsampleStratified(all, r.y, { seed: r.options.seed }) : all;
  const { onProgress } = r.options;
  const classifier = await r.kind.train(
    { texts: Array.from(idx, (i) => r.texts[i]!), y: Int32Array.from(idx, (i) => r.y[i]!), labels: r.labels, valid: { texts: [], y: new Int32Array(0) } },
    { ...r.options, fixed: r.choices, ...(onProgress ? { onProgress: (p) => onProgress({ ...p, phase: `refit ${p.phase}` }) } : {}) },
  );
  return { classifier, rows: idx.length };
}
