/**
 * An alert rule: which metric, over which window, compared how with what, for how long before it
 * fires, and where it resolves (hysteresis). Rules come from lading.yaml's `monitoring.alerts` or a
 * rules file (alert-rule-parser.ts); DEFAULT_ALERT_RULES apply unless a rule of the same name
 * replaces or disables them.
 */
export type Comparison = '>' | '<' | '>=' | '<=';

/**
 * The metrics a rule may watch. The integrator computes each per (endpoint, variant) over the rule's
 * window and feeds it to AlertEvaluator as an observation; relative ones (the two `_drop`s and
 * `drift_score`) are normalised so that a rule's threshold is a plain number in a file.
 */
export const ALERT_METRICS = {
  drift_score: 'largest drift test value over its threshold across the window\'s drift tests, normalised so 0 is no drift and 1 the threshold (domain-classifier AUC measured from 0.5); above 1 is a drift verdict (driftScore())',
  drift_domain_auc: 'ROC AUC of the domain classifier telling reference texts from current ones (0.5: indistinguishable)',
  drift_distance_max: 'largest distance (normalised Wasserstein or Jensen-Shannon) among the window\'s distance tests',
  estimated_accuracy: 'CBPE estimated accuracy of the window (mean calibrated top score)',
  estimated_accuracy_drop: 'how far the estimated accuracy fell below the reference mean, in units of the band: 0 at the mean, 1 at the band\'s lower bound (estimatedAccuracyDrop())',
  real_accuracy: 'accuracy over the labelled predictions of the window',
  real_accuracy_drop: 'validation accuracy minus real accuracy, as a fraction (0.05 = 5 points); samples = labelled predictions',
  labelled_share: 'labelled predictions / predictions in the window',
  error_rate: 'requests answered with an error / requests, over the window',
  latency_p99_ms: '99th percentile of request latency in milliseconds, over the window',
  log_drops: 'prediction-log entries dropped because the store could not keep up, over the window',
} as const;

export type AlertMetric = keyof typeof ALERT_METRICS;
export const ALERT_METRIC_NAMES = Object.keys(ALERT_METRICS) as AlertMetric[];

/** The span a metric is computed over: a time span, or the last N rows (predictions, or labels for real accuracy). */
export type AlertWindow =
  | { readonly kind: 'duration'; readonly ms: number; readonly text: string }
  | { readonly kind: 'rows'; readonly rows: number; readonly text: string };

export interface AlertRule {
  readonly name: string;
  readonly metric: AlertMetric;
  readonly window: AlertWindow;
  readonly comparison: Comparison;
  readonly threshold: number;
  /** How long the condition must hold (over successive observations) before it fires; 0: at once. */
  readonly forMs: number;
  /**
   * A firing alert resolves only once the value is back past this (inclusive of the threshold side:
   * for `>` it resolves at value <= resolveThreshold). Default: the threshold moved 10% of its size
   * toward "healthy" (`> 50` resolves at <= 45), so a value hovering at the line cannot fire and
   * resolve on every observation. A threshold of 0 has no margin; give one explicitly if needed.
   */
  readonly resolveThreshold: number;
  /** Observations backed by fewer samples (e.g. labels) are ignored: neither fire nor resolve. */
  readonly minSamples: number;
  /** Only this endpoint / variant; null: every one (state is still kept per endpoint and variant). */
  readonly endpoint: string | null;
  readonly variant: string | null;
  readonly description: string;
}

export const RESOLVE_MARGIN = 0.1;

export function defaultResolveThreshold(comparison: Comparison, threshold: number): number {
  const margin = RESOLVE_MARGIN * Math.abs(threshold);
  return comparison === '>' || comparison === '>=' ? threshold - margin : threshold + margin;
}

/** The value breaks the rule. */
export function breaches(rule: Pick<AlertRule, 'comparison' | 'threshold'>, value: number): boolean {
  return compare(value, rule.comparison, rule.threshold);
}

/** A firing alert's value is back past the resolve threshold. */
export function recovered(rule: Pick<AlertRule, 'comparison' | 'resolveThreshold'>, value: number): boolean {
  return !compare(value, rule.comparison, rule.resolveThreshold);
}

function compare(value: number, c: Comparison, t: number): boolean {
  switch (c) {
    case '>': return value > t;
    case '>=': return value >= t;
    case '<': return value < t;
    case '<=': return value <= t;
  }
}

