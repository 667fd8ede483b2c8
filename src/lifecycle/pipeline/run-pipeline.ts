import { ConflictError, InterruptedError, isLadingError } from '../../core/errors.js';
import type { TrainProgress } from '../../models/classifier.js';
import type { FeedbackStore } from '../../monitoring/store/monitoring-store.js';
import type { DatasetRegistry } from '../../registry/dataset-registry.js';
import type { ModelRegistry, ModelVersionRecord } from '../../registry/model-registry.js';
import { registerArtifact } from '../../registry/register-artifact.js';
import { runTrainingPipeline, type TrainingPipelineResult } from '../../training/pipeline.js';
import { readReferenceRows } from '../../training/reference-rows.js';
import { assembleRunData, type HoldoutData, type RunData } from './assemble-run-data.js';
import type { PipelineSpec } from './pipeline-spec.js';
import type { PipelineRun, PipelineStore, RunOwner, RunStep, RunTrigger } from './pipeline-store.js';
import { currentOwner, HEARTBEAT_MS, ownerGone } from './run-owner.js';

export interface PipelineRunDeps {
  readonly datasets: Pick<DatasetRegistry, 'getDataset' | 'listDatasets' | 'loadDatasetRows' | 'saveDataset'>;
  readonly models: ModelRegistry;
  readonly store: PipelineStore;
  /** The endpoint's accepted feedback (the monitoring store); needed when the pipeline takes feedback. */
  readonly feedback: Pick<FeedbackStore, 'listFeedback'> | undefined;
  readonly threads: number;
  /** Default Date.now; tests pass their own. */
  readonly clock?: (() => number) | undefined;
  readonly owner?: RunOwner | undefined;
}

/** The candidate a run produced: the best kind on validation, registered (or found registered) as a version of the pipeline's model. */
export interface Candidate {
  readonly model: string;
  readonly version: number;
  /** `model@version`. */
  readonly ref: string;
  readonly kind: string;
  readonly datasetId: string;
  /** The validation figures it was chosen by. */
  readonly metrics: Readonly<Record<string, number>>;
  /** true when the model already had these exact bytes (same data, kind and seed): that version is the candidate, nothing new was registered. */
  readonly reused: boolean;
}

/**
 * What the controller hangs on a run: the quality gates, timed as the step `gates`, given the
 * feedback the run held out of training (null when it held none out). A run whose candidate does
 * not pass ends `gated`, every reason in its error. Without a judge a run ends `succeeded` at its
 * registered candidate, and gates and release are someone else's next step.
 */
export type CandidateJudge = (candidate: Candidate, run: PipelineRun, holdout: HoldoutData | null) => Promise<{ readonly passed: true } | { readonly passed: false; readonly reasons: readonly string[] }>;

export interface PipelineRunOptions {
  readonly trigger: RunTrigger;
  readonly actor: string;
  readonly signal?: AbortSignal | undefined;
  /** Seed of every split and training. Default 1, as `lading train`: the same data gives the same candidate. */
  readonly seed?: number | undefined;
  /** Training progress, by step name (`train:fasttext`), from the kinds' own progress hooks. */
  readonly onProgress?: ((step: string, p: TrainProgress) => void) | undefined;
  /** Each step as it starts (finishedAt null) and as it ends. */
  readonly onStep?: ((step: RunStep) => void) | undefined;
  /** After a new candidate is registered (the platform saves its reference profile for drift here). */
  readonly afterRegister?: ((trained: TrainingPipelineResult<unknown>, version: ModelVersionRecord) => Promise<void>) | undefined;
  readonly judge?: CandidateJudge | undefined;
}

export interface TrainedKind {
  readonly kind: string;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly seconds: number;
}

export interface PipelineRunResult {
  readonly run: PipelineRun;
  readonly candidate: Candidate;
  /** `holdout`: the dataset version of the feedback held out for the gates, null when none was. */
  readonly data: Pick<RunData, 'counts' | 'files' | 'created' | 'lineage'> & { readonly dataset: string; readonly base: string; readonly holdout: string | null };
  readonly trained: readonly TrainedKind[];
}

/** Share of text groups held out for validation: the same as `lading train`'s default. */
const VALID_FRACTION = 0.1;

