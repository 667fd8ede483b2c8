import { fitDecisionPolicy, joinEvidence, readDecisionEvidence, type DecisionEvidence, type DecisionPolicy } from '../core/decision-policy.js';
import { InputError, LadingError } from '../core/errors.js';
import type { ArtifactHeader } from '../models/artifact.js';
import type { Contribution } from '../models/classifier.js';
import { readSharedArtifact, type LoadedArtifact } from '../models/artifact.js';
import { modelFromArtifact } from '../models/load-model.js';
import { MicroBatcher, ROWS_AND_TOP1, type BatchResult, type BatchStats, type LocalPredictor, type PredictWant } from './micro-batcher.js';
import { startServingThread, type ServingThread } from './serving-thread.js';

/** Which model answered: the facts every prediction carries. */
export interface ModelIdentity {
  /** Registered model name, or the artifact file's base name. */
  readonly name: string;
  /** Registry version ("3"), or the first 12 hex digits of the artifact's sha256 for a plain file. */
  readonly version: string;
  readonly kind: string;
  readonly sha256: string;
  readonly labels: readonly string[];
}

export interface RuntimeOptions {
  /** Serving threads (default: one per core, chosen by the caller). */
  readonly threads: number;
  /** Longest a request waits to be batched with others (default 2 ms). */
  readonly maxDelayMs: number;
  /** Batches stop growing at this many texts (default 256). */
  readonly maxBatchTexts?: number;
  /** Texts each thread predicts once before the runtime counts as ready (JIT warm-up). */
  readonly warmupTexts?: readonly string[];
  /**
   * A batch estimated to cost at most this many ms is scored on the calling (HTTP) thread instead of
   * a serving thread (default DEFAULT_INLINE_BUDGET_MS; 0 = always a thread). Only synchronous
   * engines qualify; the model is then loaded once more, in the calling thread.
   */
  readonly inlineBudgetMs?: number;
  /**
   * Every batch is scored on the calling thread whatever its size (synchronous engines; the
   * serving threads then only explain, and score when the model cannot be loaded here). For a
   * process that is one of several sharing a port (`serve --processes`): the processes are the
   * parallelism, and a hop to a thread would only add work to a core that is already busy.
   */
  readonly inlineAll?: boolean;
  readonly onBatch?: (model: ModelIdentity, s: BatchStats) => void;
  /** Each batch's scoring time (ms) and texts, after it was scored (serving thread or inline). */
  readonly onCompute?: (model: ModelIdentity, ms: number, texts: number) => void;
}

export interface RuntimeAnswer extends BatchResult {
  readonly explanations?: Contribution[][];
}

export const DEFAULT_MAX_DELAY_MS = 2;
export const DEFAULT_MAX_BATCH_TEXTS = 256;
/**
 * Half a millisecond: covers the up to 16 single-text requests that arrive together under load
 * (the HS4 fastText model, 815 classes, takes 12–27 µs a text depending on how busy the machine
 * is); a 32-text request still goes to a serving thread, where two threads share it (batches of
 * more than INLINE_MAX_TEXTS texts always do). Sending single texts away under load cost the HTTP
 * thread as much as predicting them (postMessage, the reply's message event, promises) and left
 * it idle while the thread worked: scored here they gave ~+20% requests/s (bench notes in README).
 */
export const DEFAULT_INLINE_BUDGET_MS = 0.5;
const DEFAULT_WARMUP = Array.from({ length: 64 }, (_, i) => `warm up line ${i} plastic cups 100 pcs ${i % 7} cartons`);

/**
 * A loaded model held in N worker threads behind an adaptive micro-batcher. Counts requests in
 * flight so a swap can drain it before closing: a request that got this runtime is always answered.
 */
export class ModelRuntime {
  private inFlightRequests = 0;
  private drainWaiters: Array<() => void> = [];
  private closed = false;
  private readonly batcher: MicroBatcher;
  private nextExplainThread = 0;
  private readonly policies = new Map<number, DecisionPolicy>();
  /** Rows from delayed labels of this model's answers (production's class mix, weight 1), added to the validation rows. */
  private labelledEvidence: DecisionEvidence | undefined;

