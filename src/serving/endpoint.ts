import type { InputFeatures } from '../core/artifact-format.js';
import { decideInto } from '../core/decision-policy.js';
import { InputError, NotFoundError } from '../core/errors.js';
import type { Contribution } from '../models/classifier.js';
import { validateDeployment, type DeploymentSpec, type VariantSpec } from './deployment.js';
import type { ComposedInputs, EntityKeys } from './entity-features.js';
import type { ModelIdentity, ModelRuntime } from './model-runtime.js';
import type { PredictionEvent } from './prediction-observers.js';
import type { RankedRows } from './rows.js';
import type { RuntimePool } from './runtime-pool.js';
import { classOfAnsweredCode, compileClassMapping, TAXONOMY_SEARCH_K, type ClassMapping, type ServingTaxonomy, type TaxonomyChoice } from './serving-taxonomy.js';
import type { ShadowTarget } from './shadow-runner.js';
import { mapAnswers, taxonomyDecisions, type TaxonomyAnswers } from './taxonomy-answers.js';
import { keyPoint, pickByWeight } from './variant-assignment.js';

interface RoutedVariant {
  readonly spec: VariantSpec;
  readonly runtime: ModelRuntime;
  /**
   * Decide or route: per class, the confidence an answer needs to be decided automatically at the
   * endpoint's target precision. undefined: no target (answers carry no decision); null: a target,
   * but the model stores no evidence to fit thresholds from (every answer is "review").
   */
  readonly thresholds: Float32Array | null | undefined;
  /** The model's labels against the endpoint's active taxonomy (undefined: none active, labels answer as they are). */
  readonly mapping: ClassMapping | undefined;
}

interface RoutingTable {
  readonly spec: DeploymentSpec;
  readonly primaries: readonly RoutedVariant[];
  readonly cumulative: readonly number[];
  readonly shadows: readonly RoutedVariant[];
  readonly shadowTargets: readonly ShadowTarget[];
  /** The active taxonomy (`hs2022@1`) and transition table id, when one is. */
  readonly taxonomy: { readonly ref: string; readonly remap: string | undefined } | undefined;
}

/** What an endpoint tells its plane; the plane turns these into metrics and observer events. */
export interface EndpointEvents {
  /** A new routing table serves these variants. */
  applied(endpoint: string, variants: ReadonlyArray<{ readonly name: string; readonly model: ModelIdentity; readonly expectedAutomation?: number | null }>): void;
  /** The decide-or-route thresholds were refitted (delayed labels): the variants' new expected automation rates. */
  refitted?(endpoint: string, variants: ReadonlyArray<{ readonly name: string; readonly model: ModelIdentity; readonly expectedAutomation: number | null }>): void;
  /** A request was answered (called after the answer is built; must not block). */
  answered(event: PredictionEvent): void;
  /** Whether an observer reads the probability rows of answers (absent: true), so they must be made and sent. */
  rowsWanted?(): boolean;
  /** The most ranked classes per text an observer reads (absent: 1), ranked in the serving thread with the caller's. */
  rankWanted?(): number;
  /** The target precision of endpoints whose deployment names none (absent: none). */
  defaultTargetPrecision?(): number | undefined;
  /** Something an operator should know about (absent: console.warn). */
  warn?(message: string): void;
  /** The active taxonomy of endpoints whose deployment names none (absent: none). */
  defaultTaxonomy?(): TaxonomyChoice | undefined;
  /** Reads a taxonomy choice from the stores (absent: a deployment naming a taxonomy is refused). */
  resolveTaxonomy?(choice: TaxonomyChoice): Promise<ServingTaxonomy>;
  /** The inputs of a model trained with entity features (absent: every model reads the texts alone). */
  composeInputs?(features: InputFeatures, texts: readonly string[], entities: readonly (EntityKeys | undefined)[] | undefined): Promise<ComposedInputs>;
}

const NO_IDS: readonly string[] = [];

