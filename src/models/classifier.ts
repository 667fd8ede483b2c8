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
  /** Meta (minus training facts, added by the trainer) and binary sections to persist. */
  serialise(): { featuriser: Record<string, unknown>; params: Record<string, unknown>; sections: Array<[string, SectionArray]> };
}

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
}

export interface TrainOptions {
  readonly seed: number;
  /** Worker threads to use; the result must be byte-identical for any value. */
  readonly threads: number;
  /** Model-specific hyper-parameters, validated by the kind. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly signal?: AbortSignal;
}

export interface ModelKind {
  readonly name: string;
  readonly description: string;
  /** Defaults of every hyper-parameter, documented in `lading train --help`. */
  readonly defaults: Readonly<Record<string, number | string | boolean>>;
  /** One line on what a hyper-parameter does, shown beside its default. */
  readonly paramHelp?: Readonly<Record<string, string>>;
  train(input: TrainInput, options: TrainOptions): Promise<Classifier>;
  /** Rebuilds the classifier from a verified artifact. */
  load(meta: ArtifactMeta, sections: ReadonlyMap<string, SectionArray>): Classifier;
}