  private constructor(
    readonly identity: ModelIdentity,
    readonly header: ArtifactHeader,
    /** The artifact's decide-or-route rows; undefined when it stores none (older artifacts, imported ONNX). */
    readonly decisionEvidence: DecisionEvidence | undefined,
    /** The serving threads ready now (shared with the batcher: threads that load behind are pushed here). */
    private readonly threads: ServingThread[],
    options: RuntimeOptions,
    local: LocalPredictor | undefined,
  ) {
    this.batcher = new MicroBatcher(threads, identity.labels.length, {
      maxDelayMs: options.maxDelayMs, maxBatchTexts: options.maxBatchTexts ?? DEFAULT_MAX_BATCH_TEXTS,
      onBatch: options.onBatch ? (s) => options.onBatch!(identity, s) : undefined,
      onCompute: options.onCompute ? (ms, texts) => options.onCompute!(identity, ms, texts) : undefined,
      local, inlineBudgetMs: options.inlineBudgetMs ?? DEFAULT_INLINE_BUDGET_MS, inlineAll: options.inlineAll === true,
    });
  }

  /**
   * Loads the artifact and returns when it answers: scored in this thread (synchronous engines, with
   * an inline budget or inlineAll), while the `threads` serving threads load behind; otherwise in
   * the threads, each warmed up first.
   */
  static async open(modelPath: string, name: string, registryVersion: string | undefined, options: RuntimeOptions): Promise<ModelRuntime> {
    if (!Number.isInteger(options.threads) || options.threads < 1 || options.threads > 256) {
      throw new InputError('bad-threads', `serving threads must be a whole number from 1 to 256, got ${options.threads}`, { threads: options.threads });
    }
    if (!(options.maxDelayMs >= 0 && options.maxDelayMs <= 1000)) {
      throw new InputError('bad-max-delay', `the batching delay bound must be from 0 to 1000 ms, got ${options.maxDelayMs}`, { maxDelayMs: options.maxDelayMs });
    }
    const inlineBudget = options.inlineBudgetMs ?? DEFAULT_INLINE_BUDGET_MS;
    if (!(inlineBudget >= 0 && inlineBudget <= 1000)) {
      throw new InputError('bad-inline-budget', `the inline scoring budget must be from 0 to 1000 ms, got ${inlineBudget}`, { inlineBudgetMs: inlineBudget });
    }
    const warm = options.warmupTexts ?? DEFAULT_WARMUP;
    // Read and verified once, here; the threads decode the same shared bytes (cold start: see readSharedArtifact).
    const { bytes, artifact } = readSharedArtifact(modelPath);
    const verified = { bytes, fileSha256: artifact.fileSha256 };
    const local = inlineBudget > 0 || options.inlineAll === true ? await localPredictor(modelPath, artifact, warm).catch(() => undefined) : undefined;
    if (local) {
      // Cold start: the model answers from here as soon as it is loaded here, and the serving threads
      // load behind and join the batcher once warm. Waiting for them too (two more decodes of a
      // 23 MB fastText artifact on a 2-core machine) kept a new process from its first answer for
      // about a second longer (README: bench:serve, cold start).
      const identity: ModelIdentity = {
        name, version: registryVersion ?? artifact.fileSha256.slice(0, 12), kind: artifact.header.kind, sha256: artifact.fileSha256, labels: artifact.header.labels,
      };
      const runtime = new ModelRuntime(identity, artifact.header, readDecisionEvidence(artifact.header, artifact.sections), [], options, local);
      runtime.startThreadsBehind(Array.from({ length: options.threads }, async () => {
        const { thread } = await startServingThread(modelPath, verified);
        await warmUp(thread, warm).catch(async (e: unknown) => { await thread.terminate(); throw e; });
        return thread;
      }));
      return runtime;
    }
    const started = await Promise.allSettled(Array.from({ length: options.threads }, () => startServingThread(modelPath, verified)));
    const failed = started.find((s) => s.status === 'rejected');
    const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (failed) {
      await Promise.all(ok.map((o) => o.thread.terminate()));
      throw failed.reason;
    }
    const first = ok[0]!;
    const identity: ModelIdentity = {
      name, version: registryVersion ?? first.fileSha256.slice(0, 12), kind: first.header.kind, sha256: first.fileSha256, labels: first.header.labels,
    };
    const runtime = new ModelRuntime(identity, first.header, first.decisionEvidence, ok.map((o) => o.thread), options, undefined);
    await Promise.all(ok.map((o) => warmUp(o.thread, warm)));
    return runtime;
  }

  /** Serving threads still loading (cold start); settled once each joined or failed. */
  private threadsStarting: Promise<void> = Promise.resolve();
  /** Why no serving thread could start, when none did (explanations need one). */
  private threadsFailure: unknown;

  /** Settles once every serving thread that loads behind the first answers has joined or failed (tests, benchmarks). */
  threadsStarted(): Promise<void> {
    return this.threadsStarting;
  }

