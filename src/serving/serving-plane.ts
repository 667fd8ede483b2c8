import { Counter } from 'prom-client';
import { checkTargetPrecision, type DecisionEvidence } from '../core/decision-policy.js';
import { NotFoundError } from '../core/errors.js';
import { checkEndpointName, singleDeployment, type DeploymentSpec } from './deployment.js';
import { coalescedLookup, composeFeatureInputs, type FeatureLookup } from './entity-features.js';
import { Endpoint, type ClassifyOptions, type EndpointAnswer, type EndpointEvents, type RoutedAnswers } from './endpoint.js';
import { metricsObserver } from './metrics-observer.js';
import { DEFAULT_MAX_BATCH_TEXTS, DEFAULT_MAX_DELAY_MS } from './model-runtime.js';
import { looksLikePath, type ModelSource } from './model-source.js';
import { ObserverHub, type ObserverFailure, type PredictionObserver } from './prediction-observers.js';
import { RuntimePool } from './runtime-pool.js';
import type { TaxonomyChoice, TaxonomyResolver } from './serving-taxonomy.js';
import { ServingMetrics } from './serving-metrics.js';
import { ShadowRunner, type ShadowRecord } from './shadow-runner.js';

export interface ServingPlaneOptions {
  readonly threads: number;
  readonly maxDelayMs?: number;
  readonly maxBatchTexts?: number;
  /** Batches estimated within this many ms are scored on the calling thread (default DEFAULT_INLINE_BUDGET_MS; 0 = never). */
  readonly inlineBudgetMs?: number;
  /** Every batch scored on the calling thread (RuntimeOptions.inlineAll; `serve --processes`). */
  readonly inlineAll?: boolean;
  /** Shadow copies in flight at most (default 64). */
  readonly shadowMaxInFlight?: number;
  /** Shadow answers kept in memory (default 1000). */
  readonly shadowRing?: number;
  readonly onShadow?: (r: ShadowRecord) => void;
  /** Unrouted `name@alias` / `name@3` endpoints loaded on demand at most (default 4). */
  readonly maxDirectRefs?: number;
  /** Decide or route at this precision on endpoints whose deployment names no targetPrecision (absent: no decisions). */
  readonly targetPrecision?: number | undefined;
  /** Where operator warnings go (a model that cannot decide at the target; default console.warn). */
  readonly onWarning?: (message: string) => void;
  /** Where observer failures are reported (default: console.error at the 1st, 10th, 100th... of each observer). */
  readonly onObserverError?: (f: ObserverFailure) => void;
  /**
   * Entity features for models trained with them (the online store, given by platform/); absent:
   * such models read the texts alone. Calls made together are coalesced into one per batch.
   */
  readonly lookupFeatures?: FeatureLookup | undefined;
  /** The active taxonomy (and transition table) of endpoints whose deployment names none (absent: none). */
  readonly taxonomy?: TaxonomyChoice | undefined;
  /** Reads taxonomies and tables from the stores (given by platform/); absent: naming one is refused. */
  readonly resolveTaxonomy?: TaxonomyResolver | undefined;
}

/** Logs an observer's failures at counts 1, 10, 100...: visible, without flooding the log. */
function logObserverFailure(f: ObserverFailure): void {
  if (!/^10*$/.test(String(f.count))) return;
  console.error(`prediction observer "${f.observer}" failed (${f.count} time${f.count === 1 ? '' : 's'} so far):`, f.error);
}

/**
 * The transport-free data plane of one serving process: named endpoints (each a deployment of
 * variants), a pool of loaded runtimes they share, and the prediction observers (metrics and
 * shadow traffic are two of them). The HTTP layer decodes, calls this, and encodes; it never
 * touches a runtime.
 */