export interface ClassifyOptions {
  /** Sticky assignment key (merchant, shipper...); random assignment without one. */
  readonly key?: string | undefined;
  /** Features per text to explain the top label (0 = none). */
  readonly explainLimit?: number | undefined;
  /** Ask for one variant by name (tests, debugging); bypasses the weights. */
  readonly variant?: string | undefined;
  /** Ids of the request(s) this call answers, passed on to prediction observers. */
  readonly requestIds?: readonly string[] | undefined;
  /**
   * The probability rows (default true). A transport that encodes only ranked classes says false,
   * and the rows are then neither sent from the serving thread nor kept, unless an observer reads them.
   */
  readonly rows?: boolean | undefined;
  /** Ranked classes per text the caller reads (default 1): k > 1 has them ranked in the serving thread. */
  readonly top?: number | undefined;
  /** Per text, the entities it is about, for models trained with entity features (entity-features.ts). */
  readonly entities?: readonly (EntityKeys | undefined)[] | undefined;
}

/** What one classify call answers: probabilities plus who answered. */
export interface EndpointAnswer {
  readonly endpoint: string;
  readonly variant: string;
  readonly model: ModelIdentity;
  /** rows × classes; empty (NO_ROWS) when the call said rows: false and no observer reads them. */
  readonly proba: Float32Array;
  /** Each text's k best classes when the call asked for top k > 1 (read through answerTopK). */
  readonly ranked?: RankedRows | undefined;
  readonly topIds: Int32Array;
  readonly topScores: Float32Array;
  readonly explanations?: Contribution[][] | undefined;
  readonly queueMs: number;
  /** Per text 1 (decided automatically) or 0 (for review), when the endpoint has a target precision or an active taxonomy. */
  readonly decisions?: Uint8Array | undefined;
  /** The answers in the endpoint's active taxonomy (codes, descriptions, review reasons), when it has one. */
  readonly taxonomy?: TaxonomyAnswers | undefined;
}

/** What classifyEach answers: text i's answer is answers[answerOf[i]], at row rowOf[i] of it. */
export interface RoutedAnswers {
  readonly answers: readonly EndpointAnswer[];
  readonly answerOf: Int32Array;
  readonly rowOf: Int32Array;
}

export interface VariantStatus {
  readonly name: string;
  readonly role: 'primary' | 'shadow';
  readonly weight: number;
  readonly modelRef: string;
  readonly model: string;
  readonly version: string;
  readonly kind: string;
  readonly sha256: string;
  /** With a target precision: the share of its validation rows the model decides automatically there (null: it cannot decide). */
  readonly expectedAutomation?: number | null;
}

/**
 * One named endpoint and the variants behind it. The routing table is one immutable object
 * replaced in a single assignment, so a request sees either the old table or the new one, never a
 * mix; runtimes leaving the table are released only after the switch, and a runtime closes only
 * after its requests in flight are answered. That is what makes swaps drop nothing.
 */
export class Endpoint {
  private table: RoutingTable | undefined;
  private applying: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(readonly name: string, private readonly pool: RuntimePool, private readonly events: EndpointEvents) {}

  get spec(): DeploymentSpec | undefined { return this.table?.spec; }
  get ready(): boolean { return this.table !== undefined && !this.closed; }

