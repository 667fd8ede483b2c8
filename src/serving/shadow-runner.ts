import type { ComposedInputs, EntityKeys } from './entity-features.js';
import type { InputFeatures } from '../core/artifact-format.js';
import type { ModelRuntime } from './model-runtime.js';
import type { PredictionEvent, PredictionObserver } from './prediction-observers.js';
import { TAXONOMY_SEARCH_K, type ClassMapping } from './serving-taxonomy.js';
import { answeredCode, mapAnswers, type TaxonomyAnswers } from './taxonomy-answers.js';

/** A shadow variant of an endpoint, as the runner needs it. */
export interface ShadowTarget {
  readonly name: string;
  readonly runtime: ModelRuntime;
  /**
   * The shadow model's labels against the endpoint's active taxonomy, as its primaries have theirs:
   * its answers are mapped the same way (a challenger trained on the new codes skips the table).
   */
  readonly mapping?: ClassMapping | undefined;
}

/** One shadow answer, kept for comparison with what the primary said. */
export interface ShadowRecord {
  readonly at: string;
  readonly endpoint: string;
  readonly variant: string;
  readonly model: string;
  readonly version: string;
  readonly primaryVariant: string;
  readonly texts: number;
  /** Top-1 labels of the shadow and of the primary, per text (under a taxonomy: the codes each answered, '' for review). */
  readonly shadowLabels: readonly string[];
  readonly primaryLabels: readonly string[];
  readonly agreement: number;
  readonly ms: number;
}

export interface ShadowRunnerOptions {
  /** Shadow copies in flight at most; more are dropped (counted), never queued behind the primary. */
  readonly maxInFlight: number;
  /** Records kept in the in-memory ring. */
  readonly ringSize: number;
  readonly onRecord?: ((r: ShadowRecord) => void) | undefined;
  readonly onOutcome?: ((endpoint: string, variant: string, outcome: 'answered' | 'dropped' | 'failed', record?: ShadowRecord) => void) | undefined;
  /** Each shadow answer as a prediction event (role 'shadow'), for the plane's observers. */
  readonly onPrediction?: ((e: PredictionEvent) => void) | undefined;
  /** Whether the shadow answers' events must carry probability rows (an observer reads them); absent: true. */
  readonly rowsWanted?: (() => boolean) | undefined;
  /** The most ranked classes per text an observer of shadow answers reads (absent: 1). */
  readonly rankWanted?: (() => number) | undefined;
  /** A shadow trained with entity features reads the primary's texts with its own features looked up (absent: the texts alone). */
  readonly composeInputs?: ((features: InputFeatures, texts: readonly string[], entities: readonly (EntityKeys | undefined)[] | undefined) => Promise<ComposedInputs>) | undefined;
}

/**
 * Runs shadow copies after the primary has answered (it is a prediction observer): fire-and-forget
 * with a bound on copies in flight, so a slow or failing shadow can neither delay nor fail a
 * primary answer, and a burst cannot pile up memory (copies over the bound are dropped and counted).
 */
export class ShadowRunner {
  private inFlight = 0;
  private readonly ring: ShadowRecord[] = [];
  private ringNext = 0;

  constructor(private readonly options: ShadowRunnerOptions) {}

  /**
   * The observer that sends every routed primary answer to the endpoint's shadow variants, as they
   * are when the event is delivered. Pinned requests (the caller named a variant) get no copies.
   */
  observer(shadowsOf: (endpoint: string) => readonly ShadowTarget[]): PredictionObserver {
    return (e) => {
      if (e.role !== 'primary' || e.pinned) return;
      const targets = shadowsOf(e.endpoint);
      if (targets.length === 0) return;
      const primaryLabels = answeredLabels(e.model.labels, e.topIds, e.taxonomy);
      for (const t of targets) this.submit(e, t, primaryLabels);
    };
  }

  private submit(primary: PredictionEvent, target: ShadowTarget, primaryLabels: readonly string[]): void {
    const { endpoint, texts } = primary;
    const { name: variant, runtime, mapping } = target;
    if (this.inFlight >= this.options.maxInFlight || runtime.isClosed) {
      this.options.onOutcome?.(endpoint, variant, 'dropped');
      return;
    }
    this.inFlight++;
    const started = performance.now();
    const features = runtime.header.inputFeatures;
    const compose = this.options.composeInputs;
    const inputs = features && compose ? compose(features, texts, primary.entities) : Promise.resolve(undefined);
    const wanted = this.options.rankWanted?.() ?? 1;
    // As Endpoint.answerWith: under a taxonomy the best valid code may sit below the top-k.
    const k = mapping === undefined || mapping.identity ? wanted : Math.max(wanted, TAXONOMY_SEARCH_K);
    inputs.then((composed) => runtime.predict(composed?.inputs ?? texts, 0, { rows: this.options.rowsWanted?.() ?? true, k })
      .then((r) => ({ r, composed }))).then(({ r, composed }) => {
      const ms = performance.now() - started;
      const labels = runtime.identity.labels;
      const ids = r.topIds;
      const scores = r.topScores;
      const taxonomy = mapping && mapAnswers(mapping, r, labels.length, k, wanted);
      const shadowLabels = answeredLabels(labels, ids, taxonomy);
      let agree = 0;
      for (let i = 0; i < shadowLabels.length; i++) if (shadowLabels[i] === primaryLabels[i]) agree++;
      const record: ShadowRecord = {
        at: new Date().toISOString(), endpoint, variant, model: runtime.identity.name, version: runtime.identity.version, primaryVariant: primary.variant,
        texts: texts.length, shadowLabels, primaryLabels, agreement: texts.length === 0 ? 1 : agree / texts.length, ms,
      };
      this.remember(record);
      this.options.onOutcome?.(endpoint, variant, 'answered', record);
      this.options.onRecord?.(record);
      this.options.onPrediction?.({
        endpoint, variant, role: 'shadow', pinned: false, model: runtime.identity, texts, topIds: ids, topScores: scores, proba: r.proba, ranked: r.ranked,
        latencyMs: ms, queueMs: r.queueMs, requestIds: primary.requestIds, at: Date.now(), ...(composed ? { features: composed.used } : {}),
        ...(taxonomy ? { taxonomy } : {}),
      });
    }, () => {
      this.options.onOutcome?.(endpoint, variant, 'failed');
    }).finally(() => { this.inFlight--; });
  }

  /** The latest records, oldest first. */
  recent(): ShadowRecord[] {
    return this.ring.length < this.options.ringSize ? [...this.ring] : [...this.ring.slice(this.ringNext), ...this.ring.slice(0, this.ringNext)];
  }

  get pending(): number { return this.inFlight; }

  private remember(r: ShadowRecord): void {
    if (this.options.ringSize <= 0) return;
    if (this.ring.length < this.options.ringSize) this.ring.push(r);
    else { this.ring[this.ringNext] = r; this.ringNext = (this.ringNext + 1) % this.options.ringSize; }
  }
}

/** Each text's top-1: the answered code under a taxonomy ('' when it went to review), else the model's label. */
function answeredLabels(labels: readonly string[], topIds: Int32Array, taxonomy: TaxonomyAnswers | undefined): string[] {
  return taxonomy === undefined ? Array.from(topIds, (c) => labels[c]!) : Array.from(topIds, (_, row) => answeredCode(taxonomy, row));
}
