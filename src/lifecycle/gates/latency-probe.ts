import { InterruptedError } from '../../core/errors.js';
import type { Classifier } from '../../models/classifier.js';
import { predictInto } from './gate-model.js';

export interface LatencyProbeOptions {
  /** Calls made and thrown away first (JIT, caches, lazy tables). */
  readonly warmupCalls: number;
  /** Timed calls; the p99 of 300 is the 297th fastest (nearest rank), i.e. the 4th slowest. */
  readonly calls: number;
}

export const DEFAULT_LATENCY_PROBE: LatencyProbeOptions = { warmupCalls: 50, calls: 300 };

export interface LatencyProbe {
  readonly calls: number;
  readonly warmupCalls: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** The nearest-rank quantile of sorted values. */
function nearestRank(sorted: Float64Array, q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/**
 * Single-text predictions, one after another on this thread, each timed: what one request costs the
 * model, without the HTTP layer or batching. The texts are cycled through (the gate texts, so the
 * lengths are realistic). Shared machines make the tail noisy; the budget should leave room for it.
 */
export async function probeLatency(classifier: Classifier, texts: readonly string[], options: LatencyProbeOptions, signal?: AbortSignal): Promise<LatencyProbe> {
  const pool = texts.length > 0 ? texts : ['1 CTN SAMPLE PRODUCT'];
  const out = new Float32Array(classifier.labels.length);
  for (let i = 0; i < options.warmupCalls; i++) await predictInto(classifier, [pool[i % pool.length]!], out);
  const times = new Float64Array(options.calls);
  for (let i = 0; i < options.calls; i++) {
    if (signal?.aborted) throw new InterruptedError('the latency gate');
    const text = pool[(options.warmupCalls + i) % pool.length]!;
    const started = performance.now();
    await predictInto(classifier, [text], out);
    times[i] = performance.now() - started;
  }
  times.sort();
  return {
    calls: options.calls, warmupCalls: options.warmupCalls,
    p50Ms: nearestRank(times, 0.5), p99Ms: nearestRank(times, 0.99), maxMs: times[times.length - 1] ?? 0,
  };
}
