import { formatCount, formatPercent } from './plain-figures.js';
import { asRecord, checkOpenUnit, checkPart, checkCount } from './sequential-input.js';
import { openState, SEQUENTIAL_STATE_FORMAT, type SequentialState } from './sequential-state.js';

/**
 * Is a rate (errors per request, slow requests per request) above a fixed threshold, with
 * confidence, read after every request? A mixture sequential probability ratio test (mSPRT):
 *
 *   M_n(p0) = Σ_j w_j · (p_j / p0)^k · ((1 − p_j) / (1 − p0))^(n − k)
 *
 * after k events in n requests, over alternatives p_j = p0 · {1.25, 1.5, 2, 3, 5, 10, 20} (each
 * held below (1 + p0) / 2) with equal weights w_j. Each term has expectation at most 1 per request whenever the
 * true rate is at most p0 (every p_j is above p0), so M is a nonnegative supermartingale and, by
 * Ville's inequality, it ever reaches 1/α with probability at most α: breach when it does.
 *
 * Exact rather than asymptotic, unlike the accuracy test, on purpose: guardrail rates are rare
 * events (1% errors, the 1% of requests above a p99 bound), where a central-limit interval is
 * poor at the few hundred requests a rollback must not wait for. The grid of alternatives is the
 * tuning: a 1.25× rate is caught slowly, a 20× one (a broken model) within a few dozen requests;
 * equal weights because the size of a breakage is not known in advance.
 *
 * Inverting the test gives an always-valid lower bound for the rate, which the reasons print.
 */
const ALTERNATIVE_MULTIPLES = [1.25, 1.5, 2, 3, 5, 10, 20];

export interface RateThresholdOptions {
  /** The rate the guardrail allows, in (0, 1). */
  readonly threshold: number;
  readonly alpha: number;
}

export interface RateCounts {
  readonly requests: number;
  readonly events: number;
}

export interface RateThresholdDecision {
  readonly breached: boolean;
  readonly rate: number | null;
  readonly requests: number;
  readonly events: number;
  readonly threshold: number;
  /** M_n at the threshold: evidence against "the rate is at most the threshold"; breach at 1/α. */
  readonly evidence: number;
  /** Always-valid (1 − α) lower bound of the true rate; 0 before any event. */
  readonly lower: number;
}

export type RateThresholdState = SequentialState<'rate-threshold', RateThresholdOptions, RateCounts>;

export class RateThresholdTest {
  readonly options: RateThresholdOptions;
  private counts = { requests: 0, events: 0 };

  constructor(options: RateThresholdOptions, field = 'options') {
    const o = asRecord(field, options);
    this.options = { threshold: checkOpenUnit(`${field}.threshold`, o['threshold']), alpha: checkOpenUnit(`${field}.alpha`, o['alpha']) };
  }

  add(event: boolean): void {
    this.counts.requests++;
    if (event) this.counts.events++;
  }

  addCounts(batch: RateCounts): void {
    const b = asRecord('counts', batch);
    const requests = checkCount('counts.requests', b['requests']);
    const events = checkPart('counts.events', b['events'], 'counts.requests', requests);
    this.counts.requests += requests;
    this.counts.events += events;
  }

  get requests(): number {
    return this.counts.requests;
  }

  /** The decision alone, without the bound's search: what a simulation reads after every batch. */
  breached(): boolean {
    return logMixture(this.counts.requests, this.counts.events, this.options.threshold) >= -Math.log(this.options.alpha);
  }

  decide(): RateThresholdDecision {
    const { requests: n, events: k } = this.counts;
    const { threshold, alpha } = this.options;
    const logEvidence = logMixture(n, k, threshold);
    return {
      breached: logEvidence >= -Math.log(alpha), rate: n > 0 ? k / n : null, requests: n, events: k, threshold,
      evidence: Math.exp(logEvidence), lower: lowerBound(n, k, alpha),
    };
  }

  toJSON(): RateThresholdState {
    return { format: SEQUENTIAL_STATE_FORMAT, kind: 'rate-threshold', options: { ...this.options }, counts: { ...this.counts } };
  }

  static fromJSON(value: unknown): RateThresholdTest {
    const { options, counts } = openState(value, 'rate-threshold');
    const test = new RateThresholdTest(options as RateThresholdOptions, 'state.options');
    const requests = checkCount('state.counts.requests', counts['requests']);
    test.counts = { requests, events: checkPart('state.counts.events', counts['events'], 'state.counts.requests', requests) };
    return test;
  }
}

/** "37 of 1,200 requests (3.08%)": the count every rate guardrail's reason starts from. */
export function describeCount(d: RateThresholdDecision): string {
  return `${formatCount(d.events)} of ${formatCount(d.requests)} requests (${d.rate === null ? 'none yet' : formatPercent(d.rate, 2)})`;
}

/** "(at least 1.81% with always-valid 95% confidence; evidence 48.2, breach at 20)". */
export function describeEvidence(d: RateThresholdDecision, alpha: number): string {
  const evidence = d.evidence >= 1e6 ? 'over 1,000,000' : d.evidence < 100 ? d.evidence.toFixed(1) : formatCount(d.evidence);
  return `(at least ${formatPercent(d.lower, 2)} with always-valid ${formatPercent(1 - alpha, 0)} confidence; evidence ${evidence}, breach at ${formatCount(1 / alpha)})`;
}

function logMixture(n: number, k: number, p0: number): number {
  const terms: number[] = [];
  for (const p of alternatives(p0)) terms.push(k * Math.log(p / p0) + (n - k) * Math.log((1 - p) / (1 - p0)));
  const top = Math.max(...terms);
  return top + Math.log(terms.reduce((s, t) => s + Math.exp(t - top), 0) / terms.length);
}

/** Multiples that would reach 1 are held at the midpoint to 1: still above p0, and the mixture stays continuous in p0 (the lower bound needs that). */
function alternatives(p0: number): number[] {
  const cap = (p0 + 1) / 2;
  return ALTERNATIVE_MULTIPLES.map((m) => Math.min(p0 * m, cap));
}

/** The smallest rate the test cannot reject at α (bisection in log space; the evidence falls as p0 rises toward the observed rate). */
function lowerBound(n: number, k: number, alpha: number): number {
  if (k === 0) return 0;
  const need = -Math.log(alpha);
  let lo = 1e-12;
  let hi = k / n;
  if (logMixture(n, k, lo) < need) return 0;
  if (hi >= 1) hi = 1 - 1e-12;
  for (let i = 0; i < 60; i++) {
    const mid = Math.sqrt(lo * hi);
    if (logMixture(n, k, mid) >= need) lo = mid;
    else hi = mid;
  }
  return lo;
}
