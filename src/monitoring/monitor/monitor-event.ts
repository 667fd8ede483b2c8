import type { ActiveAlert } from '../alerts/alert-evaluator.js';
import type { AlertEventRecord } from '../store/monitoring-store.js';

/**
 * What the monitor loop tells its subscribers (the CLI's JSON lines, the serving process's stderr,
 * and next the lifecycle's retraining triggers): one alert transition, or the summary of one
 * evaluation. `type` tells them apart, so a consumer of JSON lines can switch on it.
 */
export type MonitorEvent = MonitorAlertEvent | EvaluationSummary;

/** An alert fired or resolved: the same record the alert history, stdout sink and webhook carry. */
export type MonitorAlertEvent = { readonly type: 'alert' } & AlertEventRecord;

/** What one evaluation saw of one variant (its current model version) of one endpoint. */
export interface VariantSnapshot {
  readonly endpoint: string;
  readonly variant: string;
  readonly model: string;
  readonly version: string;
  /** Predictions in the drift / estimated-accuracy window. */
  readonly predictions: number;
  /** drift_score: 1 at the first drift test's threshold, above 1 a drift verdict; null without a reference profile. */
  readonly driftScore: number | null;
  readonly drift: boolean | null;
  readonly estimatedAccuracy: number | null;
  readonly validationAccuracy: number | null;
  /** From delayed labels of the real-accuracy window; null when none were given. */
  readonly realAccuracy: number | null;
  readonly labelled: number;
}

export interface EvaluationSummary {
  readonly type: 'evaluation';
  /** Epoch ms the evaluation describes (every observation of it carries this time). */
  readonly at: number;
  readonly durationMs: number;
  readonly endpoints: readonly string[];
  readonly variants: readonly VariantSnapshot[];
  /** Values fed to the alert evaluator. */
  readonly observations: number;
  readonly fired: number;
  readonly resolved: number;
  /** Alerts firing after this evaluation. */
  readonly active: readonly ActiveAlert[];
  /** Endpoints whose evaluation failed (the others were still evaluated). */
  readonly errors: ReadonlyArray<{ readonly endpoint: string; readonly message: string }>;
}
