import { decodeArtifact } from '../core/artifact-format.js';
import { readDecisionEvidence, type DecisionEvidence } from '../core/decision-policy.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import { calibration, type Calibration } from '../training/calibration.js';
import { accuracyAtCoverage, type CoveragePoint } from '../training/coverage.js';
import { checkDecisions, DEFAULT_DECISION_TARGETS, type DecisionCheck } from '../training/decision-check.js';
import type { ProductionFigures } from './production-figures.js';

export type { ProductionFigures } from './production-figures.js';

/** One label as the model answered it on its validation rows. */
export interface PredictedClassFigures {
  readonly label: string;
  /** Validation rows the model answered with this label. */
  readonly answered: number;
  /** Share of those that were right (null: never answered). */
  readonly precision: number | null;
  readonly meanConfidence: number | null;
}

/**
 * What the dashboard's evaluation page shows of a registered version, all from what the registry
 * keeps with it: the headline metrics the artifact recorded at training time, and the validation
 * rows the artifact stores for its decide-or-route thresholds (per row the top-1 label, its
 * calibrated confidence and whether it was right; see training/decision-evidence.ts).
 *
 * Those rows do not keep the true label of a wrong answer, so a confusion matrix and per-class
 * recall cannot be rebuilt from them: they come from production labels when a feedback reader is
 * given (`production`), and `lading eval` on a labelled file gives the full report. The hierarchy
 * shown is the one recorded in the metrics at training time.
 */
export interface VersionEvaluation {
  readonly model: string;
  readonly version: number;
  readonly kind: string;
  readonly labels: number;
  readonly datasetId: string | null;
  readonly metrics: Readonly<Record<string, number>>;
  /** Validation rows stored in the artifact; 0 when it stores none (older artifacts, imported models). */
  readonly validationRows: number;
  /** Accuracy of the label's first `level` characters (HS2/HS4/HS6), as recorded at training. */
  readonly hierarchy: ReadonlyArray<{ readonly level: number; readonly accuracy: number }>;
  readonly calibration: Calibration | null;
  /** Accuracy reached when only the most confident share (coverage) is auto-classified. */
  readonly coverageCurve: readonly CoveragePoint[] | null;
  /** The per-class decide-or-route policy at 95/98/99% (as `lading models show NAME@V`). */
  readonly decisions: readonly DecisionCheck[] | null;
  /** Every label, most answered first. */
  readonly perClass: readonly PredictedClassFigures[] | null;
  /** Cost per million predictions when a metric records it (a benchmark run), else null. */
  readonly costPerMillion: number | null;
  /** Against the labels people gave later (feedback joined to this version's answers, every endpoint); null without any. */
  readonly production: ProductionFigures | null;
  /** What the page cannot show for this version, in words. */
  readonly missing: readonly string[];
}

/** Target accuracies the curve is drawn through: dense near the top, where thresholds are chosen. */
const CURVE_TARGETS: readonly number[] = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.985, 0.99, 0.995, 0.999, 1];
const COST_METRICS = ['costPerMillion', 'costPerMillionPredictions', 'costPerMillionUsd'];

/** A version's production figures from its labels and artifact sha256 (production-figures.ts; the dashboard computes them in its own thread). */
export type ProductionSource = (labels: readonly string[], modelSha256: string) => Promise<ProductionFigures | null>;

export async function versionEvaluation(registry: Pick<ModelRegistry, 'getModelVersion' | 'readModelArtifact'>, model: string, version: number, productionOf?: ProductionSource): Promise<VersionEvaluation> {
  const v = await registry.getModelVersion(model, version);
  const artifact = decodeArtifact(await registry.readModelArtifact(v), `${model}@${version}`);
  // The decide-or-route rows (all of them: what a server fits its thresholds on) and, for the
  // figures "on its validation rows", the validation part alone: with cross-fitted decision rows
  // the training rows scored out of fold come first (core/decision-policy.ts, DecisionEvidenceMeta).
  const evidence = readDecisionEvidence(artifact.header, artifact.sections);
  const validation = evidence && validationPart(evidence, artifact.header.decision?.crossFitRows ?? 0);
  const labels = artifact.header.labels;
  const hierarchy = Object.entries(v.metrics)
    .flatMap(([k, accuracy]) => { const m = /^validAccuracyLevel(\d+)$/.exec(k); return m ? [{ level: Number(m[1]), accuracy }] : []; })
    .sort((a, b) => a.level - b.level);
  const cost = COST_METRICS.map((k) => v.metrics[k]).find((x) => x !== undefined) ?? null;
  const production = productionOf ? await productionOf(labels, v.artifactSha256) : null;
  const missing: string[] = [];
  if (production === null) missing.push('confusion matrix and per-class recall: the stored validation rows keep whether an answer was right, not the true label of a wrong one, and no answer of this version got a label in production yet (`lading eval --model NAME@V --data FILE --label COL` gives them on a labelled file)');
  if (!evidence) missing.push('reliability, coverage and per-class figures: this artifact stores no validation rows (an older artifact or an imported model)');
  if (hierarchy.length === 0) missing.push('hierarchical accuracy: the labels are not 4- to 10-digit codes, or the artifact recorded none');
  if (cost === null) missing.push('cost per million predictions: no metric records it (`npm run bench` measures it)');
  return {
    model, version, kind: v.kind, labels: labels.length, datasetId: v.datasetId, metrics: v.metrics,
    validationRows: validation?.predicted.length ?? 0, hierarchy,
    calibration: validation ? calibration(validation.confidence, validation.correct) : null,
    coverageCurve: validation ? accuracyAtCoverage(validation.confidence, validation.correct, CURVE_TARGETS) : null,
    decisions: evidence ? checkDecisions(evidence, labels.length, DEFAULT_DECISION_TARGETS) : null,
    perClass: validation ? predictedClassFigures(labels, validation) : null,
    costPerMillion: cost, production, missing,
  };
}

function predictedClassFigures(labels: readonly string[], e: DecisionEvidence): PredictedClassFigures[] {
  const answered = new Float64Array(labels.length);
  const right = new Float64Array(labels.length);
  const confidence = new Float64Array(labels.length);
  for (let i = 0; i < e.predicted.length; i++) {
    const c = e.predicted[i]!;
    answered[c]!++;
    right[c]! += e.correct[i]!;
    confidence[c]! += e.confidence[i]!;
  }
  return labels.map((label, c) => {
    const n = answered[c]!;
    return { label, answered: n, precision: n > 0 ? right[c]! / n : null, meanConfidence: n > 0 ? confidence[c]! / n : null };
  }).sort((a, b) => b.answered - a.answered || (a.label < b.label ? -1 : 1));
}

/** The rows from `skip` on (views, no copies): the validation rows behind cross-fitted ones. */
function validationPart(e: DecisionEvidence, skip: number): DecisionEvidence {
  if (skip <= 0) return e;
  return { predicted: e.predicted.subarray(skip), confidence: e.confidence.subarray(skip), correct: e.correct.subarray(skip), weight: e.weight.subarray(skip) };
}
