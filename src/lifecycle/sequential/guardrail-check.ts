import type { Guardrails, ReleasePlan } from '../pipeline/pipeline-spec.js';
import type { AccuracyDecision } from './accuracy-decision.js';
import { P99LatencyTest } from './p99-latency-test.js';
import { formatPercent } from './plain-figures.js';
import { RateDifferenceTest } from './rate-difference-test.js';
import { describeCount, describeEvidence, RateThresholdTest } from './rate-threshold-test.js';
import { badField } from './sequential-input.js';

/**
 * Which guardrail of a release plan broke, and why, in a sentence with the numbers: the error
 * rate above `errorRate` with confidence, the p99 above `p99Ms` with confidence, the challenger's
 * error rate above the champion's with confidence, accuracy on delayed labels worse than the
 * champion's with confidence (when `accuracy` is on), a drift alert on the challenger's predictions
 * (when `drift` is on). Each test is always valid, so the controller may check after every batch.
 * Each guardrail holds its own α, so with all of them on, a sound challenger is rolled back by
 * mistake with probability up to a few α: a false rollback costs a retry, a missed one costs users.
 */
export type GuardrailName = 'error-rate' | 'p99-latency' | 'error-rate-vs-champion' | 'accuracy' | 'drift';

export interface GuardrailBreach {
  readonly guardrail: GuardrailName;
  readonly reason: string;
}

export interface GuardrailTests {
  readonly errors: RateThresholdTest;
  readonly latency: P99LatencyTest;
  readonly errorsVersusChampion: RateDifferenceTest;
}

/** The tests a plan's guardrails read, empty; the controller feeds them counts and persists their toJSON(). */
export function guardrailTestsFromPlan(plan: Pick<ReleasePlan, 'alpha' | 'guardrails'>): GuardrailTests {
  return {
    errors: new RateThresholdTest({ threshold: plan.guardrails.errorRate, alpha: plan.alpha }, 'guardrails.errorRate'),
    latency: new P99LatencyTest({ boundMs: plan.guardrails.p99Ms, alpha: plan.alpha }, 'guardrails.p99Ms'),
    errorsVersusChampion: new RateDifferenceTest({ alpha: plan.alpha }),
  };
}

export interface GuardrailEvidence {
  /** The challenger's errors per request. */
  readonly errors?: RateThresholdTest;
  /** The challenger's requests above the p99 bound. */
  readonly latency?: P99LatencyTest;
  readonly errorsVersusChampion?: RateDifferenceTest;
  /** The accuracy test on delayed labels (or its decision); it breaks on `challenger-worse`, which under a non-inferiority plan means worse by more than the margin. */
  readonly accuracy?: { decide(): AccuracyDecision } | AccuracyDecision;
  /** The drift alert on the challenger's predictions that fired, in a sentence; undefined while none has. */
  readonly driftAlert?: string;
}

export interface GuardrailCheck {
  readonly breached: boolean;
  readonly breaches: readonly GuardrailBreach[];
  /** The guardrails that had evidence to read. */
  readonly checked: readonly GuardrailName[];
  readonly reason: string;
}

export function checkGuardrails(guardrails: Guardrails, evidence: GuardrailEvidence): GuardrailCheck {
  const breaches: GuardrailBreach[] = [];
  const checked: GuardrailName[] = [];
  if (evidence.errors) {
    if (evidence.errors.options.threshold !== guardrails.errorRate) throw badField('errors.threshold', `must be the plan's guardrails.errorRate (${guardrails.errorRate})`, evidence.errors.options.threshold);
    checked.push('error-rate');
    const d = evidence.errors.decide();
    if (d.breached) {
      breaches.push({ guardrail: 'error-rate', reason: `error rate is above the ${formatPercent(guardrails.errorRate, 2)} guardrail with confidence: ${describeCount(d)} failed ${describeEvidence(d, evidence.errors.options.alpha)}` });
    }
  }
  if (evidence.latency) {
    if (evidence.latency.options.boundMs !== guardrails.p99Ms) throw badField('latency.boundMs', `must be the plan's guardrails.p99Ms (${guardrails.p99Ms})`, evidence.latency.options.boundMs);
    checked.push('p99-latency');
    const d = evidence.latency.decide();
    if (d.breached) breaches.push({ guardrail: 'p99-latency', reason: d.reason });
  }
  if (evidence.errorsVersusChampion) {
    checked.push('error-rate-vs-champion');
    const d = evidence.errorsVersusChampion.decide();
    if (d.breached) breaches.push({ guardrail: 'error-rate-vs-champion', reason: d.reason });
  }
  if (guardrails.accuracy && evidence.accuracy) {
    checked.push('accuracy');
    const d = 'decide' in evidence.accuracy ? evidence.accuracy.decide() : evidence.accuracy;
    if (d.decision === 'challenger-worse') breaches.push({ guardrail: 'accuracy', reason: `accuracy on delayed labels is worse than the champion's: ${d.reason}` });
  }
  if (guardrails.drift) {
    checked.push('drift');
    if (evidence.driftAlert !== undefined) breaches.push({ guardrail: 'drift', reason: `the challenger's predictions drifted: ${evidence.driftAlert}` });
  }
  const reason = breaches.length === 0
    ? `no guardrail broke (checked: ${checked.length > 0 ? checked.join(', ') : 'none had evidence yet'})`
    : `${breaches.length === 1 ? 'a guardrail broke' : `${breaches.length} guardrails broke`}: ${breaches.map((b) => `${b.guardrail}: ${b.reason}`).join('; ')}`;
  return { breached: breaches.length > 0, breaches, checked, reason };
}
