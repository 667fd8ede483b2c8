import type { ReferenceFile } from '../../training/reference-rows.js';
/**
 * A pipeline as lading.yaml declares it (`pipelines: { NAME: ... }`), after validation: what data a
 * retrain uses, which kinds it trains, what starts it, the gates a candidate must pass before any
 * traffic, and the release plan the controller runs. The parser (pipeline-parser.ts) fills every
 * default, so code below reads plain values.
 */
export interface PipelineSpec {
  readonly name: string;
  /** The endpoint the pipeline releases to; its accepted feedback joins the data, its monitor's alerts trigger it. */
  readonly endpoint: string;
  /** The registered model name candidates are registered under. Default: the pipeline's name. */
  readonly model: string;
  readonly data: PipelineData;
  /** Several kinds may be trained; the best on validation (by `select`) becomes the candidate. */
  readonly train: readonly TrainChoice[];
  /** Refit each kind on all rows after the validated fit; undefined: as \`lading train\` (refit when the kind can). */
  readonly refit: boolean | undefined;
  /** Folds for the decide-or-route thresholds' rows (training/decision-folds.ts); undefined: as \`lading train\` (3). */
  readonly decisionFolds?: number | undefined;
  readonly select: 'accuracy' | 'macroF1';
  readonly triggers: PipelineTriggers;
  readonly gates: GatePolicy;
  readonly release: ReleasePlan;
}

export interface PipelineData {
  /** A dataset reference (`name`, `name@3`): the base data. */
  readonly dataset: string;
  /** Add the endpoint's accepted feedback (corrected labels). Default true. */
  readonly feedback: boolean;
  /** A folder of new labelled files (CSV/JSONL, same columns as the dataset), relative to lading.yaml. */
  readonly folder: string | undefined;
  /** Official descriptions that teach every fit (absolute path); undefined: none. */
  readonly nomenclature?: ReferenceFile | undefined;
}

export interface TrainChoice {
  readonly kind: string;
  /** Passed to the kind as `lading train --param key=value` would. */
  readonly params: Readonly<Record<string, string | number | boolean>>;
}

export interface PipelineTriggers {
  /** A cron expression (5 or 6 fields, croner syntax), evaluated in UTC. */
  readonly cron: string | undefined;
  /** Run when a drift alert of the endpoint fires. */
  readonly drift: boolean;
  /** Run when at least this many accepted labels arrived since the last run. */
  readonly newLabels: number | undefined;
}

/** Quality gates: candidate against champion on the same texts, before any traffic. */
export interface GatePolicy {
  /** A pinned evaluation dataset version (`name@N`): the golden set. */
  readonly golden: string | undefined;
  /**
   * Share of the endpoint's accepted feedback (the newest, by feedback time) held out of training
   * and gated on beside the golden set; 0 = none. Default 0.2. Only when the data takes feedback.
   */
  readonly feedbackHoldout: number;
  /** The candidate may be worse than the champion by at most this much, with confidence 1 - alpha. */
  readonly margin: { readonly accuracy: number; readonly macroF1: number };
  /** Significance of the paired tests. Default 0.05. */
  readonly alpha: number;
  /** No class with at least `minSupport` texts in a gate set may lose more than `maxDrop` recall. */
  readonly classRecall: { readonly minSupport: number; readonly maxDrop: number };
  readonly budgets: {
    /** p99 of single-text predictions measured by loading and calling the candidate, ms. */
    readonly p99Ms: number | undefined;
    readonly artifactMb: number | undefined;
    /** Expected calibration error on the gate texts. */
    readonly ece: number | undefined;
  };
}

/** One step of a release plan; the controller holds each until the statistics decide. */
export type ReleaseStep =
  | { readonly kind: 'shadow'; readonly requests: number; readonly minAgreement: number }
  | { readonly kind: 'canary'; readonly percent: number }
  | { readonly kind: 'blue-green' }
  | { readonly kind: 'approval' };

export interface ReleasePlan {
  readonly steps: readonly ReleaseStep[];
  /** Wait for a person (`lading experiment approve`) before the alias moves. */
  readonly requireApproval: boolean;
  /** The always-valid test's error rate for the accuracy decision. Default 0.05. */
  readonly alpha: number;
  /** Smallest accuracy difference worth detecting (sizes the "needs about N more labels" estimate). */
  readonly minEffect: number;
  /** Give up (keep the champion) after this many labelled comparisons without a decision. */
  readonly maxLabels: number;
  readonly guardrails: Guardrails;
}

export interface Guardrails {
  /** Roll back when the challenger's error rate is above this with confidence. Default 0.01 (Flagger's 99% success). */
  readonly errorRate: number;
  /** Roll back when the challenger's p99 latency is above this, ms. */
  readonly p99Ms: number;
  /** Roll back on a drift alert of the challenger's predictions. */
  readonly drift: boolean;
  /** Roll back when real accuracy on delayed labels is worse than the champion's with confidence. */
  readonly accuracy: boolean;
}
