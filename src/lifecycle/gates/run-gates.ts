import { InterruptedError } from '../../core/errors.js';
import type { DatasetRegistry } from '../../registry/dataset-registry.js';
import type { ModelRegistry, ModelVersionRecord } from '../../registry/model-registry.js';
import type { GatePolicy } from '../pipeline/pipeline-spec.js';
import { artifactSizeGate, calibrationGate, latencyGate } from './budget-gates.js';
import { comparisonGates, noChampionGates, skippedGates } from './comparison-gates.js';
import { answerTexts, gateModelOf, loadGateModel, type ModelAnswers } from './gate-model.js';
import type { GateReport, GateResult } from './gate-report.js';
import { holdoutTexts, loadGoldenTexts, MIN_HOLDOUT_TEXTS, type GateTextSet, type LabelledTexts } from './gate-texts.js';
import { DEFAULT_LATENCY_PROBE, probeLatency, type LatencyProbeOptions } from './latency-probe.js';
import { checkGatePolicy } from './check-gate-policy.js';

export interface RunGatesInput {
  /** The registered version that wants traffic. */
  readonly candidate: ModelVersionRecord;
  /** The version serving now (the endpoint's champion); null on a first release. */
  readonly champion: ModelVersionRecord | null;
  readonly policy: GatePolicy;
  /** Reads the two artifacts and the golden set; the gates write nothing. */
  readonly registry: Pick<ModelRegistry, 'readModelArtifact'> & Pick<DatasetRegistry, 'getDataset' | 'loadDatasetRows'>;
  /**
   * The endpoint's newest accepted feedback, held out of the candidate's training (texts with their
   * corrected labels; its dataset version and lineage say where from). Ignored when
   * policy.feedbackHoldout is 0. It must be feedback the candidate was not trained on, or the
   * candidate is graded on its own homework: a pipeline run holds it out (assemble-run-data.ts).
   */
  readonly holdout?: LabelledTexts & { readonly datasetId?: string; readonly lineage?: string };
  /** Fewer held-out texts than this and the holdout's checks are skipped. Default MIN_HOLDOUT_TEXTS (30). */
  readonly minHoldoutTexts?: number;
  /** The golden set's label column; default the candidate's own (inputSchema.labelColumn), else the set's only one. */
  readonly labelColumn?: string;
  readonly latency?: LatencyProbeOptions;
  /** Paired-bootstrap resamples for macro-F1 (and the accuracy cross-check). Default 1,000. */
  readonly resamples?: number;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
}

export const DEFAULT_GATE_RESAMPLES = 1000;
export const DEFAULT_GATE_SEED = 1;

/**
 * The quality gates a candidate must pass before any traffic: against the champion on the same
 * texts (the golden set, and the held-out recent feedback when given), each text set judged on its
 * own with the same paired tests (a candidate better on the old golden set but worse on what
 * production sees now must not pass), then the budgets. A holdout too small to judge has its
 * checks skipped ("skipped: only N rows"), not failed, and adds no texts to the budgets. Every gate runs and every failure is recorded: the report says all that is
 * wrong at once. Bad policy input (a golden set that does not exist) throws an InputError before
 * anything is loaded; nothing is ever written.
 */
export async function runGates(input: RunGatesInput): Promise<GateReport> {
  const { policy, candidate, champion } = input;
  checkGatePolicy(policy);
  if (input.signal?.aborted) throw new InterruptedError('the quality gates');
  const golden = policy.golden === undefined ? null
    : await loadGoldenTexts(input.registry, policy.golden, { asked: input.labelColumn, models: [candidate.inputSchema.labelColumn, champion?.inputSchema.labelColumn] });
  const holdout = policy.feedbackHoldout > 0 ? holdoutTexts(input.holdout) : null;
  const minHoldout = input.minHoldoutTexts ?? MIN_HOLDOUT_TEXTS;
  const holdoutSkipped = holdout !== null && holdout.texts.length < minHoldout;
  const sets: GateTextSet[] = [golden, holdoutSkipped ? null : holdout].filter((s): s is GateTextSet => s !== null);
  const total = sets.reduce((n, s) => n + s.texts.length, 0);

  const loadedCandidate = await loadGateModel(input.registry, candidate);
  const loadedChampion = champion ? await loadGateModel(input.registry, champion) : null;
  const candidateAnswers: ModelAnswers[] = [];
  for (const set of sets) candidateAnswers.push(await answerTexts(loadedCandidate.classifier, set.texts, input.signal));

  const results: GateResult[] = [];
  const skipped = holdoutSkipped ? skippedGates(holdout, minHoldout) : [];
  if (loadedChampion === null) {
    if (sets.length === 0) results.push(...noChampionGates(null, null));
    sets.forEach((set, i) => results.push(...noChampionGates(set, candidateAnswers[i]!)));
    results.push(...skipped);
  } else if (sets.length === 0) {
    results.push(...skipped, {
      gate: 'evidence', source: null, passed: false, skipped: false,
      reason: `no texts to compare the candidate with the champion on: the policy names no golden set (gates.golden) and ${holdout === null
        ? 'no held-out feedback was given' : `the held-out feedback has only ${holdout.texts.length} rows (at least ${minHoldout} needed)`}`,
      figures: { texts: 0 },
    });
  } else {
    const options = { policy, resamples: input.resamples ?? DEFAULT_GATE_RESAMPLES, seed: input.seed ?? DEFAULT_GATE_SEED };
    for (const [i, set] of sets.entries()) {
      const championAnswers = await answerTexts(loadedChampion.classifier, set.texts, input.signal);
      results.push(...comparisonGates(set, candidateAnswers[i]!, championAnswers, options));
    }
    results.push(...skipped);
  }

  const { budgets } = policy;
  if (budgets.p99Ms !== undefined) {
    const pool = sets.flatMap((s) => s.texts.slice(0, 1000));
    results.push(latencyGate(await probeLatency(loadedCandidate.classifier, pool, input.latency ?? DEFAULT_LATENCY_PROBE, input.signal), budgets.p99Ms));
  }
  if (budgets.artifactMb !== undefined) results.push(artifactSizeGate(candidate, budgets.artifactMb));
  if (budgets.ece !== undefined) {
    const truth = sets.flatMap((s) => s.labels);
    results.push(calibrationGate(total, truth, joinAnswers(candidateAnswers), budgets.ece));
  }

  const reasons = results.filter((r) => !r.passed).map((r) => r.reason);
  return {
    passed: reasons.length === 0,
    candidate: gateModelOf(candidate),
    champion: champion ? gateModelOf(champion) : null,
    texts: {
      golden: golden ? { ref: golden.ref, datasetId: golden.datasetId, labelColumn: golden.labelColumn, texts: golden.texts.length } : null,
      holdout: holdout ? { datasetId: input.holdout?.datasetId ?? null, texts: holdout.texts.length, lineage: input.holdout?.lineage ?? null, skipped: holdoutSkipped } : null,
      total,
    },
    results,
    reasons,
    checkedAt: (input.now?.() ?? new Date()).toISOString(),
  };
}

function joinAnswers(parts: readonly ModelAnswers[]): ModelAnswers | null {
  if (parts.length === 0) return null;
  const confidence = new Float32Array(parts.reduce((n, p) => n + p.confidence.length, 0));
  let at = 0;
  for (const p of parts) { confidence.set(p.confidence, at); at += p.confidence.length; }
  return { labels: parts.flatMap((p) => p.labels), confidence };
}