  /** Each thread joins the batcher when ready; one that arrives after close() is stopped at once. */
  private startThreadsBehind(starts: readonly Promise<ServingThread>[]): void {
    this.threadsStarting = Promise.allSettled(starts.map(async (start) => {
      const thread = await start;
      if (this.closed) { await thread.terminate(); return; }
      this.threads.push(thread);
    })).then((results) => {
      const failed = results.find((r) => r.status === 'rejected');
      if (failed && this.threads.length === 0) this.threadsFailure = failed.reason;
    });
  }

  /** The decision policy at `target` (fitted once per target: endpoints sharing this model share it); undefined without evidence. */
  decisionPolicy(target: number): DecisionPolicy | undefined {
    const evidence = joinEvidence(this.decisionEvidence, this.labelledEvidence);
    if (!evidence) return undefined;
    let p = this.policies.get(target);
    if (!p) this.policies.set(target, (p = fitDecisionPolicy(evidence, this.identity.labels.length, target)));
    return p;
  }

  /** Replaces the delayed-label rows the policies are refitted with (a model without validation rows can then decide too). */
  setLabelledEvidence(evidence: DecisionEvidence | undefined): void {
    this.labelledEvidence = evidence;
    this.policies.clear();
  }

  get threadCount(): number { return this.threads.length; }
  get inFlight(): number { return this.inFlightRequests; }
  get isClosed(): boolean { return this.closed; }

  /**
   * Each text's top-1, and as `want` asks its probability rows (default) and k best classes, for
   * the texts of one request, scored together (and with whatever arrived alongside). With
   * explainLimit > 0, also the features behind each text's top label, computed under the same
   * in-flight count so a swap cannot unload the model in between.
   */
  predict(texts: readonly string[], explainLimit = 0, want: PredictWant = ROWS_AND_TOP1): Promise<RuntimeAnswer> {
    if (explainLimit > 0 && texts.length > 0) return this.predictExplained(texts, explainLimit, want);
    // The hot path: one promise from the batcher and one for the in-flight count, no async frame.
    try {
      this.enter();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.batcher.submit(texts, want).then((r) => { this.leave(); return r; }, (e: unknown) => { this.leave(); throw e; });
  }

  private async predictExplained(texts: readonly string[], explainLimit: number, want: PredictWant): Promise<RuntimeAnswer> {
    this.enter();
    try {
      const r = await this.batcher.submit(texts, want);
      if (this.threads.length === 0) await this.threadsStarting; // explanations run in a serving thread
      if (this.threads.length === 0) throw this.threadsFailure ?? new Error(`model ${this.identity.name} has no serving thread to explain with`);
      const thread = this.threads[this.nextExplainThread++ % this.threads.length]!;
      const reply = await thread.request({ type: 'explain', texts, classIds: Array.from(r.topIds), limit: explainLimit });
      if (reply.type !== 'explained') throw new Error(`unexpected reply ${reply.type}`);
      return { ...r, explanations: reply.explanations };
    } finally {
      this.leave();
    }
  }

  /** Resolves once no request is in flight (new ones may still come in). */
  drain(): Promise<void> {
    if (this.inFlightRequests === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Refuses new requests, waits for those in flight, then stops the threads. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.drain();
    await this.threadsStarting;
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  private enter(): void {
    if (this.closed) {
      throw new LadingError('runtime-closed', `model ${this.identity.name} version ${this.identity.version} is unloaded`, { model: this.identity.name, version: this.identity.version });
    }
    this.inFlightRequests++;
  }

  private leave(): void {
    this.inFlightRequests--;
    if (this.inFlightRequests === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }
}

/** Three passes over the warm-up texts (JIT) before a serving thread takes traffic. */
async function warmUp(thread: ServingThread, warm: readonly string[]): Promise<void> {
  for (let i = 0; i < 3; i++) await thread.request({ type: 'predict', texts: warm, rows: true, k: 1 });
}

/**
 * The model loaded in this thread, warmed up and timed, when its engine predicts synchronously;
 * undefined otherwise (onnxruntime answers asynchronously and stays in the serving threads). A
 * failure here leaves the threads to do all the work: they load the same file and report its errors.
 */
async function localPredictor(modelPath: string, artifact: LoadedArtifact, warm: readonly string[]): Promise<LocalPredictor | undefined> {
  const { classifier } = await modelFromArtifact(modelPath, artifact);
  if (classifier.predictProbaAsync || warm.length === 0) return undefined;
  const classes = classifier.labels.length;
  const predict = (texts: readonly string[], into?: Float32Array) => {
    const out = into ?? new Float32Array(texts.length * classes);
    classifier.predictProba(texts, out);
    return out;
  };
  let best = Infinity;
  for (let i = 0; i < 8; i++) {
    const t = performance.now();
    predict(warm);
    if (i >= 3) best = Math.min(best, performance.now() - t);
  }
  return { predict, msPerText: best / warm.length };
}