export class ServingPlane {
  readonly metrics = new ServingMetrics();
  readonly shadows: ShadowRunner;
  readonly pool: RuntimePool;
  private readonly hub: ObserverHub;
  private readonly endpointEvents: EndpointEvents;
  private readonly endpoints = new Map<string, Endpoint>();
  /** Endpoints created for a `name@selector` ref asked for directly (no deployment names it). */
  private readonly direct = new Map<string, Promise<Endpoint>>();
  private closing = false;

  constructor(readonly source: ModelSource, private readonly options: ServingPlaneOptions) {
    if (options.targetPrecision !== undefined) checkTargetPrecision(options.targetPrecision, 'the serving targetPrecision');
    this.pool = new RuntimePool(source, {
      threads: options.threads,
      maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
      maxBatchTexts: options.maxBatchTexts ?? DEFAULT_MAX_BATCH_TEXTS,
      ...(options.inlineBudgetMs !== undefined ? { inlineBudgetMs: options.inlineBudgetMs } : {}),
      inlineAll: options.inlineAll === true,
      onBatch: (model, s) => this.metrics.batchObserver(model).batch(s.texts, s.requests),
      onCompute: (model, ms) => this.metrics.batchObserver(model).computed(ms),
    });
    const observerErrors = new Counter({
      name: 'lading_observer_errors_total', help: 'Prediction observers that threw or rejected, by observer', labelNames: ['observer'], registers: [this.metrics.registry],
    });
    const report = options.onObserverError ?? logObserverFailure;
    this.hub = new ObserverHub((f) => { observerErrors.inc({ observer: f.observer }); report(f); });
    const lookup = options.lookupFeatures ? coalescedLookup(options.lookupFeatures) : undefined;
    const lookupErrors = new Counter({
      name: 'lading_feature_lookup_errors_total', help: 'Online feature lookups that failed (those texts were answered from the text alone)', registers: [this.metrics.registry],
    });
    let lookupFailures = 0;
    const composeInputs: NonNullable<EndpointEvents['composeInputs']> = (features, texts, entities) => composeFeatureInputs(features, texts, entities, lookup, (e) => {
      lookupErrors.inc();
      // The 1st, 10th, 100th... failure: visible, without flooding the log.
      if (/^10*$/.test(String(++lookupFailures))) (options.onWarning ?? console.warn)(`online feature lookup failed ${lookupFailures} time(s); those texts were answered from the text alone: ${String(e)}`);
    });
    this.endpointEvents = {
      applied: (endpoint, variants) => {
        for (const v of variants) {
          this.metrics.variant(endpoint, v.model, v.name); // the series exist (at 0) before traffic
          if (v.expectedAutomation !== undefined) this.metrics.expectAutomation(endpoint, v.model, v.name, v.expectedAutomation);
        }
        this.metrics.deploymentApplied(endpoint);
      },
      refitted: (endpoint, variants) => { for (const v of variants) this.metrics.expectAutomation(endpoint, v.model, v.name, v.expectedAutomation); },
      answered: (event) => this.hub.publish(event),
      rowsWanted: () => this.hub.rowsWanted,
      rankWanted: () => this.hub.rankWanted,
      defaultTargetPrecision: () => options.targetPrecision,
      defaultTaxonomy: () => options.taxonomy,
      ...(options.resolveTaxonomy ? { resolveTaxonomy: options.resolveTaxonomy } : {}),
      composeInputs,
      ...(options.onWarning ? { warn: options.onWarning } : {}),
    };
    this.shadows = new ShadowRunner({
      maxInFlight: options.shadowMaxInFlight ?? 64, ringSize: options.shadowRing ?? 1000, onRecord: options.onShadow,
      onPrediction: (event) => this.hub.publish(event),
      rowsWanted: () => this.hub.rowsWanted,
      rankWanted: () => this.hub.rankWanted,
      composeInputs,
      onOutcome: (endpoint, variant, outcome, record) => {
        this.metrics.shadowOutcome(endpoint, variant, outcome);
        if (record) {
          const agree = Math.round(record.agreement * record.texts);
          this.metrics.shadowAgreed(endpoint, variant, agree, record.texts - agree);
        }
      },
    });
    // Both read the top-1 only: with no other observer, answers need no probability rows.
    this.hub.subscribe('metrics', metricsObserver(this.metrics), { top: 1 });
    this.hub.subscribe('shadows', this.shadows.observer((name) => this.endpoints.get(name)?.shadowTargets() ?? []), { top: 1 });
  }

