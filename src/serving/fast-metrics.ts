import type { Metric, Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

/**
 * Counters and histograms for the request path, exposed through a prom-client Registry with the same
 * text as prom-client's own. Each series is a handle holding plain numbers and a Float64Array, so an
 * observation is a few additions: prom-client's observe() validates and hashes the label set on every
 * call, which a CPU profile under load showed at about 5% of the serving thread with one text per
 * request (and once per text for the per-text metrics). The work of formatting happens at scrape.
 */
export class CounterSeries {
  value = 0;
  touched = false;
  constructor(readonly labels: Labels) {}
  inc(n = 1): void { this.value += n; this.touched = true; }
}

export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly labels: Labels, private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    if (i < b.length) this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
}

interface ExportedValue {
  value: number;
  labels: Record<string, string | number>;
  sharedLabels?: Labels;
  metricName?: string;
  exemplar?: null;
}

interface Exported { name: string; help: string; type: string; values: ExportedValue[]; aggregator: 'sum' }

abstract class FastMetric<S> {
  readonly aggregator = 'sum' as const;
  protected readonly all: S[] = [];
  private readonly byKey = new Map<string, S>();
  abstract readonly type: 'counter' | 'histogram';

  constructor(readonly name: string, readonly help: string, registry: Registry) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series for one label set (made once; keep the handle rather than calling this per request). */
  series(labels: Labels): S {
    const key = Object.values(labels).join('\0');
    let s = this.byKey.get(key);
    if (!s) {
      s = this.create(labels);
      this.byKey.set(key, s);
      this.all.push(s);
    }
    return s;
  }

  protected abstract create(labels: Labels): S;
  protected abstract values(): ExportedValue[];

  /** What the Registry formats as text (prom-client's shape: bucket labels apart from the series'). */
  getForPromString(): Promise<Exported> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator });
  }

  /** The JSON shape (registry.getMetricsAsJSON): the series labels merged into each value's. */
  async get(): Promise<Exported> {
    const e = await this.getForPromString();
    e.values = e.values.map(({ sharedLabels, labels, ...v }) => ({ ...v, labels: { ...labels, ...sharedLabels } }));
    return e;
  }

  reset(): void {
    this.byKey.clear();
    this.all.length = 0;
  }
}

export class FastCounter extends FastMetric<CounterSeries> {
  readonly type = 'counter' as const;
  protected create(labels: Labels): CounterSeries { return new CounterSeries(labels); }
  protected values(): ExportedValue[] {
    return this.all.filter((s) => s.touched).map((s) => ({ value: s.value, labels: { ...s.labels } }));
  }
}

export class FastHistogram extends FastMetric<HistogramSeries> {
  readonly type = 'histogram' as const;
  constructor(name: string, help: string, private readonly buckets: readonly number[], registry: Registry) {
    super(name, help, registry);
  }

  protected create(labels: Labels): HistogramSeries { return new HistogramSeries(labels, this.buckets); }
  protected values(): ExportedValue[] {
    const out: ExportedValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.all) {
      if (s.count === 0) continue;
      let acc = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        acc += s.counts[i]!;
        out.push({ value: acc, labels: { le: this.buckets[i]! }, sharedLabels: s.labels, metricName: bucket, exemplar: null });
      }
      out.push(
        { value: s.count, labels: { le: '+Inf' }, sharedLabels: s.labels, metricName: bucket, exemplar: null },
        { value: s.sum, labels: {}, sharedLabels: s.labels, metricName: `${this.name}_sum` },
        { value: s.count, labels: {}, sharedLabels: s.labels, metricName: `${this.name}_count` },
      );
    }
    return out;
  }
}
