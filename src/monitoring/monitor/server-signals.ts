/**
 * What a serving process counts about itself, read by the monitor loop when it runs inside that
 * process (`serve --monitor`): cumulative counters since the process started. The loop keeps a short
 * history of readings and takes differences over each rule's window, the way Prometheus' rate() and
 * histogram_quantile() do over a range, so the figures need no per-request work beyond what the
 * serving metrics already do.
 */
export interface LatencyHistogram {
  /** Upper bounds of the buckets, in milliseconds, increasing. */
  readonly boundsMs: readonly number[];
  /** Observations per bucket (not cumulative); one more entry than boundsMs: those above every bound. */
  readonly counts: readonly number[];
}

export interface EndpointCounters {
  /** Requests answered with a prediction. */
  readonly answered: number;
  /** Requests answered with a server error (5xx). */
  readonly failed: number;
  /** Request latency per variant. */
  readonly latency: ReadonlyMap<string, LatencyHistogram>;
}

export interface ServerCounters {
  readonly endpoints: ReadonlyMap<string, EndpointCounters>;
  /** Answers the prediction log dropped (the store fell behind), for the whole process. */
  readonly logDropped: number;
}

export interface ServerSignals {
  read(): Promise<ServerCounters>;
}

interface Reading { readonly at: number; readonly counters: ServerCounters }

const EMPTY: ServerCounters = { endpoints: new Map(), logDropped: 0 };

/**
 * Readings of ServerCounters over time. A window's figure is the newest reading minus the newest one
 * at least the window old; while the process is younger than the window, minus the zero reading at
 * its start (the counters start at zero with the process).
 */
export class SignalHistory {
  private readonly readings: Reading[];

  constructor(startedAt: number, private readonly keepMs: number) {
    this.readings = [{ at: startedAt, counters: EMPTY }];
  }

  add(at: number, counters: ServerCounters): void {
    this.readings.push({ at, counters });
    // Keep one reading older than the longest window: the baseline of that window.
    while (this.readings.length > 2 && this.readings[1]!.at <= at - this.keepMs) this.readings.shift();
  }

  private span(windowMs: number): { from: ServerCounters; to: ServerCounters } {
    const last = this.readings[this.readings.length - 1]!;
    let base = this.readings[0]!;
    for (const r of this.readings) if (r.at <= last.at - windowMs) base = r;
    return { from: base.counters, to: last.counters };
  }

  /** Failed / (answered + failed) over the window, with the request count; 0 when nothing was asked (nothing failed). */
  errorRate(endpoint: string, windowMs: number): { value: number; samples: number } {
    const { from, to } = this.span(windowMs);
    const a = to.endpoints.get(endpoint), b = from.endpoints.get(endpoint);
    const answered = delta(a?.answered, b?.answered), failed = delta(a?.failed, b?.failed);
    const total = answered + failed;
    return { value: total > 0 ? failed / total : 0, samples: total };
  }

  /** p99 of the window's latencies (linear within the bucket, as histogram_quantile); NaN without requests. */
  latencyP99(endpoint: string, variant: string, windowMs: number): { value: number; samples: number } {
    const { from, to } = this.span(windowMs);
    const now = to.endpoints.get(endpoint)?.latency.get(variant);
    if (!now) return { value: Number.NaN, samples: 0 };
    const then = from.endpoints.get(endpoint)?.latency.get(variant);
    const counts = now.counts.map((c, i) => delta(c, then?.counts[i]));
    return { value: histogramQuantile(now.boundsMs, counts, 0.99), samples: counts.reduce((s, c) => s + c, 0) };
  }

  logDrops(windowMs: number): number {
    const { from, to } = this.span(windowMs);
    return delta(to.logDropped, from.logDropped);
  }

  /** Variants with latency figures, per endpoint, in the newest reading. */
  variants(endpoint: string): string[] {
    return [...(this.readings[this.readings.length - 1]!.counters.endpoints.get(endpoint)?.latency.keys() ?? [])];
  }
}

/** A counter's growth; a counter that went down was reset, so all of its value is new. */
function delta(now: number | undefined, then: number | undefined): number {
  const a = now ?? 0, b = then ?? 0;
  return a >= b ? a - b : a;
}

/** The q-quantile of bucketed counts: linear inside its bucket; in the overflow bucket, the highest bound. */
export function histogramQuantile(boundsMs: readonly number[], counts: readonly number[], q: number): number {
  const total = counts.reduce((s, c) => s + c, 0);
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0 && seen + c >= rank) {
      if (i >= boundsMs.length) return boundsMs[boundsMs.length - 1] ?? Number.NaN;
      const lower = i === 0 ? 0 : boundsMs[i - 1]!;
      return lower + (boundsMs[i]! - lower) * ((rank - seen) / c);
    }
    seen += c;
  }
  return boundsMs[boundsMs.length - 1] ?? Number.NaN;
}