  /**
   * Subscribes a prediction observer under a unique name (see PredictionObserver for the rules);
   * returns the function that unsubscribes it. 'metrics' and 'shadows' are taken. `reads: 'top'`
   * says it reads only each text's top-1 (topIds, topScores, or eventTopK with k = 1), `top: K`
   * that it reads the K best classes through eventTopK (ranked in the serving threads); by default
   * ('rows') events carry the probability rows while it is subscribed, which costs every answer
   * the rows' trip from the serving thread.
   */
  observe(name: string, observer: PredictionObserver, options: { readonly reads?: 'rows' | 'top'; readonly top?: number } = {}): () => void {
    if (options.reads !== 'top') return this.hub.subscribe(name, observer, 'rows');
    return this.hub.subscribe(name, observer, { top: Math.max(1, Math.floor(options.top ?? 1)) });
  }

  unobserve(name: string): void { this.hub.unsubscribe(name); }

  /** Names of the subscribed observers, in delivery order. */
  get observers(): string[] { return this.hub.names; }

  /** Observer failures so far, by observer name. */
  observerFailures(): Record<string, number> { return this.hub.failureCounts(); }

  /** Resolves once every prediction answered so far has been delivered to the observers. */
  observersFlushed(): Promise<void> { return this.hub.flushed(); }

  /** Creates the endpoint or changes its variants; returns once the new table serves. */
  async deploy(spec: DeploymentSpec): Promise<Endpoint> {
    checkEndpointName(spec.endpoint);
    let e = this.endpoints.get(spec.endpoint);
    const created = !e;
    if (!e) e = new Endpoint(spec.endpoint, this.pool, this.endpointEvents);
    try {
      await e.apply(spec);
    } catch (err) {
      if (created) await e.close();
      throw err;
    }
    if (created) this.endpoints.set(spec.endpoint, e);
    return e;
  }

  async undeploy(name: string): Promise<void> {
    const e = this.endpoints.get(name);
    if (!e) return;
    this.endpoints.delete(name);
    await e.close();
  }

  endpoint(name: string): Endpoint | undefined { return this.endpoints.get(name); }
  list(): Endpoint[] { return [...this.endpoints.values()]; }

  /** Ready = not shutting down, and at least one endpoint serves (every one of them has a table). */
  get ready(): boolean {
    return !this.closing && this.endpoints.size > 0 && [...this.endpoints.values()].every((e) => e.ready);
  }

  /**
   * The endpoint a request name means: an endpoint by that exact name; or `endpoint@sel` where one
   * of its variants is named `sel` or runs version `sel`; or else a registry ref loaded on demand.
   */
  async route(name: string): Promise<{ endpoint: Endpoint; variant?: string }> {
    const exact = this.endpoints.get(name);
    if (exact) return { endpoint: exact };
    const at = name.indexOf('@');
    if (at > 0) {
      const base = this.endpoints.get(name.slice(0, at));
      const sel = name.slice(at + 1);
      const v = base?.status()?.variants.find((x) => x.name === sel || x.version === sel);
      if (base && v) return { endpoint: base, variant: v.name };
      if (!looksLikePath(name)) return { endpoint: await this.directEndpoint(name) };
    }
    throw new NotFoundError('unknown-model', `no model or endpoint named "${name}" is served here`, { model: name },
      `Served: ${[...this.endpoints.keys()].join(', ') || 'none'}.`);
  }

  async classify(name: string, texts: readonly string[], options: ClassifyOptions = {}): Promise<EndpointAnswer> {
    const { endpoint, variant } = await this.route(name);
    return endpoint.classify(texts, variant !== undefined ? { ...options, variant } : options);
  }

