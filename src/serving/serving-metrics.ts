import { Counter, Gauge, Registry } from 'prom-client';
import { FastCounter, FastHistogram, type CounterSeries, type HistogramSeries } from './fast-metrics.js';
import type { ModelIdentity } from './model-runtime.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const QUEUE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.05];
const SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const SCORE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

export interface BatchObserver {
  batch(texts: number, requests: number): void;
  queued(seconds: number): void;
  /** A batch was scored in `ms` (the model's compute). */
  computed(ms: number): void;
}

type Labels = { endpoint: string; model: string; version: string; variant: string };

/** Per-variant series, made once when a deployment is applied: recording a request is plain additions. */
export interface VariantMeters {
  readonly requests: CounterSeries;
  readonly texts: CounterSeries;
  /** Texts decided automatically (decide or route); over `texts`, the automation rate reached. */
  readonly autoDecided: CounterSeries;
  readonly latency: HistogramSeries;
  readonly score: HistogramSeries;
  /** Predicted-label counters by class id, created on first use. */
  readonly labelCounters: Array<CounterSeries | undefined>;
  readonly labels: Labels;
}

/**
 * The serving process's Prometheus metrics, in their own prom-client Registry (never the global one,
 * so two servers in one process, e.g. in tests, do not mix their figures). The ones touched per
 * request or per text are fast-metrics.ts series (additions into numbers held by the caller); the
 * rare ones (errors, shadows, deployments) stay plain prom-client metrics.
 */
export class ServingMetrics {
  readonly registry = new Registry();
  private readonly requests = new FastCounter('lading_requests_total', 'Prediction requests answered, by endpoint, model, version and variant', this.registry);
  private readonly texts = new FastCounter('lading_texts_total', 'Texts classified', this.registry);
  private readonly autoDecided = new FastCounter('lading_auto_decided_texts_total', 'Texts decided automatically at the endpoint\'s target precision (the rest went to review)', this.registry);
  private readonly expectedAutomation = new Gauge({
    name: 'lading_expected_automation', help: 'Share of texts a variant is expected to decide automatically at its endpoint\'s target precision (from its validation and labelled rows)',
    labelNames: ['endpoint', 'model', 'version', 'variant'], registers: [this.registry],
  });
  private readonly errors = new Counter({ name: 'lading_request_errors_total', help: 'Requests answered with an error, by route and HTTP status', labelNames: ['route', 'status', 'endpoint'], registers: [this.registry] });
  private readonly latency = new FastHistogram('lading_request_duration_seconds', 'Time from decoded request to prediction result', LATENCY_BUCKETS, this.registry);
  private readonly batchTexts = new FastHistogram('lading_batch_texts', 'Texts per batch sent to a serving thread', SIZE_BUCKETS, this.registry);
  private readonly batchRequests = new FastHistogram('lading_batch_requests', 'Requests per batch sent to a serving thread', SIZE_BUCKETS, this.registry);
  private readonly queueTime = new FastHistogram('lading_queue_seconds', 'Time a request waited in the micro-batcher', QUEUE_BUCKETS, this.registry);
  private readonly predicted = new FastCounter('lading_predicted_labels_total', 'Predicted (top-1) labels', this.registry);
  private readonly score = new FastHistogram('lading_prediction_score', 'Top-1 probability of each prediction', SCORE_BUCKETS, this.registry);
  private readonly shadow = new Counter({ name: 'lading_shadow_requests_total', help: 'Shadow copies by outcome (answered, dropped, failed)', labelNames: ['endpoint', 'variant', 'outcome'], registers: [this.registry] });
  private readonly shadowAgreement = new Counter({ name: 'lading_shadow_agreement_total', help: 'Shadow top-1 labels equal to / different from the primary answer', labelNames: ['endpoint', 'variant', 'agree'], registers: [this.registry] });
  private readonly deployments = new Counter({ name: 'lading_deployment_changes_total', help: 'Deployments applied to this server', labelNames: ['endpoint'], registers: [this.registry] });
  private readonly compute = new FastCounter('lading_model_compute_seconds_total', 'Time spent scoring batches (serving threads and inline), by model and version', this.registry);
  private readonly computeSeries = new Map<string, CounterSeries>();
  private readonly processCpu = new Gauge({
    name: 'lading_process_cpu_seconds', help: 'CPU time this serving process used since it started (all its threads, user + system)',
    registers: [this.registry], collect() { const u = process.cpuUsage(); this.set((u.user + u.system) / 1e6); },
  });
  private readonly meters = new Map<string, VariantMeters>();

  /**
   * Operating cost of each served version, live: CPU-seconds per million texts. A version's own
   * scoring time per text (measured around each batch where it was scored: a serving thread scores one
   * batch at a time, so this is close to its CPU time) plus an equal share per text of the rest of
   * the process's CPU (HTTP, JSON, batching, logging: work every text costs whatever model answers
   * it), both since the process started. Averaged, not summed, over `serve --processes`.
   */
  private readonly cost = (() => {
    const metrics = this;
    return new Gauge({
      name: 'lading_cpu_seconds_per_million_texts', help: 'CPU-seconds per million texts classified, by version: its scoring time plus its share of the process\'s other CPU, since start',
      labelNames: ['endpoint', 'model', 'version', 'variant'], registers: [this.registry], aggregator: 'average',
      collect() {
        this.reset();
        for (const row of metrics.costPerMillion()) this.set(row.labels, row.cpuSecondsPerMillion);
      },
    });
  })();