  /**
   * Loads and warms every variant of `spec` beside the ones serving now, then switches atomically.
   * Applies run one at a time. If any variant fails to load, nothing changes and the error is thrown.
   */
  apply(spec: DeploymentSpec): Promise<void> {
    const run = this.applying.then(() => this.applyNow(spec));
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyNow(spec: DeploymentSpec): Promise<void> {
    validateDeployment(spec);
    if (spec.endpoint !== this.name) throw new InputError('endpoint-mismatch', `deployment for ${spec.endpoint} applied to endpoint ${this.name}`, { endpoint: this.name });
    if (this.closed) throw new InputError('endpoint-closed', `endpoint ${this.name} is shutting down`, { endpoint: this.name });
    // Read before anything loads: an unknown taxonomy or table changes nothing.
    const taxonomy = await this.taxonomyOf(spec);
    const loaded = await Promise.allSettled(spec.variants.map((v) => this.pool.acquire(v.model)));
    const failed = loaded.find((r) => r.status === 'rejected');
    const runtimes = loaded.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (failed) {
      await Promise.all(runtimes.map((r) => this.pool.release(r)));
      throw failed.reason;
    }
    const target = spec.targetPrecision ?? this.events.defaultTargetPrecision?.();
    const routed = spec.variants.map((v, i): RoutedVariant => ({ spec: v, runtime: runtimes[i]!, thresholds: this.thresholdsAt(target, runtimes[i]!),
      mapping: taxonomy && compileClassMapping(runtimes[i]!.identity.labels, taxonomy) }));
    const primaries = routed.filter((v) => v.spec.role === 'primary');
    let total = 0;
    const cumulative = primaries.map((v) => (total += v.spec.weight));
    const old = this.table;
    const shadows = routed.filter((v) => v.spec.role === 'shadow');
    this.table = { spec, primaries, cumulative, shadows, shadowTargets: shadows.map((v) => ({ name: v.spec.name, runtime: v.runtime, mapping: v.mapping })),
      taxonomy: taxonomy && { ref: taxonomy.ref, remap: taxonomy.remap?.id } };
    this.events.applied(this.name, routed.map((v) => ({
      name: v.spec.name, model: v.runtime.identity, ...(target === undefined ? {} : { expectedAutomation: v.runtime.decisionPolicy(target)?.expectedCoverage ?? null }),
    })));
    if (old) await Promise.all([...old.primaries, ...old.shadows].map((v) => this.pool.release(v.runtime)));
  }

  /** The deployment's taxonomy choice, else the process default; undefined when neither names one. */
  private async taxonomyOf(spec: DeploymentSpec): Promise<ServingTaxonomy | undefined> {
    const own: TaxonomyChoice = { taxonomy: spec.taxonomy, remap: spec.remap };
    const choice = own.taxonomy !== undefined || own.remap !== undefined ? own : this.events.defaultTaxonomy?.();
    if (choice === undefined || (choice.taxonomy === undefined && choice.remap === undefined)) return undefined;
    if (!this.events.resolveTaxonomy) {
      throw new InputError('no-taxonomy-store', `endpoint ${this.name} names taxonomy ${choice.taxonomy ?? choice.remap} but this process reads no taxonomy store`, { endpoint: this.name });
    }
    return this.events.resolveTaxonomy(choice);
  }

  /** The per-class thresholds of `runtime` at `target`; warns (once per apply) when the model cannot decide. */
  private thresholdsAt(target: number | undefined, runtime: ModelRuntime, warn = true): Float32Array | null | undefined {
    if (target === undefined) return undefined;
    const policy = runtime.decisionPolicy(target);
    if (policy) return policy.thresholds;
    if (!warn) return null;
    const id = runtime.identity;
    const message = `endpoint ${this.name}: model ${id.name} version ${id.version} (${id.kind}) stores no validation rows to fit decision thresholds from ` +
      `(trained before decide-or-route, or imported); every answer is decision "review". Retrain it with this lading to get automatic decisions at ${target}.`;
    if (this.events.warn) this.events.warn(message);
    else console.warn(message);
    return null;
  }

  /**
   * Refits every variant's thresholds (after its runtime's delayed-label rows changed) and switches
   * to them in one assignment, as apply does; queued behind applies in progress.
   */
  refreshDecisions(): Promise<void> {
    const run = this.applying.then(() => {
      const t = this.table;
      if (!t || this.closed) return;
      const target = this.targetPrecision;
      const again = (v: RoutedVariant): RoutedVariant => ({ ...v, thresholds: this.thresholdsAt(target, v.runtime, false) });
      const primaries = t.primaries.map(again);
      const shadows = t.shadows.map(again);
      this.table = { ...t, primaries, shadows };
      if (target !== undefined) {
        this.events.refitted?.(this.name, [...primaries, ...shadows].map((v) => ({
          name: v.spec.name, model: v.runtime.identity, expectedAutomation: v.runtime.decisionPolicy(target)?.expectedCoverage ?? null,
        })));
      }
    });
    this.applying = run.catch(() => undefined);
    return run;
  }

  /** The target precision answers are decided at (the deployment's, else the process default); undefined: no decisions. */
  get targetPrecision(): number | undefined { return this.table?.spec.targetPrecision ?? this.events.defaultTargetPrecision?.(); }

  async classify(texts: readonly string[], options: ClassifyOptions = {}): Promise<EndpointAnswer> {
    const table = this.readyTable();
    let chosen: RoutedVariant;
    if (options.variant !== undefined) {
      const v = table.primaries.find((p) => p.spec.name === options.variant) ?? table.shadows.find((p) => p.spec.name === options.variant);
      if (!v) throw new NotFoundError('unknown-variant', `endpoint ${this.name} has no variant "${options.variant}"`, { endpoint: this.name, variant: options.variant });
      chosen = v;
    } else {
      chosen = table.primaries[pickByWeight(table.cumulative, keyPoint(options.key))]!;
    }
    return this.answerWith(chosen, texts, options, options.variant !== undefined);
  }

  /**
   * Texts of separate requests (each with its own sticky key and request id: the inputs of a
   * stream's micro-batch), each routed as `classify` would route it alone, then answered with one
   * call per variant. Gives the same variants and answers as a classify per text, for a fraction of
   * the calls, promises and observer deliveries.
   */
  async classifyEach(texts: readonly string[], keys: readonly (string | undefined)[], requestIds: readonly string[], options: Pick<ClassifyOptions, 'rows' | 'top' | 'entities'> = {}): Promise<RoutedAnswers> {
    const table = this.readyTable();
    const answerOf = new Int32Array(texts.length);
    const rowOf = new Int32Array(texts.length);
    const groups: Array<{ variant: RoutedVariant; texts: string[]; ids: string[]; entities: (EntityKeys | undefined)[] }> = [];
    for (let i = 0; i < texts.length; i++) {
      const variant = table.primaries[pickByWeight(table.cumulative, keyPoint(keys[i]))]!;
      let g = groups.findIndex((x) => x.variant === variant);
      if (g < 0) g = groups.push({ variant, texts: [], ids: [], entities: [] }) - 1;
      const group = groups[g]!;
      answerOf[i] = g;
      rowOf[i] = group.texts.length;
      group.texts.push(texts[i]!);
      group.ids.push(requestIds[i]!);
      group.entities.push(options.entities?.[i]);
    }
    const answers = await Promise.all(groups.map((g) => this.answerWith(g.variant, g.texts, { ...options, requestIds: g.ids, entities: options.entities && g.entities }, false)));
    return { answers, answerOf, rowOf };
  }

  private readyTable(): RoutingTable {
    const table = this.table;
    if (!table || this.closed) throw new NotFoundError('endpoint-not-ready', `endpoint ${this.name} has no model loaded`, { endpoint: this.name });
    return table;
  }

  private async answerWith(chosen: RoutedVariant, texts: readonly string[], options: ClassifyOptions, pinned: boolean): Promise<EndpointAnswer> {
    const started = performance.now();
    const mapping = chosen.mapping;
    // Under a taxonomy no transport answers the model's probability rows (OIP refuses them): only observers may want them.
    const rows = (options.rows !== false && mapping === undefined) || (this.events.rowsWanted?.() ?? true);
    const features = chosen.runtime.header.inputFeatures;
    const composed = features && this.events.composeInputs ? await this.events.composeInputs(features, texts, options.entities) : undefined;
    const wanted = Math.max(options.top ?? 1, this.events.rankWanted?.() ?? 1);
    // Under a taxonomy a model's best valid code may sit below its top-k: search its TAXONOMY_SEARCH_K best.
    const k = mapping === undefined || mapping.identity ? wanted : Math.max(wanted, TAXONOMY_SEARCH_K);
    const r = await chosen.runtime.predict(composed?.inputs ?? texts, options.explainLimit ?? 0, { rows, k });
    const identity = chosen.runtime.identity;
    const ids = r.topIds;
    const scores = r.topScores;
    const t = chosen.thresholds;
    const taxonomy = mapping && mapAnswers(mapping, r, identity.labels.length, k, wanted);
    // One compare per text; a model without evidence routes everything to review (zeros).
    const decisions = taxonomy !== undefined ? taxonomyDecisions(taxonomy, t)
      : t === undefined ? undefined : t === null ? new Uint8Array(ids.length) : decideInto(t, ids, scores, new Uint8Array(ids.length));
    this.events.answered({
      endpoint: this.name, variant: chosen.spec.name, role: 'primary', pinned, model: identity, texts,
      topIds: ids, topScores: scores, proba: r.proba, ranked: r.ranked, latencyMs: performance.now() - started, queueMs: r.queueMs, requestIds: options.requestIds ?? NO_IDS, at: Date.now(),
      decisions, taxonomy, ...(composed ? { features: composed.used } : {}), ...(options.entities ? { entities: options.entities } : {}),
    });
    return { endpoint: this.name, variant: chosen.spec.name, model: identity, proba: r.proba, ranked: r.ranked, topIds: ids, topScores: scores, explanations: r.explanations, queueMs: r.queueMs, decisions, taxonomy };
  }

  /** The identity a plain (unrouted) question about this endpoint's model gets: the heaviest primary. */
  primaryModel(): ModelIdentity | undefined {
    const t = this.table;
    if (!t) return undefined;
    let best = t.primaries[0];
    for (const p of t.primaries) if (best && p.spec.weight > best.spec.weight) best = p;
    return best?.runtime.identity;
  }

  /** The shadow variants serving now (none outside shadow mode). */
  shadowTargets(): readonly ShadowTarget[] { return this.table?.shadowTargets ?? []; }

  /**
   * Under an active taxonomy: for a model serving here, the model class each answered code came
   * from (classOfAnsweredCode); undefined without a taxonomy, or when the model speaks it already.
   */
  answeredClasses(modelSha256: string): ReadonlyMap<string, number> | undefined {
    const t = this.table;
    const v = t && [...t.primaries, ...t.shadows].find((x) => x.runtime.identity.sha256 === modelSha256);
    return v?.mapping === undefined || v.mapping.identity ? undefined : classOfAnsweredCode(v.mapping);
  }

  /** Every loaded variant's model identity (for /v2/models/{name}/versions/{v}). */
  models(): ModelIdentity[] {
    const t = this.table;
    return t ? [...t.primaries, ...t.shadows].map((v) => v.runtime.identity) : [];
  }

  status(): { endpoint: string; mode: string; targetPrecision?: number; taxonomy?: string; remap?: string; variants: VariantStatus[] } | undefined {
    const t = this.table;
    if (!t) return undefined;
    const target = this.targetPrecision;
    return {
      endpoint: this.name, mode: t.spec.mode, ...(target === undefined ? {} : { targetPrecision: target }),
      ...(t.taxonomy ? { taxonomy: t.taxonomy.ref, ...(t.taxonomy.remap ? { remap: t.taxonomy.remap } : {}) } : {}),
      variants: [...t.primaries, ...t.shadows].map((v) => ({
        name: v.spec.name, role: v.spec.role, weight: v.spec.weight, modelRef: v.spec.model,
        model: v.runtime.identity.name, version: v.runtime.identity.version, kind: v.runtime.identity.kind, sha256: v.runtime.identity.sha256,
        ...(target === undefined ? {} : { expectedAutomation: v.runtime.decisionPolicy(target)?.expectedCoverage ?? null }),
      })),
    };
  }

  /** Stops routing, waits for requests in flight, releases the runtimes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.applying;
    const t = this.table;
    this.table = undefined;
    if (t) await Promise.all([...t.primaries, ...t.shadows].map((v) => this.pool.release(v.runtime)));
  }
}
