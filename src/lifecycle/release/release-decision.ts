import type { ReleaseStep } from '../pipeline/pipeline-spec.js';
import type { ReleaseEvidence } from './release-evidence.js';
import { describeStep } from './release-plan.js';
import type { ReleaseRecord } from './release-record.js';
import type { AccuracyVerdict, ReleaseStatistics } from './release-statistics.js';

/** The share of answers allowed over the p99 budget: by definition of a p99, 1%. */
const P99_SHARE = 0.01;

export type ReleaseAction =
  | { readonly kind: 'wait'; readonly waitingFor: string }
  | { readonly kind: 'await-approval'; readonly waitingFor: string }
  | { readonly kind: 'advance'; readonly reason: string }
  | { readonly kind: 'promote'; readonly reason: string }
  | { readonly kind: 'rollback'; readonly reason: string };

export interface ReleaseDecision {
  readonly action: ReleaseAction;
  readonly accuracy: AccuracyVerdict;
}

/**
 * What a running release should do next, from its record and its evidence; pure, so every tick
 * (and a restarted controller) decides the same thing from the same facts.
 *
 * Guardrails come first, at every step: an alert fired for the challenger (error rate, latency,
 * and drift if the plan says so, from the monitor), a share of answers over the p99 budget above 1% with confidence, an
 * accuracy test that says the challenger is worse, a shadow that disagrees with the champion too
 * often, or no decision after `maxLabels` labels: each rolls back at once.
 * A step is held until its own evidence is in: a shadow step until it compared `requests` texts, a
 * canary or blue/green step until the latency test says the challenger is within its budget. The
 * last step is also held until the accuracy test decides for the challenger (labels, not minutes);
 * then the release promotes, or waits for a person when the plan requires approval.
 */
export function decideRelease(release: ReleaseRecord, e: ReleaseEvidence, stats: ReleaseStatistics): ReleaseDecision {
  const plan = release.plan;
  const accuracy = stats.accuracy(e.labels, plan);
  const decision = (action: ReleaseAction): ReleaseDecision => ({ action, accuracy });
  const g = plan.guardrails;
  // Alerts that are guardrails: error rate and latency, and drift when the plan says so. The
  // accuracy alerts (estimated, real) are not: accuracy is the sequential test's to decide.
  const alert = e.challengerAlerts.find((a) => /error|latency|p99/i.test(a.rule) || (g.drift && /drift/i.test(a.rule)));
  if (alert !== undefined) {
    return decision({ kind: 'rollback', reason: `guardrail: alert ${alert.rule} fired for the challenger (${alert.message})` });
  }
  if (stats.rate(e.challenger.slow, e.challenger.requests, P99_SHARE, plan.alpha) === 'above') {
    return decision({ kind: 'rollback', reason: `guardrail: ${e.challenger.slow} of ${e.challenger.requests} challenger calls took over ${g.p99Ms} ms (p99 ${fmt(e.challenger.p99Ms)} ms), more than 1% with confidence` });
  }
  if (g.accuracy && accuracy.decision === 'worse') {
    return decision({ kind: 'rollback', reason: `the challenger is less accurate than the champion: ${describeAccuracy(accuracy)}` });
  }
  if (accuracy.decision === 'keep-champion') return decision({ kind: 'rollback', reason: accuracy.reason });

  const step: ReleaseStep | undefined = plan.steps[release.step];
  const last = release.step >= plan.steps.length - 1;
  if (step?.kind === 'shadow') {
    if (e.compared < step.requests) return decision({ kind: 'wait', waitingFor: `shadow: ${e.compared} of ${step.requests} texts compared` });
    const agreement = e.agreed / e.compared;
    if (agreement < step.minAgreement) {
      return decision({ kind: 'rollback', reason: `shadow: the challenger agreed with the champion on ${pct(agreement)} of ${e.compared} texts, under the ${pct(step.minAgreement)} required` });
    }
  } else if (step?.kind === 'canary' || step?.kind === 'blue-green') {
    const latency = stats.rate(e.challenger.slow, e.challenger.requests, P99_SHARE, plan.alpha);
    if (latency !== 'below') return decision({ kind: 'wait', waitingFor: `${describeStep(step)}: ${e.challenger.requests} challenger answers so far; waiting until its latency is within ${g.p99Ms} ms at p99 with confidence` });
  } else if (step?.kind === 'approval') {
    if (release.approvedBy === null) return decision({ kind: 'await-approval', waitingFor: `approval by a person: \`lading experiment approve ${release.endpoint}\`` });
  }
  if (!last) return decision({ kind: 'advance', reason: `${describeStep(step)} passed; next: ${describeStep(plan.steps[release.step + 1])}` });
  if (accuracy.decision !== 'better') return decision({ kind: 'wait', waitingFor: `the accuracy decision: ${describeAccuracy(accuracy)}` });
  if (plan.requireApproval && release.approvedBy === null) {
    return decision({ kind: 'await-approval', waitingFor: `approval by a person before promotion: \`lading experiment approve ${release.endpoint}\`` });
  }
  return decision({ kind: 'promote', reason: `the challenger is more accurate: ${describeAccuracy(accuracy)}` });
}

export function describeAccuracy(a: AccuracyVerdict): string {
  return a.reason;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const fmt = (x: number | null) => (x === null ? '-' : x.toFixed(2));