  /** The cost figures behind lading_cpu_seconds_per_million_texts (also for reports): one row per variant that answered. */
  costPerMillion(): { labels: Labels; texts: number; cpuSecondsPerMillion: number }[] {
    const u = process.cpuUsage();
    const cpu = (u.user + u.system) / 1e6;
    let computeAll = 0;
    for (const c of this.computeSeries.values()) computeAll += c.value;
    const textsByVersion = new Map<string, number>();
    let textsAll = 0;
    for (const m of this.meters.values()) {
      const key = `${m.labels.model}\0${m.labels.version}`;
      textsByVersion.set(key, (textsByVersion.get(key) ?? 0) + m.texts.value);
      textsAll += m.texts.value;
    }
    if (textsAll === 0) return [];
    const overheadPerText = Math.max(0, cpu - computeAll) / textsAll;
    const rows: { labels: Labels; texts: number; cpuSecondsPerMillion: number }[] = [];
    for (const m of this.meters.values()) {
      if (m.texts.value === 0) continue;
      const key = `${m.labels.model}\0${m.labels.version}`;
      const computePerText = (this.computeSeries.get(key)?.value ?? 0) / textsByVersion.get(key)!;
      rows.push({ labels: m.labels, texts: m.texts.value, cpuSecondsPerMillion: (computePerText + overheadPerText) * 1e6 });
    }
    return rows;
  }

  variant(endpoint: string, id: ModelIdentity, variant: string): VariantMeters {
    const key = `${endpoint}\0${id.name}\0${id.version}\0${variant}`;
    let m = this.meters.get(key);
    if (!m) {
      const labels: Labels = { endpoint, model: id.name, version: id.version, variant };
      m = {
        requests: this.requests.series(labels), texts: this.texts.series(labels), autoDecided: this.autoDecided.series(labels), latency: this.latency.series(labels), score: this.score.series(labels),
        labelCounters: new Array(id.labels.length), labels,
      };
      this.meters.set(key, m);
    }
    return m;
  }

  /** Records one answered request: its latency, per text the top-1 label and score, and how many were decided automatically. */
  recordPrediction(m: VariantMeters, seconds: number, labelNames: readonly string[], classIds: Int32Array | readonly number[], scores: Float32Array | readonly number[], decisions?: Uint8Array): void {
    m.requests.inc();
    m.texts.inc(classIds.length);
    if (decisions) {
      let auto = 0;
      for (let i = 0; i < decisions.length; i++) auto += decisions[i]!;
      m.autoDecided.inc(auto);
    }
    m.latency.observe(seconds);
    for (let i = 0; i < classIds.length; i++) {
      const c = classIds[i]!;
      let counter = m.labelCounters[c];
      if (!counter) {
        counter = this.predicted.series({ ...m.labels, label: labelNames[c] ?? String(c) });
        m.labelCounters[c] = counter;
      }
      counter.inc();
      m.score.observe(scores[i]!);
    }
  }

  private readonly observers = new Map<string, BatchObserver>();
  /** The same, by identity object: called per request and per batch, so no key string is built there. */
  private readonly observerOf = new WeakMap<ModelIdentity, BatchObserver>();

  batchObserver(id: ModelIdentity): BatchObserver {
    const known = this.observerOf.get(id);
    if (known) return known;
    const key = `${id.name}\0${id.version}`;
    let o = this.observers.get(key);
    if (!o) {
      const labels = { model: id.name, version: id.version };
      const t = this.batchTexts.series(labels), r = this.batchRequests.series(labels), q = this.queueTime.series(labels);
      const c = this.compute.series(labels);
      this.computeSeries.set(key, c);
      o = { batch: (texts, requests) => { t.observe(texts); r.observe(requests); }, queued: (s) => q.observe(s), computed: (ms) => c.inc(ms / 1000) };
      this.observers.set(key, o);
    }
    this.observerOf.set(id, o);
    return o;
  }

  error(route: string, status: number, endpoint = ''): void {
    this.errors.inc({ route, status: String(status), endpoint });
  }

  shadowOutcome(endpoint: string, variant: string, outcome: 'answered' | 'dropped' | 'failed'): void {
    this.shadow.inc({ endpoint, variant, outcome });
  }

  shadowAgreed(endpoint: string, variant: string, agree: number, disagree: number): void {
    if (agree > 0) this.shadowAgreement.inc({ endpoint, variant, agree: 'true' }, agree);
    if (disagree > 0) this.shadowAgreement.inc({ endpoint, variant, agree: 'false' }, disagree);
  }

  /** The expected automation rate of a variant at its endpoint's target (null: it cannot decide there). */
  expectAutomation(endpoint: string, id: ModelIdentity, variant: string, rate: number | null): void {
    this.expectedAutomation.set({ endpoint, model: id.name, version: id.version, variant }, rate ?? 0);
  }

  deploymentApplied(endpoint: string): void {
    this.deployments.inc({ endpoint });
  }

  text(): Promise<string> { return this.registry.metrics(); }
  get contentType(): string { return this.registry.contentType; }
}