  /** Endpoint.classifyEach by request name; a name that pins a variant answers every text with it. */
  async classifyEach(name: string, texts: readonly string[], keys: readonly (string | undefined)[], requestIds: readonly string[], options: Pick<ClassifyOptions, 'rows' | 'top' | 'entities'> = {}): Promise<RoutedAnswers> {
    const { endpoint, variant } = await this.route(name);
    if (variant === undefined) return endpoint.classifyEach(texts, keys, requestIds, options);
    const answer = await endpoint.classify(texts, { ...options, variant, requestIds });
    return { answers: [answer], answerOf: new Int32Array(texts.length), rowOf: Int32Array.from({ length: texts.length }, (_, i) => i) };
  }

  private directEndpoint(ref: string): Promise<Endpoint> {
    let p = this.direct.get(ref);
    if (!p) {
      if (this.direct.size >= (this.options.maxDirectRefs ?? 4)) {
        return Promise.reject(new NotFoundError('unknown-model', `"${ref}" is not deployed here and the on-demand slots (${this.options.maxDirectRefs ?? 4}) are full`, { model: ref }));
      }
      // The ref must resolve before anything loads; an unknown ref is a NotFoundError, not cached.
      p = this.source.resolve(ref).then(async () => {
        const e = new Endpoint(ref.replace(/[^A-Za-z0-9._-]/g, '_'), this.pool, this.endpointEvents);
        await e.apply({ ...singleDeployment(e.name, ref), endpoint: e.name });
        return e;
      });
      this.direct.set(ref, p);
      p.catch(() => this.direct.delete(ref));
    }
    return p;
  }

  /**
   * Re-resolves every variant's model ref (an alias may have moved) and re-applies the endpoints
   * whose artifact changed; unchanged ones cost one lookup each.
   */
  async refresh(): Promise<void> {
    const directs = await Promise.all([...this.direct.values()].map((p) => p.catch(() => undefined)));
    const all = [...this.endpoints.values(), ...directs.filter((e): e is Endpoint => e !== undefined)];
    await Promise.all(all.map(async (e) => {
      const st = e.status();
      const spec = e.spec;
      if (!st || !spec) return;
      const changed = await Promise.all(st.variants.map(async (v) => {
        const r = await this.source.resolve(v.modelRef).catch(() => undefined);
        return r !== undefined && (r.sha256 !== v.sha256 || (r.version ?? r.sha256.slice(0, 12)) !== v.version);
      }));
      if (changed.some(Boolean)) await e.apply(spec).catch(() => undefined);
    }));
  }

  /**
   * Delayed labels of the answers of model `sha256` (as decision rows: monitoring/feedback/
   * feedback-decision-evidence.ts) join its validation rows: every endpoint serving it refits its
   * decide-or-route thresholds. A runtime loaded later starts from its validation rows until the next call.
   */
  async setLabelledEvidence(sha256: string, evidence: DecisionEvidence | undefined): Promise<void> {
    const runtimes = this.pool.loaded.filter((r) => r.identity.sha256 === sha256);
    if (runtimes.length === 0) return;
    for (const r of runtimes) r.setLabelledEvidence(evidence);
    await Promise.all([...this.endpoints.values()].map((e) => (e.targetPrecision !== undefined ? e.refreshDecisions() : undefined)));
  }

  /** Refuse new work (readiness goes false), wait for requests in flight, unload everything. */
  async close(): Promise<void> {
    this.closing = true;
    const directs = await Promise.all([...this.direct.values()].map((p) => p.catch(() => undefined)));
    await Promise.all([...this.endpoints.values(), ...directs].map((e) => e?.close()));
    await this.hub.flushed();
    this.endpoints.clear();
    this.direct.clear();
    await this.pool.closeAll();
  }

  get isClosing(): boolean { return this.closing; }
}