/** The resolve threshold lies on the healthy side of the threshold (or on it). */
export function resolveSideIsValid(comparison: Comparison, threshold: number, resolveThreshold: number): boolean {
  return comparison === '>' || comparison === '>=' ? resolveThreshold <= threshold : resolveThreshold >= threshold;
}

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** '30s', '5m', '1h', '1d', '250ms' to milliseconds; undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_PATTERN.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}

export function rowsWindow(rows: number): AlertWindow {
  return { kind: 'rows', rows, text: String(rows) };
}

export function durationWindow(text: string): AlertWindow {
  const ms = parseDuration(text);
  if (ms === undefined) throw new RangeError(`not a duration: ${text}`);
  return { kind: 'duration', ms, text };
}

type RuleInput = Omit<AlertRule, 'resolveThreshold' | 'minSamples' | 'endpoint' | 'variant'> & Partial<Pick<AlertRule, 'resolveThreshold' | 'minSamples' | 'endpoint' | 'variant'>>;

export function alertRule(r: RuleInput): AlertRule {
  return {
    ...r,
    resolveThreshold: r.resolveThreshold ?? defaultResolveThreshold(r.comparison, r.threshold),
    minSamples: r.minSamples ?? 0,
    endpoint: r.endpoint ?? null,
    variant: r.variant ?? null,
  };
}

/**
 * The defaults, each with its reason:
 * - drift: the drift report's own verdict (distance > 0.1, domain-classifier AUC > 0.55 or above the
 *   small-window permutation percentile), as drift_score > 1 over the default 5,000-prediction
 *   window; the window already averages, so no hold time. Resolves at 0.9 (10% margin).
 * - estimated-accuracy-drop: CBPE estimate below the reference band's lower bound (mean − 3σ,
 *   NannyML's default), i.e. estimated_accuracy_drop > 1, over 5,000 predictions.
 * - real-accuracy-drop: more than 5 points under the validation accuracy over the last 1,000
 *   labelled predictions, and only with at least 100 labels. Why 100: at 90% accuracy one label
 *   moves accuracy by 1/n, and the standard error is sqrt(0.09/n): 6.7 points at 20 labels (a 5-point
 *   "drop" is noise), 3 points at 100 (5 points is 1.7 standard errors: about one false alarm in 20
 *   evaluations), under 1 point at 1,000. So 100 is the least that says anything; the window of
 *   1,000 is what makes it reliable. Resolves only within 2.5 points, because a 10% margin (0.5
 *   point) is far below the noise and would flap.
 * - error-rate: more than 1% of requests failing over 5 minutes, held 1 minute (a single burst of
 *   bad requests from one client is not an outage).
 * - latency-p99: p99 over 50 ms over 5 minutes, held 1 minute; lading serves in single-digit ms, so
 *   50 ms means queueing or a starved host.
 * - log-drops: any prediction-log entry dropped in 5 minutes: the log is the evidence monitoring
 *   rests on, so even one drop is worth a look. Resolves when a 5-minute window has none.
 */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = [
  alertRule({ name: 'drift', metric: 'drift_score', window: rowsWindow(5_000), comparison: '>', threshold: 1, forMs: 0, description: 'a drift test crossed its threshold' }),
  alertRule({ name: 'estimated-accuracy-drop', metric: 'estimated_accuracy_drop', window: rowsWindow(5_000), comparison: '>', threshold: 1, forMs: 0, description: 'estimated accuracy below the reference band' }),
  alertRule({ name: 'real-accuracy-drop', metric: 'real_accuracy_drop', window: rowsWindow(1_000), comparison: '>', threshold: 0.05, resolveThreshold: 0.025, minSamples: 100, forMs: 0, description: 'real accuracy more than 5 points under validation accuracy' }),
  alertRule({ name: 'error-rate', metric: 'error_rate', window: durationWindow('5m'), comparison: '>', threshold: 0.01, forMs: 60_000, description: 'more than 1% of requests failed' }),
  alertRule({ name: 'latency-p99', metric: 'latency_p99_ms', window: durationWindow('5m'), comparison: '>', threshold: 50, forMs: 60_000, description: 'p99 latency above 50 ms' }),
  alertRule({ name: 'log-drops', metric: 'log_drops', window: durationWindow('5m'), comparison: '>', threshold: 0, forMs: 0, description: 'prediction-log entries were dropped' }),
];
