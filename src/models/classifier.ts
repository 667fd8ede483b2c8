import type { ArtifactMeta, SectionArray } from './artifact.js';

/**
 * The Classifier contract every model kind implements (one folder per kind, same file shape:
 * `train.ts`, `model.ts` (the loaded classifier), `featurise.ts` if it has its own, `worker.ts` if
 * it spreads work over threads, `index.ts` exporting the ModelKind).
 */
export interface Classifier {
  readonly kind: string;
  /** Class names; index = class id. */
  readonly labels: readonly string[];
  /**
   * Writes calibrated probabilities for each text into out[i * labels.length + c].
   * Must not allocate per token; may allocate per call.
   */
  predictProba(texts: readonly string[], out: Float32Array): void;
  /**
   * The same probabilities computed off the calling thread's critical path (e.g. by onnxruntime).
   * Optional; serving and evaluation call it when present. Models whose engine is async only
   * (imported ONNX models) may throw from predictProba and implement only this.
   */
  predictProbaAsync?(texts: readonly string[], out: Float32Array): Promise<void>;
  /** The tokens / n-grams that pushed `text` towards class `classId`, strongest first. */
  explain(text: string, classId: number, limit: number): Contribution[];
  /**
   * What this fit decided on its held-out rows (TrainInput.valid) rather than learnt from its
   * training rows. Set by train() of a kind that can be refit (ModelKind.refits); absent on loaded
   * models.
   */
  readonly heldOutChoices?: HeldOutChoices;
  /** Meta (minus training facts, added by the trainer) and binary sections to persist. */
  serialise(): { featuriser: Record<string, unknown>; params: Record<string, unknown>; sections: Array<[string, SectionArray]> };
}

/**
 * Figures a fit chose on held-out rows, by name: e.g. `epochs` (the epoch early stopping kept),
 * `temperature` (the softmax calibration). Empty when the kind decides nothing on them.
 */
export type HeldOutChoices = Readonly<Record<string, number>>;

export interface Contribution {
  /** The token or n-gram as it appears after normalisation, e.g. "plastic", "plastic cups", "#cup#". */
  readonly feature: string;
  readonly weight: number;
}

export interface TrainProgress {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** Free-form extra figures (loss, epoch...) to show beside the bar. */
  readonly info?: Readonly<Record<string, number | string>>;
}

export interface TrainInput {
  readonly texts: readonly string[];
  /** Class id per text, in [0, labels.length). */
  readonly y: Int32Array;
  readonly labels: readonly string[];
  /** A held-out split the trainer may use (calibration, early stopping); never for fitting weights. */
  readonly valid: { readonly texts: readonly string[]; readonly y: Int32Array };
  /**
   * How many of the last rows of texts / y are reference rows (training/reference-rows.ts: a
   * nomenclature's descriptions), not traffic; absent: none. A kind that only fits weights may learn
   * from them as from any row and ignore this (linear, fasttext, textcnn do). A kind that holds
   * rows out inside its own fit (the ensemble's cross-fit) must keep them on every internal fit's
   * training side and never score, measure or learn a combination from them: they are not drawn
   * from production. Set by train-run's validated fit, its refit and its decision folds (the
   * ensemble's refit keeps its near-duplicate memory and class prior to traffic by it).
   */
  readonly referenceRows?: number;
}

export interface TrainOptions {
  readonly seed: number;
  /** Worker threads to use; the result must be byte-identical for any value. */
  readonly threads: number;
  /** Model-specific hyper-parameters, validated by the kind. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly signal?: AbortSignal;
  /**
   * The refit on all rows: the heldOutChoices of an earlier fit on part of the same rows, applied as
   * they are instead of being decided on input.valid (which is then empty). A kind refuses names it
   * does not know.
   */
  readonly fixed?: HeldOutChoices;
}

export interface ModelKind {
  readonly name: string;
  readonly description: string;
  /** Defaults of every hyper-parameter, documented in `lading train --help`. */
  readonly defaults: Readonly<Record<string, number | string | boolean>>;
  /** One line on what a hyper-parameter does, shown beside its default. */
  readonly paramHelp?: Readonly<Record<string, string>>;
  /**
   * True when train() reports its Classifier.heldOutChoices and takes them back as
   * TrainOptions.fixed, so that a model can be chosen on held-out rows and then refit on all of them.
   */
  readonly refits?: boolean;
  /**
   * How this kind takes entity features in its inputs (src/text/feature-tokens.ts); default
   * tokens-v1, the tokens as more words of the text.
   */
  readonly featureEncoding?: 'tokens-v1' | 'tokens-v2';
  train(input: TrainInput, options: TrainOptions): Promise<Classifier>;
  /** Rebuilds the classifier from a verified artifact. */
  load(meta: ArtifactMeta, sections: ReadonlyMap<string, SectionArray>): Classifier;
}
