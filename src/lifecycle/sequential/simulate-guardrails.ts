import { createRandom, deriveSeed } from '../../core/random.js';
import { BinomialSampler } from './binomial-sampler.js';
import { RateDifferenceTest } from './rate-difference-test.js';
import { RateThresholdTest } from './rate-threshold-test.js';
import { badField, checkOpenUnit, checkPositiveCount } from './sequential-input.js';
import { quantiles, type LabelQuantiles } from './simulate.js';

/**
 * Simulated guardrails read after every batch of requests, as the controller reads them during a
 * canary step: how often a challenger at the threshold (or as good as the champion) is rolled back
 * by mistake, and how many requests a real breach takes to show.
 */
export interface RateGuardrailScenario {
  readonly name: string;
  /** The challenger's true rate (errors, or requests above the p99 bound). */
  readonly challengerRate: number;
  /** Against a fixed threshold (`threshold`) or against a champion of this true rate (`championRate`). */
  readonly threshold?: number;
  readonly championRate?: number;
  readonly alpha: number;
  readonly experiments: number;
  /** Requests per experiment (both arms together against a champion, split evenly). */
  readonly maxRequests: number;
  readonly batch?: number;
  readonly seed?: number;
}

export interface RateGuardrailSummary {
  readonly name: string;
  readonly experiments: number;
  readonly maxRequests: number;
  readonly breachedShare: number;
  /** Requests at the breach, Infinity where none came within maxRequests. */
  readonly requestsToBreach: LabelQuantiles;
}

export function simulateRateGuardrail(s: RateGuardrailScenario): RateGuardrailSummary {
  const experiments = checkPositiveCount('scenario.experiments', s.experiments);
  const maxRequests = checkPositiveCount('scenario.maxRequests', s.maxRequests);
  const batch = checkPositiveCount('scenario.batch', s.batch ?? 50);
  const challenger = new BinomialSampler(checkOpenUnit('scenario.challengerRate', s.challengerRate), batch);
  const champion = s.championRate === undefined ? undefined : new BinomialSampler(checkOpenUnit('scenario.championRate', s.championRate), batch);
  const threshold = s.threshold === undefined ? undefined : checkOpenUnit('scenario.threshold', s.threshold);
  if ((threshold === undefined) === (champion === undefined)) throw badField('scenario.threshold', 'or scenario.championRate must be given, not both', s.threshold);
  const at = new Float64Array(experiments).fill(Infinity);
  let breached = 0;
  for (let e = 0; e < experiments; e++) {
    const random = createRandom(deriveSeed(s.seed ?? 1, e));
    const test = threshold !== undefined ? new RateThresholdTest({ threshold, alpha: s.alpha }) : new RateDifferenceTest({ alpha: s.alpha });
    for (let served = 0; served < maxRequests;) {
      const size = Math.min(batch, maxRequests - served);
      served += size;
      if (test instanceof RateThresholdTest) {
        test.addCounts({ requests: size, events: challenger.draw(size, random.next()) });
      } else {
        const half = size >> 1;
        test.addCounts({
          champion: { requests: size - half, events: champion!.draw(size - half, random.next()) },
          challenger: { requests: half, events: challenger.draw(half, random.next()) },
        });
      }
      if (test.breached()) {
        at[e] = served;
        breached++;
        break;
      }
    }
  }
  return { name: s.name, experiments, maxRequests, breachedShare: breached / experiments, requestsToBreach: quantiles(at) };
}