/**
 * One run of a pipeline: assemble the data into a new dataset version, train every listed kind on
 * it, keep the best on validation by `select`, register it as the next version of the pipeline's
 * model (lineage: the dataset version, and the champion it was retrained from), and record every
 * step's time in the run. It does not gate or release: `judge` is where controller/gated-run.ts
 * (the one path of the controller and of `lading pipeline run`) hangs the gates.
 *
 * A paused pipeline runs only by hand (trigger `manual`): a pause stops the automation, not a person.
 * Abort the signal to stop: the run ends `failed` with "interrupted", nothing is registered after
 * the abort. A run whose process died is marked failed the next time any run starts (runs of
 * every pipeline are reaped: see run-owner.ts).
 */
export async function runPipeline(spec: PipelineSpec, deps: PipelineRunDeps, options: PipelineRunOptions): Promise<PipelineRunResult> {
  const now = deps.clock ?? Date.now;
  const owner = deps.owner ?? currentOwner();
  const { store } = deps;
  const { signal } = options;
  await store.reapRuns((r) => ownerGone(r, now(), owner), now());
  const state = await store.state(spec.name, now());
  if (state.paused && options.trigger !== 'manual') {
    throw new ConflictError('pipeline-paused', `pipeline "${spec.name}" is paused${state.pausedBy ? ` (by ${state.pausedBy}${state.pauseReason ? `: ${state.pauseReason}` : ''})` : ''}; a ${options.trigger} trigger does not run it`,
      { pipeline: spec.name, trigger: options.trigger }, `Resume it with \`lading pipeline resume ${spec.name}\`, or run it by hand.`);
  }
  if (signal?.aborted) throw new InterruptedError(`pipeline ${spec.name}`);
  const run = await store.startRun({ pipeline: spec.name, trigger: options.trigger, actor: options.actor, owner, now: now() });
  const steps: RunStep[] = [];
  // One write at a time, in order: on a pool a heartbeat could otherwise land after a newer step list and undo it.
  let writes: Promise<void> = Promise.resolve();
  const record = (extra: { dataset?: string; holdout?: string; candidate?: string } = {}): Promise<void> => {
    writes = writes.catch(() => undefined).then(() => store.recordProgress(run.id, { now: now(), steps: [...steps], ...extra }));
    return writes;
  };
  const heartbeat = setInterval(() => { void record().catch(() => undefined); }, HEARTBEAT_MS);
  heartbeat.unref();

  const step = async <T>(name: string, work: () => Promise<T>, detail: (out: T) => string): Promise<T> => {
    if (signal?.aborted) throw new InterruptedError(`pipeline ${spec.name}`);
    const index = steps.push({ name, startedAt: now(), finishedAt: null, detail: null }) - 1;
    options.onStep?.(steps[index]!);
    await record();
    try {
      const out = await work();
      steps[index] = { ...steps[index]!, finishedAt: now(), detail: detail(out) };
      return out;
    } catch (e) {
      steps[index] = { ...steps[index]!, finishedAt: now(), detail: `failed: ${(e as Error).message}` };
      throw e;
    } finally {
      options.onStep?.(steps[index]!);
    }
  };

  let watermark: RunData['watermark'];
  try {
    const data = await step('data', () => assembleRunData({ spec, runId: run.id, datasets: deps.datasets, feedback: deps.feedback, now: now() }),
      (d) => `${d.rows.texts.length} rows in ${d.dataset.id}${d.created ? ' (new)' : ' (same content as before)'}: ${d.counts.base} base, ${d.counts.files} from files, ${d.counts.feedback} feedback, ${d.counts.superseded} superseded`
        + (d.holdout ? `; ${d.counts.holdout} newest feedback held out for the gates in ${d.holdout.dataset.id}` : ''));
    watermark = data.watermark;
    await record({ dataset: data.dataset.id, ...(data.holdout ? { holdout: data.holdout.dataset.id } : {}) });

    const labelColumn = data.rows.labelColumns[0]!;
    const nomenclature = spec.data.nomenclature;
    const referenceRows = nomenclature === undefined ? undefined : await readReferenceRows(nomenclature, labelColumn);
    const trained: TrainedKind[] = [];
    let best: TrainingPipelineResult<never> | undefined;
    const score = (t: TrainingPipelineResult<never>) => (spec.select === 'accuracy' ? t.report.accuracy : t.report.macroF1);
    for (const choice of spec.train) {
      const name = `train:${choice.kind}`;
      const result = await step(name, () => runTrainingPipeline({
        rows: data.rows, labelColumn, dataset: data.dataset, ...(referenceRows ? { referenceRows } : {}), kind: choice.kind, seed: options.seed ?? 1, upsample: false,
        threads: deps.threads, params: choice.params, validFraction: VALID_FRACTION, ...(data.dataset.levels ? { levels: data.dataset.levels } : {}),
        ...(spec.refit === undefined ? {} : { refit: spec.refit }), ...(spec.decisionFolds === undefined ? {} : { decisionFolds: spec.decisionFolds }),
        ...(options.onProgress ? { onProgress: (p: TrainProgress) => options.onProgress!(name, p) } : {}), ...(signal ? { signal } : {}),
      }), (t) => `accuracy ${t.report.accuracy.toFixed(4)}, macroF1 ${t.report.macroF1.toFixed(4)} (${t.heldOutFitRows} train / ${t.validRows} validation rows${t.refit ? `, then refit on all ${t.trainRows}` : ''})`);
      trained.push({ kind: choice.kind, accuracy: result.report.accuracy, macroF1: result.report.macroF1, seconds: result.seconds });
      // Ties keep the kind listed first: the order in lading.yaml is the preference.
      if (best === undefined || score(result) > score(best)) best = result;
    }
    const winner = best!;

    const candidate = await step('register', () => registerCandidate(spec, deps, options, run, winner, data), (c) =>
      `${c.ref} (${c.kind}, ${spec.select} ${(spec.select === 'accuracy' ? winner.report.accuracy : winner.report.macroF1).toFixed(4)})${c.reused ? ': the model already had these bytes' : ''}`);
    await record({ candidate: candidate.ref });

    let verdict: Awaited<ReturnType<CandidateJudge>> = { passed: true };
    if (options.judge) {
      const judge = options.judge;
      verdict = await step('gates', () => judge(candidate, run, data.holdout), (v) => (v.passed ? 'passed' : `failed: ${v.reasons.join('; ')}`));
      // The gates step's end, before the run's: history shows it timed.
      await record();
    }
    const finished = await store.finishRun(run.id, {
      status: verdict.passed ? 'succeeded' : 'gated', now: now(), watermark,
      ...(verdict.passed ? {} : { error: `gated: ${verdict.reasons.join('; ')}` }),
    });
    return {
      run: finished, candidate, trained,
      data: { dataset: data.dataset.id, base: data.base.id, holdout: data.holdout?.dataset.id ?? null, counts: data.counts, files: data.files, created: data.created, lineage: data.lineage },
    };
  } catch (e) {
    const interrupted = signal?.aborted === true || (isLadingError(e) && e.code === 'interrupted');
    await record().catch(() => undefined);
    await store.finishRun(run.id, { status: 'failed', now: now(), error: interrupted ? `interrupted: ${(e as Error).message}` : (e as Error).message,
      // A failed run has seen its labels (so a persistent failure does not re-fire on every check); an interrupted one has not.
      watermark: interrupted ? undefined : watermark })
      .catch(() => undefined);
    throw e;
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * Registers the winner as the model's next version, its parent the champion it would replace
 * (lineage), tagged with the pipeline and run. Bytes the model already has (a re-run on unchanged
 * data) make that version the candidate instead of a ConflictError.
 */
async function registerCandidate(spec: PipelineSpec, deps: PipelineRunDeps, options: PipelineRunOptions, run: PipelineRun, winner: TrainingPipelineResult<never>, data: RunData): Promise<Candidate> {
  const existing = (await deps.models.listModelVersions(spec.model).catch(() => [])).find((v) => v.artifactSha256 === winner.sha256 && v.deletedAt === null);
  const about = { model: spec.model, kind: winner.meta.kind, datasetId: data.dataset.id, metrics: winner.meta.metrics };
  if (existing !== undefined) return { ...about, version: existing.version, ref: `${spec.model}@${existing.version}`, reused: true };
  if (options.signal?.aborted) throw new InterruptedError(`pipeline ${spec.name}`);
  const champion = await deps.models.resolveModel(`${spec.model}@champion`).catch(() => undefined);
  const version = await registerArtifact(deps.models, {
    name: spec.model, artifactBytes: winner.bytes, actor: options.actor,
    tags: { pipeline: spec.name, run: run.id, trigger: options.trigger },
    ...(champion !== undefined ? { parent: champion.version } : {}),
    reason: `pipeline ${spec.name} ${run.id} (${options.trigger}): best of ${spec.train.map((t) => t.kind).join(', ')} by validation ${spec.select}, trained on ${data.dataset.id}`,
  });
  await options.afterRegister?.(winner, version);
  return { ...about, version: version.version, ref: `${spec.model}@${version.version}`, reused: false };
}
