import { halfWidth, mixingRho } from './confidence-sequence.js';
import { formatCount, formatPercent, formatPoints } from './plain-figures.js';
import type { RateCounts } from './rate-threshold-test.js';
import { asRecord, badField, checkCount, checkOpenUnit, checkPart, checkPositiveCount } from './sequential-input.js';
import { openState, SEQUENTIAL_STATE_FORMAT, type SequentialState } from './sequential-state.js';
import { proportionDifference } from './two-proportions.js';

/**
 * Is the challenger's rate (errors per request) higher than the champion's, with confidence? The
 * same asymptotic confidence sequence as the unpaired accuracy test (confidence-sequence.ts) on
 * the difference challenger − champion; a breach when its lower bound is above `tolerance`.
 * Asymptotic, so nothing is decided before each arm has `minRequests`; with rare errors the
 * variance estimate is what keeps the bound honest, and 0 errors on both sides can never breach.
 */
export interface RateDifferenceOptions {
  readonly alpha: number;
  /** How much higher the challenger's rate may be before it counts, in [0, 1). Default 0. */
  readonly tolerance?: number;
  /**
   * N*: requests (both arms) at which the sequence is tightest. Default 10,000: a canary serves
   * thousands to tens of thousands of requests per step, and the width is flat within 10% over
   * a factor of 3 either side.
   */
  readonly tuningRequests?: number;
  /** No breach before each arm has this many requests. Default 100. */
  readonly minRequests?: number;
}

export type ResolvedRateDifferenceOptions = Required<RateDifferenceOptions>;

export interface RateDifferenceDecision {
  readonly breached: boolean;
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly champion: RateCounts;
  readonly challenger: RateCounts;
  readonly reason: string;
}

export type RateDifferenceState = SequentialState<'rate-difference', ResolvedRateDifferenceOptions, { readonly champion: RateCounts; readonly challenger: RateCounts }>;

const ARMS = ['champion', 'challenger'] as const;

export class RateDifferenceTest {
  readonly options: ResolvedRateDifferenceOptions;
  private readonly rho: number;
  private readonly counts = { champion: { requests: 0, events: 0 }, challenger: { requests: 0, events: 0 } };

  constructor(options: RateDifferenceOptions, field = 'options') {
    const o = asRecord(field, options);
    const tolerance = o['tolerance'] ?? 0;
    if (typeof tolerance !== 'number' || !(tolerance >= 0 && tolerance < 1)) throw badField(`${field}.tolerance`, 'must be a number from 0 to below 1', tolerance);
    this.options = {
      alpha: checkOpenUnit(`${field}.alpha`, o['alpha']), tolerance,
      tuningRequests: o['tuningRequests'] === undefined ? 10_000 : checkPositiveCount(`${field}.tuningRequests`, o['tuningRequests']),
      minRequests: o['minRequests'] === undefined ? 100 : checkPositiveCount(`${field}.minRequests`, o['minRequests']),
    };
    this.rho = mixingRho(this.options.alpha, this.options.tuningRequests);
  }

  add(arm: 'champion' | 'challenger', event: boolean): void {
    this.counts[arm].requests++;
    if (event) this.counts[arm].events++;
  }

  /** Counts per arm (an arm left out adds nothing); all are checked before any is added. */
  addCounts(batch: Partial<Record<'champion' | 'challenger', RateCounts>>): void {
    const add = ARMS.map((arm) => readRateCounts(`counts.${arm}`, batch[arm] ?? { requests: 0, events: 0 }));
    ARMS.forEach((arm, i) => {
      this.counts[arm].requests += add[i]!.requests;
      this.counts[arm].events += add[i]!.events;
    });
  }

  /** The decision alone, without its sentence: what a simulation reads after every batch. */
  breached(): boolean {
    return this.bounds().breached;
  }

  private bounds(): { estimate: number; lower: number; upper: number; enough: boolean; breached: boolean } {
    const { champion: a, challenger: b } = this.counts;
    const d = proportionDifference(a.requests, a.events, b.requests, b.events);
    const w = halfWidth(d.variance, d.observations, this.options.alpha, this.rho);
    const enough = Math.min(a.requests, b.requests) >= this.options.minRequests;
    return { estimate: d.estimate, lower: d.estimate - w, upper: d.estimate + w, enough, breached: enough && d.estimate - w > this.options.tolerance };
  }

  decide(): RateDifferenceDecision {
    const { champion: a, challenger: b } = this.counts;
    const { estimate, lower, upper, enough, breached } = this.bounds();
    const rate = (c: RateCounts) => `${formatCount(c.events)} of ${formatCount(c.requests)} (${c.requests > 0 ? formatPercent(c.events / c.requests, 2) : 'none yet'})`;
    const facts = `challenger ${rate(b)} against champion ${rate(a)}; difference ${formatPoints(estimate)} points, always-valid ${formatPercent(1 - this.options.alpha, 0)} interval ${formatPoints(lower)} to ${formatPoints(upper)}`;
    const allowed = this.options.tolerance > 0 ? `${formatPoints(this.options.tolerance).slice(1)} points` : '0';
    const reason = breached
      ? `challenger's error rate is higher than the champion's with confidence: ${facts}; the lower bound is above ${allowed}`
      : enough
        ? `challenger's error rate not shown higher than the champion's: ${facts}`
        : `error rates not compared yet: ${facts}; at least ${formatCount(this.options.minRequests)} requests per arm first`;
    return { breached, estimate, lower, upper, champion: { ...a }, challenger: { ...b }, reason };
  }

  toJSON(): RateDifferenceState {
    return { format: SEQUENTIAL_STATE_FORMAT, kind: 'rate-difference', options: { ...this.options }, counts: { champion: { ...this.counts.champion }, challenger: { ...this.counts.challenger } } };
  }

  static fromJSON(value: unknown): RateDifferenceTest {
    const { options, counts } = openState(value, 'rate-difference');
    const test = new RateDifferenceTest(options as RateDifferenceOptions, 'state.options');
    const restored = ARMS.map((arm) => readRateCounts(`state.counts.${arm}`, counts[arm]));
    ARMS.forEach((arm, i) => { Object.assign(test.counts[arm], restored[i]); });
    return test;
  }
}

function readRateCounts(field: string, value: unknown): RateCounts {
  const o = asRecord(field, value);
  const requests = checkCount(`${field}.requests`, o['requests']);
  return { requests, events: checkPart(`${field}.events`, o['events'], `${field}.requests`, requests) };
}
