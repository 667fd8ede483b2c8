import { formatCount, formatPercent } from './plain-figures.js';
import { describeCount, describeEvidence, RateThresholdTest, type RateThresholdDecision } from './rate-threshold-test.js';
import { asRecord, badField, checkCount, checkOpenUnit, checkPart } from './sequential-input.js';
import { openState, SEQUENTIAL_STATE_FORMAT, type SequentialState } from './sequential-state.js';

/**
 * The p99 latency guardrail as a rate: the p99 is within `boundMs` exactly when at most 1% of
 * requests take longer, so "p99 above the bound with confidence" is "the share of slow requests is
 * above 1% with confidence", the rate test of rate-threshold-test.ts. Counting requests above a
 * bound needs no quantile sketch, is exact, and adds per batch like any other count.
 */
export const P99_SHARE = 0.01;

export interface P99LatencyOptions {
  readonly boundMs: number;
  readonly alpha: number;
}

export interface P99LatencyDecision extends RateThresholdDecision {
  readonly boundMs: number;
  readonly reason: string;
}

export type P99LatencyState = SequentialState<'p99-latency', P99LatencyOptions, { readonly requests: number; readonly slow: number }>;

export class P99LatencyTest {
  readonly options: P99LatencyOptions;
  private readonly slow: RateThresholdTest;

  constructor(options: P99LatencyOptions, field = 'options') {
    const o = asRecord(field, options);
    const boundMs = o['boundMs'];
    if (typeof boundMs !== 'number' || !(boundMs > 0) || !Number.isFinite(boundMs)) throw badField(`${field}.boundMs`, 'must be a positive number of milliseconds', boundMs);
    this.options = { boundMs, alpha: checkOpenUnit(`${field}.alpha`, o['alpha']) };
    this.slow = new RateThresholdTest({ threshold: P99_SHARE, alpha: this.options.alpha });
  }

  /** Request latencies in ms; those above the bound count as slow. Checked before any is added. */
  addLatencies(latenciesMs: ArrayLike<number>): void {
    let slow = 0;
    for (let i = 0; i < latenciesMs.length; i++) {
      const ms = latenciesMs[i]!;
      if (typeof ms !== 'number' || !(ms >= 0)) throw badField(`latencies[${i}]`, 'must be a number of milliseconds of at least 0', ms);
      if (ms > this.options.boundMs) slow++;
    }
    this.slow.addCounts({ requests: latenciesMs.length, events: slow });
  }

  /** Requests and how many of them took longer than the bound (from a histogram's buckets, say). */
  addCounts(batch: { readonly requests: number; readonly slow: number }): void {
    const b = asRecord('counts', batch);
    const requests = checkCount('counts.requests', b['requests']);
    this.slow.addCounts({ requests, events: checkPart('counts.slow', b['slow'], 'counts.requests', requests) });
  }

  decide(): P99LatencyDecision {
    const d = this.slow.decide();
    const bound = `${formatCount(this.options.boundMs)} ms`;
    const facts = `${describeCount(d)} took longer than ${bound}, where a p99 within it allows ${formatPercent(P99_SHARE, 0)} ${describeEvidence(d, this.options.alpha)}`;
    const reason = d.breached ? `p99 latency is above ${bound} with confidence: ${facts}` : `p99 latency not shown above ${bound}: ${facts}`;
    return { ...d, boundMs: this.options.boundMs, reason };
  }

  toJSON(): P99LatencyState {
    const { counts } = this.slow.toJSON();
    return { format: SEQUENTIAL_STATE_FORMAT, kind: 'p99-latency', options: { ...this.options }, counts: { requests: counts.requests, slow: counts.events } };
  }

  static fromJSON(value: unknown): P99LatencyTest {
    const { options, counts } = openState(value, 'p99-latency');
    const test = new P99LatencyTest(options as P99LatencyOptions, 'state.options');
    const requests = checkCount('state.counts.requests', counts['requests']);
    test.slow.addCounts({ requests, events: checkPart('state.counts.slow', counts['slow'], 'state.counts.requests', requests) });
    return test;
  }
}
